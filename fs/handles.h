/* handles: the open files of the daemon.
 *
 * The kernel's file handle (fi->fh) is an id, not a pointer: a request is
 * served with a reference taken under the table's lock, so that a RELEASE
 * handled by another worker thread while a READ of the same file is being
 * answered frees nothing the READ still uses, and a request that comes
 * after the release finds no handle (EBADF) instead of freed memory.
 */
#ifndef OSFS_HANDLES_H
#define OSFS_HANDLES_H

#include <pthread.h>
#include <stdint.h>

#include "fs/content.h"
#include "fs/uploads.h"
#include "store/tree.h"

struct handle {
	uint64_t id;
	int refs;
	struct upload *up;     /* pending upload or staged replacement, else NULL */
	struct content *content; /* bytes of a store file, shared by inode */
	struct tree_attr attr; /* attributes at open(), for fstat() after removal */
};

struct handles {
	pthread_mutex_t lock;
	struct handle **slot;  /* open addressing on id; NULL empty, TOMB removed */
	size_t cap, used;
	uint64_t next_id;
	struct uploads *uploads;
	struct contents *contents;
};

void handles_init(struct handles *hs, struct uploads *uploads, struct contents *contents);
void handles_destroy(struct handles *hs);

/* A new handle, registered, with one reference for the caller and one
 * for the table.  Returns NULL on ENOMEM. */
struct handle *handles_new(struct handles *hs);
/* The handle with that id, with a reference; NULL if closed. */
struct handle *handles_get(struct handles *hs, uint64_t id);
void handles_put(struct handles *hs, struct handle *h);
/* Closes a handle: takes it out of the table and drops the table's
 * reference (it is freed once no request uses it any more). */
void handles_close(struct handles *hs, uint64_t id);
/* Closes every handle of the upload with that id.  Without OPEN
 * (fs/keep.h) the kernel sends no RELEASE, not even for a file made by
 * CREATE: the FORGET of the upload's inode is when its handles go. */
void handles_close_upload(struct handles *hs, uint64_t id);
/* The attributes at open() of an open store file with inode number ino. */
int handles_attr(struct handles *hs, uint64_t ino, struct tree_attr *a);

#endif
