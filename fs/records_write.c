/* records_write (fs): record files written, renamed and removed. */
#include "fs/records.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/names.h"
#include "catalog/record_write.h"
#include "fs/refuse.h"
#include "store/records.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The tenant and object of table tbl. */
static int table_of(struct db *db, int64_t tbl, struct tenant_row *t, struct buf *object)
{
	int64_t tenant;
	int rc = records_table_name(db, tbl, &tenant, object);
	return rc < 0 ? rc : tenants_get(db, tenant, t);
}

/* A refusal before anything was written: in the tenant's log and on
 * stderr/syslog (install_note echoes it). */
static void note(struct osfs *fs, const char *tenant, const char *what, const struct install_report *why)
{
	struct install_report r = INSTALL_REPORT_INIT;
	char line[1024];
	snprintf(line, sizeof(line), "error: cannot %s: %s [%s]", what, diag_first(&why->diag) ? diag_first(&why->diag) : "?",
		 diag_errname(diag_errno(&why->diag)));
	install_note(fs->store, tenant, line, &r);
	inval_changes(&fs->inval, &r.changes, 0);
	install_report_free(&r);
}

static int writable(struct osfs *fs, const struct tenant_row *t, const char *object, const char *name)
{
	struct install_report r = INSTALL_REPORT_INIT;
	int rc = record_writable(fs->store, t->name, object, &r);
	if (rc == -EROFS) {
		char what[600];
		snprintf(what, sizeof(what), "write data/%s/%s", object, name);
		note(fs, t->name, what, &r);
	}
	install_report_free(&r);
	return rc;
}

int fs_record_scope(struct osfs *fs, struct db *db, int64_t tbl, const char *name, struct tenant_row *t)
{
	struct buf object = BUF_INIT;
	int rc = table_of(db, tbl, t, &object);
	if (rc == 0)
		rc = writable(fs, t, buf_str(&object), name);
	buf_free(&object);
	return rc;
}

int fs_record_open(struct osfs *fs, struct tree_node n, int trunc, uid_t opener, struct upload **out)
{
	struct buf key = BUF_INIT, object = BUF_INIT;
	struct tenant_row t;
	struct tree_attr cur;
	int64_t tbl = 0;
	struct upload *up = NULL;
	char name[NAME_MAX_STEM + 8];
	struct db *db = store_acquire(fs->store);
	int rc = db ? records_row(db, (int64_t)n.id, &tbl, &key) : -ENOMEM;
	if (rc == 0)
		rc = table_of(db, tbl, &t, &object);
	if (rc == 0)
		rc = tree_getattr(db, n, &cur);
	store_release(db);
	db = NULL;
	snprintf(name, sizeof(name), "%s.json", buf_str(&key));
	if (rc == 0)
		rc = writable(fs, &t, buf_str(&object), name);
	if (rc == 0) {
		up = uploads_new(&fs->uploads, -tbl, t.name, NULL, cur.mode, t.uid, t.gid);
		if (!up || !(up->expect_id = strdup(buf_str(&key))))
			rc = -ENOMEM;
		else
			up->payer = opener;
	}
	if (rc == 0 && !trunc) {
		db = store_acquire_read(fs->store);
		rc = db ? tree_read(db, n, &up->data) : -ENOMEM;
		store_release(db);
		if (rc == 0)
			rc = uploads_charge(&fs->uploads, up, 0, up->data.len, NULL);
		if (rc < 0)
			buf_free(&up->data); /* never counted */
	}
	buf_free(&key);
	buf_free(&object);
	if (rc < 0) {
		uploads_put(&fs->uploads, up);
		return rc;
	}
	up->mtime = now_ns();
	up->dirty = trunc; /* opened without writing: close changes nothing */
	*out = up;
	return 0;
}

static char *report_text(const struct install_report *r)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < r->diag.n; i++)
		if (r->diag.v[i].err)
			buf_printf(&b, "%s [%s]\n", r->diag.v[i].msg, diag_errname(r->diag.v[i].err));
	return buf_detach(&b, NULL);
}

