/* uploads: files being written into install/ that are not installed yet.
 *
 * A file created in install/ lives here, in memory, until it is installed
 * (on close for a final name, see uploads_final_name(), on rename for any
 * other), unlinked, or the daemon stops.  Opening an installed <id>.json for writing makes a staged
 * replacement here too, which shows in no listing: the installed package
 * is untouched until the new bytes pass every check.
 *
 * An upload stays alive while it is listed or open: lookups return a
 * reference that the caller gives back with uploads_put().
 *
 * Lock order: the list lock, then an upload's lock, then bytes_lock.
 * Never call into this module while holding an upload's lock, except
 * uploads_charge().
 */
#ifndef OSFS_UPLOADS_H
#define OSFS_UPLOADS_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "catalog/buf.h"

struct upload {
	uint64_t id;            /* inode number is T_UPLOAD << 56 | id */
	int64_t tenant;
	char tenant_name[64];
	char *name;             /* listed in install/ under this name, or NULL */
	char *expect_id;        /* staged replacement of install/<expect_id>.json */
	uint64_t replaces;      /* ... opened through this inode number */
	uint64_t alias_of;      /* a hidden second name of this install file (fs/alias.c) */
	pthread_mutex_t lock;   /* everything below */
	struct buf data;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	int64_t mtime;
	int dirty;              /* written since the last install attempt */
	int overflow;           /* a write went past max_artifact */
	int result;             /* -errno of the last install attempt */
	char *error;            /* its messages, for the xattr user.osfs.error */
	int refs;
	struct upload *next;
};

struct uploads {
	pthread_mutex_t lock;
	struct upload *head;
	uint64_t next_id;
	pthread_mutex_t bytes_lock; /* a leaf lock: taken under up->lock */
	size_t bytes;           /* held by all uploads */
};

void uploads_init(struct uploads *u);
void uploads_destroy(struct uploads *u);

/* A new upload, listed as name (NULL: not listed), with one reference. */
struct upload *uploads_new(struct uploads *u, int64_t tenant, const char *tenant_name, const char *name,
			   mode_t mode, uid_t uid, gid_t gid);
/* The listed upload called name in tenant, or the one with that id;
 * with a reference, or NULL. */
struct upload *uploads_find(struct uploads *u, int64_t tenant, const char *name);
struct upload *uploads_get(struct uploads *u, uint64_t id);
/* The staged replacement opened through inode number ino, with a
 * reference, or NULL. */
struct upload *uploads_replacing(struct uploads *u, uint64_t ino);
void uploads_ref(struct uploads *u, struct upload *up);
void uploads_put(struct uploads *u, struct upload *up);

/* Copies up's current name into out; returns 1 if it is listed, else 0. */
int uploads_name(struct uploads *u, struct upload *up, char *out, size_t len);

/* Lists up under a new name (replacing a listed upload of that name), or
 * takes it out of the listing (name NULL).  Returns 0 or -ENOMEM. */
int uploads_rename(struct uploads *u, struct upload *up, const char *name);

/* Calls fn for each listed upload of tenant whose id is above after, in id
 * order, until fn returns non-zero.  Aliases are not listed. */
void uploads_each(struct uploads *u, int64_t tenant, uint64_t after,
		  int (*fn)(void *ctx, struct upload *up), void *ctx);

/* Does a file of this name install when it is closed (or renamed to it)?
 * Only names ending in ".json" that do not start with '.': any other name
 * is a temporary one (rsync's .name.XXXXXX, sed's sedXXXXXX, perl's,
 * vim's 4913 and name~, mkstemp's) and stays a pending upload until it is
 * renamed to such a name, removed, or the daemon stops (docs/tree.md). */
int uploads_final_name(const char *name);

/* Account for a change of size of an upload's data; -ENOSPC if all
 * uploads together would exceed the limit. */
int uploads_charge(struct uploads *u, size_t old_len, size_t new_len, size_t limit);

#endif
