/* tenants: tenant rows. */
#include "store/tenants.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

static int row(struct db *db, sqlite3_stmt *st, struct tenant_row *out)
{
	int rc = db_step(db, st);
	if (rc > 0) {
		out->id = sqlite3_column_int64(st, 0);
		out->uid = (uid_t)sqlite3_column_int64(st, 1);
		out->gid = (gid_t)sqlite3_column_int64(st, 2);
		out->mode = (mode_t)sqlite3_column_int64(st, 3);
		snprintf(out->name, sizeof(out->name), "%s", (const char *)sqlite3_column_text(st, 4));
	}
	if (st)
		sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int sq_tenants_find(struct db *db, const char *name, struct tenant_row *out)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id, uid, gid, mode, name FROM tenants WHERE name=?1");
	if (db_bind_text(st, 1, name) < 0)
		return -EIO;
	return row(db, st, out);
}

int sq_tenants_get(struct db *db, int64_t id, struct tenant_row *out)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id, uid, gid, mode, name FROM tenants WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	return row(db, st, out);
}

int sq_tenants_create(struct db *db, const char *name, uid_t uid, gid_t gid, mode_t mode, int64_t ts, int64_t *id)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO tenants(name, uid, gid, mode, created, mtime, ctime, log_mtime) "
				       "VALUES(?1, ?2, ?3, ?4, ?5, ?5, ?5, ?5)");
	if (db_bind_text(st, 1, name) < 0)
		return -EIO;
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_int64(st, 3, gid);
	sqlite3_bind_int64(st, 4, mode & 07777);
	sqlite3_bind_int64(st, 5, ts);
	int rc = db_exec_stmt(db, st);
	if (rc)
		return rc;
	*id = sqlite3_last_insert_rowid(db->conn);
	return sq_db_set_meta(db, "tenants_mtime", ts);
}

int sq_tenants_count_owned(struct db *db, uid_t uid, int64_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM tenants WHERE uid=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, uid);
	int rc = db_step(db, st);
	*n = rc > 0 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc < 0 ? rc : 0;
}

int sq_tenants_is_empty(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT EXISTS(SELECT 1 FROM installs WHERE tenant=?1 AND system=0) OR "
		"EXISTS(SELECT 1 FROM tables WHERE tenant=?1 AND nrecords>0)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = db_step(db, st);
	int busy = rc > 0 ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	return rc < 0 ? rc : !busy;
}

int sq_tenants_has_packages(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT EXISTS(SELECT 1 FROM installs WHERE tenant=?1 AND system=0)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = db_step(db, st);
	int has = rc > 0 ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	return rc < 0 ? rc : has;
}

int sq_tenants_delete(struct db *db, int64_t id, int64_t ts)
{
	static const char *const sql[] = {
		"DELETE FROM record_secrets WHERE tbl IN (SELECT id FROM tables WHERE tenant=?1)",
		"DELETE FROM record_keys WHERE tbl IN (SELECT id FROM tables WHERE tenant=?1)",
		"DELETE FROM unique_fields WHERE tbl IN (SELECT id FROM tables WHERE tenant=?1)",
		"DELETE FROM records WHERE tbl IN (SELECT id FROM tables WHERE tenant=?1)",
		"DELETE FROM tables WHERE tenant=?1",
		"DELETE FROM registry WHERE tenant=?1",
		"DELETE FROM claims WHERE tenant=?1",
		"DELETE FROM installs WHERE tenant=?1",
		"DELETE FROM pkg_state WHERE tenant=?1",
		"DELETE FROM history WHERE tenant=?1",
		"DELETE FROM log WHERE tenant=?1",
		"DELETE FROM tenants WHERE id=?1",
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(*sql); i++) {
		sqlite3_stmt *st = db_stmt(db, sql[i]);
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		int rc = db_exec_stmt(db, st);
		if (rc)
			return rc;
	}
	return sq_db_set_meta(db, "tenants_mtime", ts);
}

int sq_tenants_touch(struct db *db, int64_t id, int64_t ts)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE tenants SET mtime=?2 WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, ts);
	return db_exec_stmt(db, st);
}

int sq_tenants_set_owner(struct db *db, int64_t id, int64_t uid, int64_t gid, int64_t mode, int64_t ts)
{
	sqlite3_stmt *st = db_stmt(db,
		"UPDATE tenants SET uid=CASE WHEN ?2<0 THEN uid ELSE ?2 END, gid=CASE WHEN ?3<0 THEN gid ELSE ?3 END, "
		"mode=CASE WHEN ?4<0 THEN mode ELSE ?4 END, ctime=?5 WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_int64(st, 3, gid);
	sqlite3_bind_int64(st, 4, mode < 0 ? -1 : (mode & 07777));
	sqlite3_bind_int64(st, 5, ts);
	return db_exec_stmt(db, st);
}

int sq_tenants_each(struct db *db, int (*fn)(void *ctx, int64_t id, const char *name), void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id, name FROM tenants ORDER BY id");
	int rc;
	while ((rc = db_step(db, st)) > 0)
		if (fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1)))
			break;
	if (st)
		sqlite3_reset(st);
	return rc < 0 ? rc : 0;
}
