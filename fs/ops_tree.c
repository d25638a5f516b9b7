/* ops_tree: changes to names: unlink (uninstall), rename (the rsync way of
 * installing), mkdir/rmdir (tenants), and the refused xattr writes. */
#include "fs/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/install.h"
#include "fs/ino.h"
#include "fs/records.h"
#include "fs/refuse.h"
#include "fs/tenant_rm.h"
#include "store/catalogdb.h"
#include "store/installs.h"
#include "store/tenants.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int tenant_name(struct osfs *fs, int64_t id, char *out, size_t len)
{
	struct tenant_row t;
	struct db *db = store_acquire(fs->store);
	int rc = db ? tenants_get(db, id, &t) : -ENOMEM;
	store_release(db);
	if (rc == 0)
		snprintf(out, len, "%s", t.name);
	return rc;
}

/* "<stem>.json" -> "<stem>" (a package id, a version, a record key);
 * -ENOENT for any other name. */
int fs_json_stem(const char *name, char *out, size_t len)
{
	size_t n = strlen(name);
	if (n <= 5 || strcmp(name + n - 5, ".json") || n - 5 >= len)
		return -ENOENT;
	memcpy(out, name, n - 5);
	out[n - 5] = '\0';
	return 0;
}

/* Removes the pending upload scope/name: -ENOENT if there is none. */
static int unlink_upload(struct osfs *fs, int64_t scope, const char *name)
{
	struct upload *up = uploads_find(&fs->uploads, scope, name);
	if (!up)
		return -ENOENT;
	int rc = uploads_rename(&fs->uploads, up, NULL);
	uploads_put(&fs->uploads, up);
	return rc;
}

static int unlink_install(struct osfs *fs, struct tree_node dir, const char *name, uint64_t held)
{
	char tenant[64], pkg[NAME_MAX_ID + 8];
	int rc = unlink_upload(fs, (int64_t)dir.id, name);
	if (rc != -ENOENT)
		return rc;
	rc = tenant_name(fs, (int64_t)dir.id, tenant, sizeof(tenant));
	if (rc == 0)
		rc = fs_json_stem(name, pkg, sizeof(pkg));
	if (rc < 0)
		return rc;
	struct install_report r = INSTALL_REPORT_INIT;
	rc = install_remove(fs->store, tenant, pkg, &r);
	inval_changes(&fs->inval, &r.changes, held);
	install_report_free(&r);
	return rc;
}

/* rm catalog/<pkg>/<version>.json */
static int unlink_catalog(struct osfs *fs, struct tree_node dir, const char *name, uint64_t held)
{
	char pkg[NAME_MAX_ID + 1], version[SEMVER_MAX_LENGTH + 8];
	struct db *db = store_acquire(fs->store);
	int rc = db ? catdb_pkg_of(db, (int64_t)dir.id, pkg, sizeof(pkg)) : -ENOMEM;
	store_release(db);
	if (rc == 0)
		rc = fs_json_stem(name, version, sizeof(version));
	if (rc < 0)
		return rc;
	struct install_report r = INSTALL_REPORT_INIT;
	rc = catalog_remove(fs->store, pkg, version, &r);
	inval_changes(&fs->inval, &r.changes, held);
	install_report_free(&r);
	return rc;
}

void fs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct osfs *fs = fs_of(req);
	struct tree_node dir = ino_node(parent);
	int rc;
	if (fs->readonly)
		rc = -EROFS;
	else if (dir.type == T_INSTDIR)
		rc = unlink_install(fs, dir, name, parent);
	else if (dir.type == T_FIXED && dir.id == TREE_CATALOG)
		rc = unlink_upload(fs, 0, name);
	else if (dir.type == T_CATPKG)
		rc = unlink_catalog(fs, dir, name, parent);
	else if (dir.type == T_TABLE)
		rc = fs_record_unlink(fs, dir, name, parent);
	else if ((rc = fs_tenant_rm_noop(fs, dir, name, 0)) == -EACCES)
		fs_refuse(fs, dir, name, "rm", EACCES, NULL);
	fuse_reply_err(req, -rc);
}

/* Is dir/<name> in the store?  For install/, 1 if it is an installed
 * package (its id into pkg); in catalog/ only folders are, 2. */
static int stored_name(struct osfs *fs, struct tree_node dir, const char *name, char *pkg, size_t len)
{
	struct tree_attr a;
	struct db *db = store_acquire(fs->store);
	int rc = db ? tree_lookup(db, dir, name, &a) : -ENOMEM;
	store_release(db);
	if (rc == 0 && dir.type != T_INSTDIR)
		return 2;
	if (rc == 0)
		rc = fs_json_stem(name, pkg, len);
	return rc == 0;
}

