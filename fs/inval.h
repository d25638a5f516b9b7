/* inval: drops what an install changed from the kernel's caches.
 *
 * The kernel keeps names, attributes and file contents for as long as the
 * daemon allows (entry_timeout); after a change, the entries the store
 * reported are invalidated here, on a thread of its own: an invalidation
 * of a name takes the kernel's lock on its directory, which the request
 * that caused the change may hold (unlink, rename, mkdir).  So the
 * requests wait for every invalidation but those in the directory they
 * hold, and those follow right after the reply.
 */
#ifndef OSFS_INVAL_H
#define OSFS_INVAL_H

#include <pthread.h>
#include <stdint.h>

#include "store/changes.h"

struct fuse_session;

struct inval_item {
	uint64_t ino;      /* directory (with name) or node */
	char *name;        /* NULL: the node itself */
	uint64_t off;
	uint64_t ticket;
	struct inval_item *next;
};

struct inval {
	struct fuse_session *se;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct inval_item *head, *tail;
	uint64_t queued, finished;
	int running, stop;
	/* Called by inval_changes() first, on the caller's thread, with
	 * every change (fs/keep.h): NULL for none. */
	void (*before)(void *ctx, const struct changes *ch);
	void *before_ctx;
};

int inval_start(struct inval *iv, struct fuse_session *se);
void inval_stop(struct inval *iv);

/* Queues the changes.  Entries whose directory is `held` (an inode number,
 * or 0) are queued after the others and not waited for; the call returns
 * once the others are done, or after a bounded wait. */
void inval_changes(struct inval *iv, const struct changes *ch, uint64_t held);

#endif
