/* records_secrets: password and secret values of records on PostgreSQL,
 * as store/sqlite/records_secrets.c (docs/records.md, "Passwords and
 * secrets").  Every query is a lookup on the primary key (tbl, key,
 * field); the replacing write is ON CONFLICT DO UPDATE, SQLite's INSERT OR
 * REPLACE. */
#include "store/records.h"

#include <errno.h>

#include "store/pg/pg.h"

int pg_records_secret_get(struct db *db, int64_t tbl, const char *key, const char *field, struct buf *value)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT value FROM record_secrets WHERE tbl=$1 AND key=$2 AND field=$3",
			  PG_ARGS(pg_i64(tbl), pg_text(key), pg_text(field)), &r);
	if (rc)
		return pg_lookup_errno(rc);
	if (PQntuples(r) < 1) {
		PQclear(r);
		return -ENOENT;
	}
	const char *v = pg_get_text(r, 0, 0);
	if (buf_adds(value, v ? v : "") < 0)
		rc = -ENOMEM;
	PQclear(r);
	return rc;
}

int pg_records_secret_put(struct db *db, int64_t tbl, const char *key, const char *field, const char *value)
{
	int n = pg_exec(db,
			"INSERT INTO record_secrets(tbl, key, field, value) VALUES($1, $2, $3, $4) "
			"ON CONFLICT(tbl, key, field) DO UPDATE SET value=excluded.value",
			PG_ARGS(pg_i64(tbl), pg_text(key), pg_text(field), pg_text(value)));
	return n < 0 ? n : 0;
}

int pg_records_secret_drop(struct db *db, int64_t tbl, const char *key, const char *field)
{
	int n = field ? pg_exec(db, "DELETE FROM record_secrets WHERE tbl=$1 AND key=$2 AND field=$3",
				PG_ARGS(pg_i64(tbl), pg_text(key), pg_text(field)))
		      : pg_exec(db, "DELETE FROM record_secrets WHERE tbl=$1 AND key=$2",
				PG_ARGS(pg_i64(tbl), pg_text(key)));
	return n < 0 ? n : 0;
}