/* rename install/<id>.json to a temporary name: what an editor does to
 * keep a backup (vim's <id>.json~, emacs's) before it writes <id>.json
 * anew.  Only rm uninstalls: the package stays installed and <id>.json
 * stays, and newname becomes a pending upload holding a copy of its bytes
 * (renamed back, it re-installs them: a no-op). */
static int copy_installed(struct osfs *fs, struct tree_node dir, const char *name, const char *newname,
			  unsigned flags, uint64_t held)
{
	struct tree_attr a;
	char tenant[64];
	int64_t scope = (int64_t)dir.id;
	struct upload *other = uploads_find(&fs->uploads, scope, newname);
	uploads_put(&fs->uploads, other);
	if (other && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	int rc = tenant_name(fs, scope, tenant, sizeof(tenant));
	struct upload *up = NULL;
	struct db *db = rc == 0 ? store_acquire(fs->store) : NULL;
	if (rc == 0 && !db)
		rc = -ENOMEM;
	if (rc == 0)
		rc = tree_lookup(db, dir, name, &a);
	if (rc == 0 && !(up = uploads_new(&fs->uploads, scope, tenant, NULL, a.mode, a.uid, a.gid)))
		rc = -ENOMEM;
	if (rc == 0)
		rc = tree_read(db, a.node, &up->data);
	store_release(db);
	if (rc == 0)
		rc = uploads_charge(&fs->uploads, up, 0, up->data.len, NULL);
	if (rc == 0) {
		up->mtime = a.mtime;
		rc = uploads_rename(&fs->uploads, up, newname); /* the charge goes with it */
	} else if (up) {
		up->data.len = 0; /* not charged: nothing to give back */
	}
	uploads_put(&fs->uploads, up);
	if (rc == 0) {
		/* The kernel moved its entry of <id>.json to newname: newname
		 * is the upload, and <id>.json is still there. */
		struct changes c = CHANGES_INIT;
		changes_entry(&c, dir, newname);
		changes_entry(&c, dir, name);
		inval_changes(&fs->inval, &c, held);
		changes_free(&c);
	}
	return rc;
}

/* rename of an alias (fs/alias.c): as a rename of its install file; to
 * that file's own name, the alias just goes. */
static int rename_alias(struct osfs *fs, struct tree_node dir, struct upload *up, const char *newname,
			unsigned flags, uint64_t held)
{
	struct install_row row;
	char own[NAME_MAX_ID + 8];
	struct db *db = store_acquire_read(fs->store);
	int rc = db ? installs_by_id(db, (int64_t)up->alias_of, &row) : -ENOMEM;
	store_release(db);
	if (rc < 0)
		return rc;
	snprintf(own, sizeof(own), "%s.json", row.pkg);
	if (strcmp(own, newname) && uploads_final_name(newname))
		return -EACCES;
	if (strcmp(own, newname))
		rc = copy_installed(fs, dir, own, newname, flags, held);
	if (rc == 0)
		uploads_rename(&fs->uploads, up, NULL);
	return rc;
}

/* A rename within install/ or catalog/ (scope): the last step of rsync
 * and of editors' saves. */
static int rename_upload(struct osfs *fs, struct tree_node dir, int64_t scope, const char *name, const char *newname,
			 unsigned flags, uint64_t held)
{
	char pkg[NAME_MAX_ID + 8];
	struct upload *up = uploads_find(&fs->uploads, scope, name);
	if (!up) {
		int stored = stored_name(fs, dir, name, pkg, sizeof(pkg));
		if (stored == 1 && !uploads_final_name(newname))
			return copy_installed(fs, dir, name, newname, flags, held);
		return stored ? -EACCES : -ENOENT;
	}
	if (up->alias_of) {
		int rc = rename_alias(fs, dir, up, newname, flags, held);
		uploads_put(&fs->uploads, up);
		return rc;
	}
	int exists = stored_name(fs, dir, newname, pkg, sizeof(pkg));
	struct upload *other = uploads_find(&fs->uploads, scope, newname);
	if (other)
		uploads_put(&fs->uploads, other);
	int rc = 0;
	if (exists == 2) {
		rc = -EISDIR; /* catalog/<pkg> is a folder */
	} else if ((flags & RENAME_NOREPLACE) && (exists || (other && other != up))) {
		rc = -EEXIST;
	} else if (!uploads_final_name(newname)) {
		rc = uploads_rename(&fs->uploads, up, newname); /* still temporary */
	} else {
		/* Renamed to its final name: install it.  Over an installed
		 * <id>.json, the bytes must be that package. */
		pthread_mutex_lock(&up->lock);
		free(up->expect_id);
		up->expect_id = exists ? strdup(pkg) : NULL;
		up->dirty = 1;
		pthread_mutex_unlock(&up->lock);
		rc = fs_install_upload(fs, up, newname, name, held);
		if (rc == 0 && other && other != up)
			uploads_rename(&fs->uploads, other, NULL);
	}
	uploads_put(&fs->uploads, up);
	return rc;
}

void fs_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent, const char *newname,
	       unsigned int flags)
{
	struct osfs *fs = fs_of(req);
	struct tree_node from = ino_node(parent), to = ino_node(newparent);
	int64_t sfrom, sto;
	int rc;
	if (fs->readonly)
		rc = -EROFS;
	else if (flags & RENAME_EXCHANGE)
		rc = -EINVAL;
	else if (fs_upload_scope(from, &sfrom) < 0)
		rc = (fs_refuse(fs, from, name, "mv", EACCES, NULL), -EACCES);
	else if (fs_upload_scope(to, &sto) < 0)
		rc = (fs_refuse(fs, to, newname, "mv", EACCES, NULL), -EACCES);
	else if (sfrom != sto)
		rc = -EXDEV; /* another tenant, or the catalog: mv copies and removes */
	else if (sfrom < 0)
		rc = fs_record_rename(fs, from, name, newname, flags, parent);
	else
		rc = rename_upload(fs, from, sfrom, name, newname, flags, parent);
	fuse_reply_err(req, -rc);
}

