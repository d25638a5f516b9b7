/* content: the bytes of open store files, one shared copy per inode.
 *
 * A store file's content never changes under its inode number
 * (docs/design.md), so every open of one inode can read the same copy:
 * memory grows with the number of distinct files open, not with the
 * number of descriptors (SPEC 10).  An entry holds a reference for each
 * open handle and is freed when the last one is dropped; an uninstall
 * that removes the file meanwhile takes nothing from it, so an open file
 * keeps its content (SPEC 9).  Not for the tenant log (it grows) nor for
 * pending uploads (they are written): those are read where they live.
 *
 * Openers of an inode being loaded wait for that one load instead of
 * reading their own copy.
 */
#ifndef OSFS_CONTENT_H
#define OSFS_CONTENT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "store/tree.h"

struct content {
	uint64_t ino;
	/* Set once by the loader, then read-only until the entry is freed. */
	struct tree_attr attr;
	const char *data;
	size_t len;
	/* Under the table's lock. */
	int refs;
	int state;             /* CONTENT_LOADING, _READY or _FAILED */
	int rc;                /* the load's -errno, when it failed */
	int kept;              /* one reference is fs/keep.c's, until FORGET */
	size_t maplen;         /* data is a mapping of this length (0: malloc'd) */
	struct content *next;  /* in its bucket, while listed */
};

struct contents {
	pthread_mutex_t lock;
	pthread_cond_t loaded;
	struct content **bucket;
	size_t nbucket, n;
	size_t bytes;          /* held by all entries */
	size_t high;           /* the most they held since the last trim */
	/* Copies of CONTENT_MAP_MIN bytes or more get pages of their own
	 * (set without OPEN: fs/keep.h holds the files being read in several
	 * READs across other files' reads, and such a copy in the heap kept
	 * everything below it from being returned: 3 MB more RSS after a
	 * tar of W1). */
	int map_large;
};
#define CONTENT_MAP_MIN ((size_t)128 << 10)

void contents_init(struct contents *c);
void contents_destroy(struct contents *c);

/* The content of inode ino, with a reference: 0 and *out a loaded entry;
 * 1 and *out a new entry that the caller must load and publish with
 * contents_done() (other openers of ino wait for it meanwhile); or the
 * -errno of a load that failed while waiting for it, or -ENOMEM. */
int contents_get(struct contents *c, uint64_t ino, struct content **out);

/* Publishes the load of e.  rc 0: data (taken over; b is reset) and attr
 * are its content; it stays listed until its last reference goes.  rc < 0:
 * the waiting openers get rc and e is unlisted, and the caller's reference
 * is dropped. */
void contents_done(struct contents *c, struct content *e, int rc, const struct tree_attr *attr, struct buf *b);

/* Drops a reference; the last frees the bytes. */
void contents_put(struct contents *c, struct content *e);

/* The loaded content of ino with a reference, or NULL (none, or loading). */
struct content *contents_peek(struct contents *c, uint64_t ino);

/* Makes the caller's reference to e the one kept until contents_unkeep()
 * (if e is kept already, the caller's reference is dropped instead). */
void contents_keep(struct contents *c, struct content *e);
/* Drops the kept reference of ino, if there is one. */
void contents_unkeep(struct contents *c, uint64_t ino);

/* The attributes at open() of a loaded inode still open: 0, or -ENOENT. */
int contents_attr(struct contents *c, uint64_t ino, struct tree_attr *a);

#endif
