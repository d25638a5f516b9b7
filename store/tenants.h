/* tenants: rows of tenants/<t>, who owns them, and whether they are empty. */
#ifndef OSFS_TENANTS_H
#define OSFS_TENANTS_H

#include <stdint.h>
#include <sys/types.h>

#include "store/db.h"

struct tenant_row {
	int64_t id;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	char name[64];
};

int tenants_find(struct db *db, const char *name, struct tenant_row *out);
int tenants_get(struct db *db, int64_t id, struct tenant_row *out);
/* Inside a write transaction.  -EEXIST if the name is taken. */
int tenants_create(struct db *db, const char *name, uid_t uid, gid_t gid, mode_t mode, int64_t ts,
		   int64_t *id);
/* How many tenants uid owns (by the index tenants_uid). */
int tenants_count_owned(struct db *db, uid_t uid, int64_t *n);
/* How many tenants the store has. */
int tenants_count(struct db *db, int64_t *n);
/* 1 if no package (other than the system ones) is installed and no record
 * is left, 0 if not, or -errno. */
int tenants_is_empty(struct db *db, int64_t id);
/* 1 if a package other than the system ones is installed in the tenant. */
int tenants_has_packages(struct db *db, int64_t id);
/* Deletes the tenant and everything it holds (call tenants_is_empty first). */
int tenants_delete(struct db *db, int64_t id, int64_t ts);
/* The tenant's package set changed at ts. */
int tenants_touch(struct db *db, int64_t id, int64_t ts);
/* chown/chmod; a value of -1 leaves that attribute as it is. */
int tenants_set_owner(struct db *db, int64_t id, int64_t uid, int64_t gid, int64_t mode, int64_t ts);
/* Calls fn for every tenant id until it returns non-zero. */
int tenants_each(struct db *db, int (*fn)(void *ctx, int64_t id, const char *name), void *ctx);

#endif
