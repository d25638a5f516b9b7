/* records_secrets: password and secret values of records, apart from the
 * bodies the tree shows (docs/records.md, "Passwords and secrets").  Every
 * query is a lookup on the primary key (tbl, key, field). */
#include "store/records.h"

#include <errno.h>

#include "store/sqlite/sqlite.h"

int sq_records_secret_get(struct db *db, int64_t tbl, const char *key, const char *field, struct buf *value)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT value FROM record_secrets WHERE tbl=?1 AND key=?2 AND field=?3");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	db_bind_text(st, 2, key);
	db_bind_text(st, 3, field);
	int rc = db_step(db, st);
	if (rc > 0) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (buf_adds(value, v ? v : "") < 0)
			rc = -ENOMEM;
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int sq_records_secret_put(struct db *db, int64_t tbl, const char *key, const char *field, const char *value)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT OR REPLACE INTO record_secrets(tbl, key, field, value) "
				       "VALUES(?1, ?2, ?3, ?4)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	db_bind_text(st, 2, key);
	db_bind_text(st, 3, field);
	db_bind_text(st, 4, value);
	return db_exec_stmt(db, st);
}

int sq_records_secret_drop(struct db *db, int64_t tbl, const char *key, const char *field)
{
	sqlite3_stmt *st = db_stmt(db, field ? "DELETE FROM record_secrets WHERE tbl=?1 AND key=?2 AND field=?3"
					     : "DELETE FROM record_secrets WHERE tbl=?1 AND key=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	db_bind_text(st, 2, key);
	if (field)
		db_bind_text(st, 3, field);
	return db_exec_stmt(db, st);
}