int fs_record_apply(struct osfs *fs, struct upload *up, const char *target, const char *name, uint64_t held)
{
	/* No bytes yet at a close(): the shell's `echo … >f` opens f, dup2()s
	 * it to stdout and closes the first descriptor before writing.  An
	 * empty file is never a record: it stays pending until written (or
	 * renamed, which checks it). */
	pthread_mutex_lock(&up->lock);
	int empty = up->data.len == 0 && !up->overflow && !up->refused;
	pthread_mutex_unlock(&up->lock);
	if (empty && (!name || !strcmp(target, name)))
		return 0;
	struct install_report r = INSTALL_REPORT_INIT;
	struct buf object = BUF_INIT;
	struct tenant_row t;
	char stem[NAME_MAX_STEM + 1];
	int64_t tbl = -up->tenant;
	struct db *db = store_acquire_read(fs->store);
	int rc = db ? table_of(db, tbl, &t, &object) : -ENOMEM;
	store_release(db);
	if (rc == 0)
		rc = fs_json_stem(target, stem, sizeof(stem));
	pthread_mutex_lock(&up->lock);
	if (rc < 0) {
		/* the table went (its last record removed, its package gone) */
	} else if (up->overflow) {
		diag_add(&r.diag, EFBIG, "the file is larger than max_artifact (%zu bytes)", fs->max_artifact);
		rc = -EFBIG;
	} else if (up->refused) {
		diag_add(&r.diag, -up->refused, "a write to it was refused for want of budget (see the log): its bytes "
			 "are incomplete");
		rc = up->refused;
	} else {
		/* cp -a and rsync -a set the time before the close()/rename():
		 * kept in the write's transaction. */
		rc = record_write_at(fs->store, t.name, buf_str(&object), stem, up->data.p ? up->data.p : "",
				     up->data.len, up->mtime_set ? &up->mtime : NULL, &r);
	}
	up->dirty = 0;
	up->result = rc;
	free(up->error);
	up->error = rc < 0 ? report_text(&r) : NULL;
	pthread_mutex_unlock(&up->lock);
	if (name && rc == 0)
		uploads_rename(&fs->uploads, up, NULL);
	changes_node(&r.changes, tree_node(T_TABLE, (uint64_t)tbl), 0);
	inval_changes(&fs->inval, &r.changes, held);
	install_report_free(&r);
	buf_free(&object);
	return rc;
}

int fs_record_check(struct osfs *fs, struct upload *up, const char *target)
{
	struct install_report r = INSTALL_REPORT_INIT;
	struct buf object = BUF_INIT;
	struct tenant_row t;
	char stem[NAME_MAX_STEM + 1];
	struct db *db = store_acquire_read(fs->store);
	int rc = db ? table_of(db, -up->tenant, &t, &object) : -ENOMEM;
	store_release(db);
	if (rc == 0 && fs_json_stem(target, stem, sizeof(stem)) == 0)
		rc = record_write_check(fs->store, t.name, buf_str(&object), stem, up->data.p ? up->data.p : "",
					up->data.len, &r);
	/* Only a check's refusal fails the write; anything else is close()'s. */
	rc = rc < 0 && r.diag.nerr ? rc : 0;
	install_report_free(&r);
	buf_free(&object);
	return rc;
}

static int unlink_pending(struct osfs *fs, int64_t scope, const char *name)
{
	struct upload *up = uploads_find(&fs->uploads, scope, name);
	if (!up)
		return -ENOENT;
	int rc = uploads_rename(&fs->uploads, up, NULL);
	uploads_put(&fs->uploads, up);
	return rc;
}

int fs_record_unlink(struct osfs *fs, struct tree_node dir, const char *name, uint64_t held)
{
	struct install_report r = INSTALL_REPORT_INIT;
	struct buf object = BUF_INIT;
	struct tenant_row t;
	char stem[NAME_MAX_STEM + 1];
	int rc = unlink_pending(fs, -(int64_t)dir.id, name);
	if (rc != -ENOENT)
		return rc;
	struct db *db = store_acquire_read(fs->store);
	rc = db ? table_of(db, (int64_t)dir.id, &t, &object) : -ENOMEM;
	store_release(db);
	if (rc == 0)
		rc = fs_json_stem(name, stem, sizeof(stem));
	if (rc == 0)
		rc = record_remove(fs->store, t.name, buf_str(&object), stem, &r);
	inval_changes(&fs->inval, &r.changes, held);
	install_report_free(&r);
	buf_free(&object);
	return rc;
}

/* A stored record renamed to a temporary name: an editor's backup (vim's
 * <key>.json~).  The record stays; newname is a pending copy of it. */
