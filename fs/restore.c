/* restore: `osfsctl restore DIR --tenant T --mount M` through the daemon
 * that owns the store (docs/restore.md).
 *
 * osfsctl writes a restore bundle (catalog/restore_bundle.h) into
 * tenants/T/install/ under a temporary name starting ".osfs-restore-": a
 * pending upload, which nothing installs.  A setxattr of user.osfs.restore
 * on that file ("new": the tenant must be empty; "merge": --force) then
 * applies it in one transaction (catalog/restore.h), and its errno is the
 * setxattr's.  Refused, the file stays pending with the problems in its
 * xattr user.osfs.error, as for an install; applied, it goes.
 *
 * setxattr, not getxattr as osfsctl update's sync: the kernel holds the
 * lock of the file's inode (not of install/) through it, and nothing
 * else uses that pending file. */
#include "fs/fs.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/restore.h"
#include "fs/ino.h"
#include "store/tenants.h"

#define RESTORE_PREFIX ".osfs-restore-"

int fs_restore_name(const char *name)
{
	return !strncmp(name, RESTORE_PREFIX, strlen(RESTORE_PREFIX));
}

/* Root or the tenant's owner (who can write in its install/ anyway). */
static int may_restore(struct osfs *fs, fuse_req_t req, int64_t tenant)
{
	struct tenant_row t;
	uid_t uid = fuse_req_ctx(req)->uid;
	struct db *db = store_acquire_read(fs->store);
	int rc = db ? tenants_get(db, tenant, &t) : -ENOMEM;
	store_release(db);
	return rc < 0 ? rc : uid == 0 || uid == t.uid ? 0 : -EPERM;
}

static int apply(struct osfs *fs, struct upload *up, int force)
{
	struct install_report r = INSTALL_REPORT_INIT;
	struct restore_result res;
	struct restore_opts o = { up->tenant_name, force, 0, 0, 0, fs->max_artifact };
	char name[300];
	int listed = uploads_name(&fs->uploads, up, name, sizeof(name));
	int rc;
	pthread_mutex_lock(&up->lock);
	if (up->refused) {
		diag_add(&r.diag, -up->refused, "a write to the restore bundle was refused: the budget for pending uploads "
			 "(-o max_pending) was full (see the log); its bytes are incomplete");
		rc = up->refused;
	} else {
		rc = restore_tenant(fs->store, up->data.p ? up->data.p : "", up->data.len, &o, &r, &res);
	}
	up->result = rc;
	free(up->error);
	up->error = rc < 0 ? fs_report_text(&r) : NULL;
	pthread_mutex_unlock(&up->lock);
	if (rc == 0) {
		/* Applied: the bundle is gone. */
		if (listed)
			changes_entry(&r.changes, tree_node(T_INSTDIR, (uint64_t)up->tenant), name);
		uploads_rename(&fs->uploads, up, NULL);
		fs_say("tenant %s restored from %s: %zu packages, %zu records", up->tenant_name,
		       listed ? name : "a bundle", res.packages, res.records);
	}
	changes_node(&r.changes, tree_node(T_INSTDIR, (uint64_t)up->tenant), 0);
	inval_changes(&fs->inval, &r.changes, 0);
	install_report_free(&r);
	return rc;
}

int fs_restore(fuse_req_t req, fuse_ino_t ino, const char *value, size_t size)
{
	struct osfs *fs = fs_of(req);
	struct tree_node n = ino_node(ino);
	int force = size == 5 && !memcmp(value, "merge", 5);
	if (!force && !(size == 3 && !memcmp(value, "new", 3)))
		return -EINVAL;
	if (n.type != T_UPLOAD)
		return -ENOTSUP;
	if (fs->readonly)
		return -EROFS;
	struct upload *up = uploads_get(&fs->uploads, n.id);
	if (!up)
		return -ENOENT;
	int rc = up->tenant > 0 && up->bundle && !up->alias_of ? may_restore(fs, req, up->tenant) : -ENOTSUP;
	if (rc == 0)
		rc = apply(fs, up, force);
	uploads_put(&fs->uploads, up);
	return rc;
}
