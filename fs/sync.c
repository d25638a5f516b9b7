/* sync: the changes other daemons commit to a shared store reach this
 * mount's kernel cache as this daemon's own do (docs/scale-out.md,
 * "Coherence"): the store's watcher hands them over on its own thread and
 * they are queued to fs/inval.c.  On a store only this daemon writes
 * (SQLite) the watcher does nothing. */
#define FUSE_USE_VERSION 312
#include "fs/sync.h"

#include "fs/fs.h"
#include "store/watch.h"

static void on_changes(void *ctx, const struct changes *ch)
{
	struct osfs *fs = ctx;
	inval_changes(&fs->inval, ch, 0);
}

int sync_start(struct osfs *fs, unsigned poll_ms)
{
	return store_watch(fs->store, poll_ms, on_changes, fs);
}

void sync_stop(struct osfs *fs)
{
	store_unwatch(fs->store);
}
