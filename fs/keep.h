/* keep: the content of files the kernel may still read after a change
 * removed them, for reads that come without OPEN.
 *
 * osfs answers OPEN with ENOSYS (the kernel's no-open support): a read
 * costs no OPEN and no RELEASE, and READ comes by inode, served from the
 * store (a file's content never changes under its inode, docs/design.md).
 * What a per-open copy used to give, "an open file keeps the content it
 * had at open()" (SPEC 9), is given here instead: every write transaction
 * takes, on its thread, a read snapshot of the store as it was before it
 * (store_on_begin(); dropped again if it rolls back); when its changes
 * are reported (inval_changes()), each file it removed whose inode the
 * kernel still holds (asked of the kernel: keep.c, kernel_holds()) is
 * read from that snapshot into the shared contents (fs/content.h) and
 * kept there until the kernel's FORGET of the inode.  A removed directory
 * is walked for the files under it, and the names of those kept are
 * invalidated too: a removed directory's dentry alone would leave its
 * children cached, and their inodes never forgotten.  Memory grows with the removed files
 * the kernel still holds, which it forgets once nothing has them open.
 *
 * A READ that finds neither store row nor kept content while a change is
 * being kept waits for it (bounded), so it cannot fall between the commit
 * and the keeping.
 */
#ifndef OSFS_KEEP_H
#define OSFS_KEEP_H

#include <pthread.h>
#include <stdint.h>

#include "fs/content.h"
#include "fs/inval.h"
#include "store/changes.h"
#include "store/db.h"

#define KEEP_RECENT 4

struct keep {
	struct store *store;
	struct contents *contents;
	struct inval *inval;
	pthread_key_t pre;      /* the calling thread's snapshots before its writes */
	int have_key;
	pthread_mutex_t lock;
	pthread_cond_t kept;
	int pending;            /* snapshots whose changes are not kept yet */
	/* The last files read in several READs: a large file is read in
	 * chunks, and each would otherwise load all of it again. */
	struct content *recent[KEEP_RECENT];
	uint64_t used[KEEP_RECENT]; /* the READ count at each one's last read */
	uint64_t reads;             /* READs by inode so far */
	unsigned next;
};

int keep_init(struct keep *k, struct store *store, struct contents *contents, struct inval *inval);
void keep_destroy(struct keep *k);

/* The store_on_begin() hook (ctx: the struct keep). */
void keep_on_tx(void *ctx, int phase);
/* The inval before-hook: keeps what ch removed (ctx: the struct keep). */
void keep_changes(void *ctx, const struct changes *ch);
/* The kernel forgot ino (it sends FORGET when it drops an inode, with
 * all its references at once): what was kept for it goes. */
void keep_forget(struct keep *k, uint64_t ino);
/* Waits (at most about two seconds) while changes are being kept. */
void keep_wait(struct keep *k);
/* Holds a reference to e among the recently read (the caller's reference
 * is taken over). */
void keep_recent(struct keep *k, struct content *e);
/* Counts a READ by inode, of e if it is among the recently read (NULL:
 * of another file), and lets go of those not read during the last
 * KEEP_RECENT_READS READs: a file whose last pages the kernel had cached
 * is never read to its end (other pages dropped from its cache, by
 * memory pressure or drop_caches), and would otherwise stay until
 * replaced. */
#define KEEP_RECENT_READS 64
void keep_recent_tick(struct keep *k, const struct content *e);
/* Lets go of e among the recently read (its last bytes were read). */
void keep_recent_done(struct keep *k, struct content *e);
/* Lets go of all of them (ctx: the struct keep): the daemon is quiet.  A
 * file the kernel did not read to its end (its other pages were cached)
 * would otherwise stay, up to KEEP_RECENT of them (0.85 MB after a tar
 * of W1). */
void keep_recent_drop(void *ctx);

#endif