void fs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	(void)mode; /* a tenant is 0750 (SPEC 10); chmod changes it */
	struct osfs *fs = fs_of(req);
	struct tree_node dir = ino_node(parent);
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct install_report r = INSTALL_REPORT_INIT;
	struct fuse_entry_param e;
	struct tree_attr a;
	int rc;
	if (fs->readonly)
		rc = -EROFS;
	else if (dir.type == T_DATADIR)
		rc = fs_record_mkdir(fs, dir, name);
	else if (!(dir.type == T_FIXED && dir.id == TREE_TENANTS))
		rc = (fs_refuse(fs, dir, name, "mkdir", EACCES, NULL), -EACCES);
	else
		rc = install_tenant_create_max(fs->store, name, ctx->uid, ctx->gid, fs->max_tenants_per_uid, &r);
	if (rc == 0) {
		inval_changes(&fs->inval, &r.changes, parent);
		struct db *db = store_acquire(fs->store);
		rc = db ? tree_lookup(db, dir, name, &a) : -ENOMEM;
		store_release(db);
	} else if (r.diag.n) {
		fs_say("mkdir tenants/%s: %s", name, diag_first(&r.diag) ? diag_first(&r.diag) : "failed");
	}
	install_report_free(&r);
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	fs_entry(&a, fs->entry_timeout, &e);
	fuse_reply_entry(req, &e);
}

void fs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct osfs *fs = fs_of(req);
	struct tree_node dir = ino_node(parent);
	struct install_report r = INSTALL_REPORT_INIT;
	int rc, catalog = dir.type == T_FIXED && dir.id == TREE_CATALOG;
	if (fs->readonly)
		rc = -EROFS;
	else if (catalog)
		rc = catalog_remove_dir(fs->store, name, &r);
	else if (dir.type == T_DATADIR)
		rc = fs_record_rmdir(fs, dir, name, parent);
	else if (!(dir.type == T_FIXED && dir.id == TREE_TENANTS)) {
		if ((rc = fs_tenant_rm_noop(fs, dir, name, 1)) == -EACCES)
			fs_refuse(fs, dir, name, "rmdir", EACCES, NULL);
	} else if ((rc = install_tenant_remove(fs->store, name, &r)) == 0) {
		/* Its log goes with it: this line is what is left. */
		fs_say("tenant %s removed by uid %u", name, (unsigned)fuse_req_ctx(req)->uid);
	}
	if (rc == 0)
		inval_changes(&fs->inval, &r.changes, parent);
	else if (r.diag.n)
		fs_say("rmdir %s/%s: %s", catalog ? "catalog" : "tenants", name, diag_first(&r.diag) ? diag_first(&r.diag) : "failed");
	install_report_free(&r);
	fuse_reply_err(req, -rc);
}

void fs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size, int flags)
{
	(void)flags;
	if (!strcmp(name, "user.osfs.restore")) {
		fuse_reply_err(req, -fs_restore(req, ino, value, size));
		return;
	}
	/* Attributes come from the store; mv's attempt to copy some is
	 * answered like a filesystem without xattr support. */
	fuse_reply_err(req, ENOTSUP);
}

void fs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)ino, (void)name;
	fuse_reply_err(req, ENOTSUP);
}
