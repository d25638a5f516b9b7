/* restore: a copy of a tenant put back, whole, in one transaction
 * (`osfsctl restore DIR`, docs/restore.md).
 *
 * The bundle (catalog/restore_bundle.h) holds the .json files of DIR's
 * install/ and data/<object>/ folders.  They are installed in dependency
 * order whatever their names, with the mode and mtime DIR gave them, and the records are
 * put back as DIR holds them, with their mtimes, records of objects no
 * longer installed included.  When DIR has a data/ folder, no seed is
 * applied: DIR's records are the tenant's (a seeded record its user had
 * deleted stays deleted).  Everything is one write transaction: any
 * problem leaves the store as it was. */
#ifndef OSFS_RESTORE_H
#define OSFS_RESTORE_H

#include <stddef.h>
#include <sys/types.h>

#include "catalog/install.h"

struct restore_opts {
	const char *tenant;
	int force;            /* merge into a tenant that has packages or records */
	int create;           /* create the tenant if it does not exist, owned by uid/gid */
	uid_t uid;
	gid_t gid;
	size_t max_artifact;
};

struct restore_result {
	size_t packages;      /* installed (or found installed, byte for byte) */
	size_t records;       /* put back */
	size_t orphans;       /* ... of them, records of objects no longer installed */
};

/* Applies a restore bundle (bytes, len) to o->tenant.  Returns 0, or
 * -errno with every problem in r->diag and the store unchanged (the
 * problems are then written to the tenant's log, when it exists, in a
 * transaction of their own): EINVAL (a damaged bundle, an artifact or a
 * record that is not valid), ENOTEMPTY (the tenant is not empty and
 * force is not set), ENOENT (no such tenant), ENOPKG (a dependency DIR
 * does not hold), and any errno of an install. */
int restore_tenant(struct store *st, const char *bytes, size_t len, const struct restore_opts *o,
		   struct install_report *r, struct restore_result *res);

#endif
