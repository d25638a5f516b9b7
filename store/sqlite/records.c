/* records: tables and records. */
#include "store/records.h"

#include <errno.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

int sq_records_table(struct db *db, int64_t tenant, const char *name, int64_t ts, int64_t *id, int *created)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM tables WHERE tenant=?1 AND name=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, name);
	int rc = db_step(db, st);
	if (rc > 0)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (created)
		*created = 0;
	if (rc)
		return rc < 0 ? rc : 0;
	st = db_stmt(db, "INSERT INTO tables(tenant, name, mtime) VALUES(?1, ?2, ?3)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, name);
	sqlite3_bind_int64(st, 3, ts);
	if ((rc = db_exec_stmt(db, st)))
		return rc;
	*id = sqlite3_last_insert_rowid(db->conn);
	if (created)
		*created = 1;
	return 0;
}

int sq_records_prune(struct db *db, int64_t tenant, const char *name, struct changes *ch)
{
	/* Its unique index goes with it (empty: its records are gone). */
	sqlite3_stmt *st = db_stmt(db,
		"DELETE FROM unique_fields WHERE tbl=(SELECT id FROM tables WHERE tenant=?1 AND name=?2 AND nrecords=0 AND "
		"NOT EXISTS(SELECT 1 FROM registry WHERE tenant=?1 AND name=?2))");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, name);
	int rc = db_exec_stmt(db, st);
	if (rc)
		return rc;
	st = db_stmt(db,
		"DELETE FROM tables WHERE tenant=?1 AND name=?2 AND nrecords=0 AND "
		"NOT EXISTS(SELECT 1 FROM registry WHERE tenant=?1 AND name=?2)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, name);
	rc = db_exec_stmt(db, st);
	if (rc == 0 && sqlite3_changes(db->conn) > 0)
		changes_entry(ch, tree_node(T_DATADIR, (uint64_t)tenant), name);
	return rc;
}

int sq_records_get(struct db *db, int64_t tbl, const char *key, int64_t *id, struct buf *body)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id, body FROM records WHERE tbl=?1 AND key=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	db_bind_text(st, 2, key);
	int rc = db_step(db, st);
	if (rc > 0) {
		*id = sqlite3_column_int64(st, 0);
		if (body) {
			const void *p = sqlite3_column_blob(st, 1);
			buf_add(body, p ? p : "", (size_t)sqlite3_column_bytes(st, 1));
			if (buf_error(body))
				rc = -ENOMEM;
		}
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

static int put_row(struct db *db, int64_t tbl, const char *key, const char *body, size_t len, int64_t ts,
		   int64_t old_id, int seed)
{
	sqlite3_stmt *st;
	int rc;
	if (old_id) {
		st = db_stmt(db, "DELETE FROM records WHERE id=?1");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, old_id);
		if ((rc = db_exec_stmt(db, st)))
			return rc;
	}
	st = db_stmt(db, "INSERT INTO records(tbl, key, mtime, body, seeded) VALUES(?1, ?2, ?3, ?4, ?5)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	db_bind_text(st, 2, key);
	sqlite3_bind_int64(st, 3, ts);
	sqlite3_bind_blob64(st, 4, body, len, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, seed);
	return db_exec_stmt(db, st);
}

int sq_records_put(struct db *db, int64_t tbl, const char *key, const char *body, size_t len, int64_t ts,
		int64_t old_id)
{
	return put_row(db, tbl, key, body, len, ts, old_id, 0);
}

int sq_records_put_seed(struct db *db, int64_t tbl, const char *key, const char *body, size_t len, int64_t ts,
		     int64_t old_id)
{
	return put_row(db, tbl, key, body, len, ts, old_id, 1);
}

int sq_records_seed_written(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT seeded FROM records WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = db_step(db, st);
	int seeded = rc > 0 ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	return rc < 0 ? rc : rc == 0 ? -ENOENT : seeded != 0;
}

int sq_records_set_mtime(struct db *db, int64_t id, int64_t tbl, const char *key, int64_t mtime)
{
	sqlite3_stmt *st = db_stmt(db, id ? "UPDATE records SET mtime=?3 WHERE id=?1"
				   : "UPDATE records SET mtime=?3 WHERE tbl=?1 AND key=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id ? id : tbl);
	if (!id)
		db_bind_text(st, 2, key);
	sqlite3_bind_int64(st, 3, mtime);
	int rc = db_exec_stmt(db, st);
	return rc ? rc : sqlite3_changes(db->conn) ? 0 : -ENOENT;
}

int sq_records_table_done(struct db *db, int64_t tbl, int64_t added, int64_t ts)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE tables SET nrecords=nrecords+?2, mtime=?3 WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	sqlite3_bind_int64(st, 2, added);
	sqlite3_bind_int64(st, 3, ts);
	return db_exec_stmt(db, st);
}
