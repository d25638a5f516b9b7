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

#include "lib/buf.h"
#include "lib/json_end.h"

struct upload {
	uint64_t id;            /* inode number is T_UPLOAD << 56 | id */
	int64_t tenant;
	char tenant_name[64];
	char *name;             /* listed in install/ under this name, or NULL */
	char *expect_id;        /* staged replacement of install/<expect_id>.json */
	uint64_t replaces;      /* ... opened through this inode number */
	uint64_t alias_of;      /* a hidden second name of this install file (fs/alias.c) */
	int by_inode;           /* staged by writes without a handle: the inode
				 * holds a reference until FORGET (fs/stage.c) */
	int nwriters;           /* ... the processes that wrote it (-1: too many) */
	pid_t writers[4];
	pid_t last_pid;
	pthread_mutex_t lock;   /* everything below */
	struct buf data;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uid_t payer;            /* whose budget its bytes count in: its creator */
	int64_t mtime;
	int mtime_set;          /* mtime was set by utimens: a record keeps it */
	int dirty;              /* written since the last install attempt */
	int overflow;           /* a write went past max_artifact */
	int bundle;             /* a restore bundle (fs/restore.c): bounded by
				 * max_pending, not max_artifact */
	int refused;            /* -errno of a write refused for want of budget */
	int result;             /* -errno of the last install attempt */
	char *error;            /* its messages, for the xattr user.osfs.error */
	struct json_end scan;   /* where its document ends (fs/write_check.c) */
	char *relist;           /* its name, if a close() refused it empty: a
				 * write lists it again (fs/write_check.c) */
	int refs;
	struct upload *next;
};

/* What pending uploads may hold in memory (-o max_pending, per uid, and
 * -o max_pending_total): one user filling their share leaves every other
 * user theirs.  Root's share is its own and outside the total, so the
 * administrator can always install. */
struct upload_budget {
	size_t per_uid;
	size_t total;
};

/* Bytes held by one uid's uploads. */
struct upload_payer {
	uid_t uid;
	size_t bytes;
};

struct uploads {
	pthread_mutex_t lock;
	struct upload *head;
	uint64_t next_id;
	struct upload_budget budget;
	pthread_mutex_t bytes_lock; /* a leaf lock: taken under up->lock; all below */
	size_t bytes;           /* held by all uploads */
	size_t others;          /* held by the uploads of every uid but root */
	struct upload_payer *payers; /* uids holding bytes, unordered */
	size_t npayers, cap_payers;
};

/* Why a charge was refused, for the message that says so. */
struct upload_refusal {
	int total;              /* 1: the total budget, 0: the uid's share */
	uid_t uid;
	size_t held;            /* what that budget holds now */
	size_t limit;
};

/* The budget is set in u->budget before the first upload. */
void uploads_init(struct uploads *u);
void uploads_destroy(struct uploads *u);

/* A new upload, listed as name (NULL: not listed), with one reference.
 * Its bytes are charged to uid until the caller sets another payer. */
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

/* Lists an unlisted up as name, unless another upload of its tenant is
 * listed so: then -EEXIST (or -ENOMEM). */
int uploads_list_if_free(struct uploads *u, struct upload *up, const char *name);

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

/* Accounts for a change of size of up's data, to up->payer.  A growth
 * past the payer's share is -EDQUOT, past the total -ENOSPC (why, if not
 * NULL, says which and how much it holds); a shrink always succeeds. */
int uploads_charge(struct uploads *u, const struct upload *up, size_t old_len, size_t new_len,
		   struct upload_refusal *why);
/* 1 if up's data could grow to new_len bytes without uploads_charge()
 * refusing it (nothing is charged). */
int uploads_charge_fits(struct uploads *u, struct upload *up, size_t new_len);
/* The sentence that says whose budget ran out and how big it is. */
void uploads_refusal_text(const struct upload_refusal *why, char *out, size_t len);

#endif
