/* records: tables and records on PostgreSQL, as store/sqlite/records.c
 * (the same results, errors and changes).  An expected conflict (a name or
 * key taken) is found with ON CONFLICT DO NOTHING rather than by a failed
 * statement: a failed statement aborts the whole PostgreSQL transaction,
 * where SQLite's caller could go on. */
#include "store/records.h"

#include <errno.h>
#include <string.h>

#include "store/pg/pg.h"

/* The one integer of the first row of r, if there is a row: 1, or 0. */
static int first_i64(PGresult *r, int64_t *v)
{
	if (PQntuples(r) < 1)
		return 0;
	*v = pg_get_i64(r, 0, 0);
	return 1;
}

int pg_records_table(struct db *db, int64_t tenant, const char *name, int64_t ts, int64_t *id, int *created)
{
	PGresult *r;
	if (created)
		*created = 0;
	int rc = pg_query(db, "SELECT id FROM tables WHERE tenant=$1 AND name=$2", PG_ARGS(pg_i64(tenant), pg_text(name)),
			  &r);
	if (rc)
		return rc;
	int found = first_i64(r, id);
	PQclear(r);
	if (found)
		return 0;
	/* Another daemon may create it this moment: its row wins, then is
	 * read (READ COMMITTED: this statement sees what committed). */
	rc = pg_query(db,
		      "INSERT INTO tables(tenant, name, mtime) VALUES($1, $2, $3) "
		      "ON CONFLICT(tenant, name) DO NOTHING RETURNING id",
		      PG_ARGS(pg_i64(tenant), pg_text(name), pg_i64(ts)), &r);
	if (rc)
		return rc;
	found = first_i64(r, id);
	PQclear(r);
	if (found) {
		if (created)
			*created = 1;
		return 0;
	}
	rc = pg_query(db, "SELECT id FROM tables WHERE tenant=$1 AND name=$2", PG_ARGS(pg_i64(tenant), pg_text(name)),
		      &r);
	if (rc)
		return rc;
	found = first_i64(r, id);
	PQclear(r);
	return found ? 0 : -EIO;
}

int pg_records_prune(struct db *db, int64_t tenant, const char *name, struct changes *ch)
{
	/* Its unique index goes with it (empty: its records are gone). */
	int n = pg_exec(db,
			"DELETE FROM unique_fields WHERE tbl=(SELECT id FROM tables WHERE tenant=$1 AND name=$2 AND "
			"nrecords=0 AND NOT EXISTS(SELECT 1 FROM registry WHERE tenant=$1 AND name=$2))",
			PG_ARGS(pg_i64(tenant), pg_text(name)));
	if (n < 0)
		return n;
	n = pg_exec(db,
			"DELETE FROM tables WHERE tenant=$1 AND name=$2 AND nrecords=0 AND "
			"NOT EXISTS(SELECT 1 FROM registry WHERE tenant=$1 AND name=$2)",
			PG_ARGS(pg_i64(tenant), pg_text(name)));
	if (n < 0)
		return n;
	if (n > 0)
		changes_entry(ch, tree_node(T_DATADIR, (uint64_t)tenant), name);
	return 0;
}

int pg_records_get(struct db *db, int64_t tbl, const char *key, int64_t *id, struct buf *body)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT id, body FROM records WHERE tbl=$1 AND key=$2", PG_ARGS(pg_i64(tbl), pg_text(key)),
			  &r);
	if (rc)
		return pg_lookup_errno(rc);
	if (PQntuples(r) < 1) {
		PQclear(r);
		return -ENOENT;
	}
	*id = pg_get_i64(r, 0, 0);
	if (body) {
		size_t n;
		const void *p = pg_get_bytes(r, 0, 1, &n);
		buf_add(body, p ? p : "", n);
		if (buf_error(body))
			rc = -ENOMEM;
	}
	PQclear(r);
	return rc;
}

static int put_row(struct db *db, int64_t tbl, const char *key, const char *body, size_t len, int64_t ts,
		   int64_t old_id, int seed)
{
	int n;
	if (len > INT32_MAX)
		return -EFBIG;
	if (old_id && (n = pg_exec(db, "DELETE FROM records WHERE id=$1", PG_ARGS(pg_i64(old_id)))) < 0)
		return n;
	/* A new row, so a new id (a new inode), as on SQLite; a key taken
	 * already is SQLite's constraint error, -EEXIST (NOT EXISTS first:
	 * then it takes no id from the sequence, as on SQLite). */
	n = pg_exec(db,
		    "INSERT INTO records(tbl, key, mtime, body, seeded) SELECT $1, $2, $3, $4, $5 "
		    "WHERE NOT EXISTS(SELECT 1 FROM records WHERE tbl=$1 AND key=$2) ON CONFLICT(tbl, key) DO NOTHING",
		    PG_ARGS(pg_i64(tbl), pg_text(key), pg_i64(ts), pg_bytes(body, len), pg_i64(seed)));
	return n < 0 ? n : n == 0 ? -EEXIST : 0;
}

int pg_records_put(struct db *db, int64_t tbl, const char *key, const char *body, size_t len, int64_t ts,
		   int64_t old_id)
{
	return put_row(db, tbl, key, body, len, ts, old_id, 0);
}

int pg_records_put_seed(struct db *db, int64_t tbl, const char *key, const char *body, size_t len, int64_t ts,
			int64_t old_id)
{
	return put_row(db, tbl, key, body, len, ts, old_id, 1);
}

int pg_records_seed_written(struct db *db, int64_t id)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT seeded FROM records WHERE id=$1", PG_ARGS(pg_i64(id)), &r);
	if (rc)
		return rc;
	int64_t seeded = 0;
	int found = first_i64(r, &seeded);
	PQclear(r);
	return found ? seeded != 0 : -ENOENT;
}

int pg_records_set_mtime(struct db *db, int64_t id, int64_t tbl, const char *key, int64_t mtime)
{
	int n = id ? pg_exec(db, "UPDATE records SET mtime=$2 WHERE id=$1", PG_ARGS(pg_i64(id), pg_i64(mtime)))
		   : pg_exec(db, "UPDATE records SET mtime=$3 WHERE tbl=$1 AND key=$2",
			     PG_ARGS(pg_i64(tbl), pg_text(key), pg_i64(mtime)));
	return n < 0 ? n : n ? 0 : -ENOENT;
}

int pg_records_table_done(struct db *db, int64_t tbl, int64_t added, int64_t ts)
{
	int n = pg_exec(db, "UPDATE tables SET nrecords=nrecords+$2, mtime=$3 WHERE id=$1",
			PG_ARGS(pg_i64(tbl), pg_i64(added), pg_i64(ts)));
	return n < 0 ? n : 0;
}
