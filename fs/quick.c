/* quick: which changes of a pending file stay in memory, for fs/loop.c.
 *
 * rsync -a, cp and editors write a file under a temporary name, set its
 * mode and times, close it and rename it.  Until the rename, those
 * requests change only the pending upload in this daemon's memory (a
 * temporary name is never installed at close(): fs/ops_write.c's
 * flush_upload), take only its lock and the uploads' list lock, never the
 * store's write lock, and never wait for an invalidation: the reading
 * thread may answer them while no worker runs (docs/performance.md, W5). */
#include "fs/fs.h"

#include <linux/fuse.h>

#include "fs/handles.h"
#include "fs/ino.h"
#include "fs/uploads.h"

/* The upload of handle fh, or of inode ino if it is a pending upload,
 * with a reference; NULL for anything else. */
static struct upload *upload_of(struct osfs *fs, uint64_t ino, uint64_t fh)
{
	if (fh) {
		struct handle *h = handles_get(&fs->open, fh);
		struct upload *up = h ? h->up : NULL;
		if (up)
			uploads_ref(&fs->uploads, up);
		handles_put(&fs->open, h);
		return up;
	}
	struct tree_node n = ino_node(ino);
	return n.type == T_UPLOAD ? uploads_get(&fs->uploads, n.id) : NULL;
}

int fs_pending_quick(void *ctx, uint32_t opcode, uint64_t ino, uint64_t fh, uint64_t end)
{
	struct osfs *fs = ctx;
	struct upload *up = upload_of(fs, ino, fh);
	if (!up)
		return 0;
	char name[300];
	/* An alias answers for an install file, and a file staged through its
	 * inode replaces one: their changes reach the store.  A FLUSH installs
	 * a final name; a chmod or utimens of one stays in memory. */
	int quick = !up->alias_of && !up->by_inode && !up->expect_id &&
		    uploads_name(&fs->uploads, up, name, sizeof(name)) &&
		    (opcode == FUSE_SETATTR || !uploads_final_name(name));
	/* A write to a record folder's temporary name (an install/ upload's
	 * write lists it again) that no limit refuses: a refusal is written to
	 * the tenant's log, a store write that waits for its invalidation. */
	if (quick && opcode == FUSE_WRITE)
		quick = up->tenant < 0 && end <= fs->max_artifact && uploads_charge_fits(&fs->uploads, up, end);
	uploads_put(&fs->uploads, up);
	return quick;
}