static int copy_record(struct osfs *fs, struct tree_node dir, const char *name, const char *newname, unsigned flags,
		       uint64_t held)
{
	int64_t scope = -(int64_t)dir.id;
	struct upload *other = uploads_find(&fs->uploads, scope, newname);
	uploads_put(&fs->uploads, other);
	if (other && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	struct tree_attr a;
	struct tenant_row t;
	struct buf object = BUF_INIT;
	struct upload *up = NULL;
	struct db *db = store_acquire(fs->store);
	int rc = db ? table_of(db, (int64_t)dir.id, &t, &object) : -ENOMEM;
	if (rc == 0)
		rc = tree_lookup(db, dir, name, &a);
	if (rc == 0 && !(up = uploads_new(&fs->uploads, scope, t.name, NULL, a.mode, a.uid, a.gid)))
		rc = -ENOMEM;
	if (rc == 0)
		rc = tree_read(db, a.node, &up->data);
	store_release(db);
	buf_free(&object);
	if (rc == 0)
		rc = uploads_charge(&fs->uploads, up, 0, up->data.len, NULL);
	if (rc == 0) {
		up->mtime = a.mtime;
		rc = uploads_rename(&fs->uploads, up, newname);
	} else if (up) {
		up->data.len = 0; /* not charged */
	}
	uploads_put(&fs->uploads, up);
	if (rc == 0) {
		struct changes c = CHANGES_INIT;
		changes_entry(&c, dir, newname);
		changes_entry(&c, dir, name);
		inval_changes(&fs->inval, &c, held);
		changes_free(&c);
	}
	return rc;
}

int fs_record_rename(struct osfs *fs, struct tree_node dir, const char *name, const char *newname, unsigned flags,
		     uint64_t held)
{
	int64_t scope = -(int64_t)dir.id;
	char stem[NAME_MAX_STEM + 1];
	struct upload *up = uploads_find(&fs->uploads, scope, name);
	if (!up) {
		struct tree_attr a;
		struct db *db = store_acquire_read(fs->store);
		int rc = db ? tree_lookup(db, dir, name, &a) : -ENOMEM;
		store_release(db);
		if (rc < 0)
			return rc;
		if (!uploads_final_name(newname))
			return copy_record(fs, dir, name, newname, flags, held);
		fs_refuse(fs, dir, name, "mv", EACCES, "a record's key is its name: copy it to the new name and remove it");
		return -EACCES;
	}
	struct upload *other = uploads_find(&fs->uploads, scope, newname);
	uploads_put(&fs->uploads, other);
	struct tree_attr a;
	struct db *db = store_acquire_read(fs->store);
	int exists = db && tree_lookup(db, dir, newname, &a) == 0;
	store_release(db);
	int rc;
	if ((flags & RENAME_NOREPLACE) && (exists || (other && other != up)))
		rc = -EEXIST;
	else if (!uploads_final_name(newname))
		rc = uploads_rename(&fs->uploads, up, newname); /* still temporary */
	else if ((rc = fs_json_stem(newname, stem, sizeof(stem))) == 0) {
		pthread_mutex_lock(&up->lock);
		free(up->expect_id);
		up->expect_id = strdup(stem);
		up->dirty = 1;
		pthread_mutex_unlock(&up->lock);
		rc = fs_record_apply(fs, up, newname, name, held);
		if (rc == 0 && other && other != up)
			uploads_rename(&fs->uploads, other, NULL);
	}
	uploads_put(&fs->uploads, up);
	return rc;
}

int fs_record_rmdir(struct osfs *fs, struct tree_node dir, const char *name, uint64_t held)
{
	struct install_report r = INSTALL_REPORT_INIT;
	struct tenant_row t;
	struct db *db = store_acquire_read(fs->store);
	int rc = db ? tenants_get(db, (int64_t)dir.id, &t) : -ENOMEM;
	store_release(db);
	if (rc == 0)
		rc = record_rmdir(fs->store, t.name, name, &r);
	inval_changes(&fs->inval, &r.changes, held);
	install_report_free(&r);
	return rc;
}

int fs_record_mkdir(struct osfs *fs, struct tree_node dir, const char *name)
{
	struct tree_attr a;
	struct db *db = store_acquire_read(fs->store);
	int rc = db ? tree_lookup(db, dir, name, &a) : -ENOMEM;
	store_release(db);
	if (rc == 0)
		return -EEXIST;
	if (rc != -ENOENT)
		return rc;
	fs_refuse(fs, dir, name, "mkdir", EPERM, "data/ has one folder per object of the tenant's installed packages: "
		  "install the package that defines it");
	return -EPERM;
}
