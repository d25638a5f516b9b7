/* records: tables and records (the first half of store/records.h, that of
 * store/sqlite/records.c) on PostgreSQL. */
#include <errno.h>
#include <string.h>

#include "store/pg/pg.h"

int pg_records_table(struct db *db, int64_t tenant, const char *name, int64_t ts, int64_t *id, int *created)
{
	PGresult *r;
	if (created)
		*created = 0;
	int rc = pg_query(db, "SELECT id FROM tables WHERE tenant=$1 AND name=$2", PG_ARGS(pg_i64(tenant), pg_text(name)),
			  &r);
	if (rc)
		return rc;
	if (PQntuples(r)) {
		*id = pg_get_i64(r, 0, 0);
		PQclear(r);
		return 0;
	}
	PQclear(r);
	rc = pg_query(db, "INSERT INTO tables(tenant, name, mtime) VALUES($1, $2, $3) RETURNING id",
		      PG_ARGS(pg_i64(tenant), pg_text(name), pg_i64(ts)), &r);
	if (rc)
		return rc;
	*id = pg_get_i64(r, 0, 0);
	PQclear(r);
	if (created)
		*created = 1;
	return 0;
}

int pg_records_prune(struct db *db, int64_t tenant, const char *name, struct changes *ch)
{
	int rc = pg_exec(db,
			 "DELETE FROM tables WHERE tenant=$1 AND name=$2 AND nrecords=0 AND "
			 "NOT EXISTS(SELECT 1 FROM registry WHERE tenant=$1 AND name=$2)",
			 PG_ARGS(pg_i64(tenant), pg_text(name)));
	if (rc > 0)
		changes_entry(ch, tree_node(T_DATADIR, (uint64_t)tenant), name);
	return rc < 0 ? rc : 0;
}

int pg_records_get(struct db *db, int64_t tbl, const char *key, int64_t *id, struct buf *body)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT id, body FROM records WHERE tbl=$1 AND key=$2", PG_ARGS(pg_i64(tbl), pg_text(key)),
			  &r);
	if (rc)
		return rc == -EILSEQ ? -ENOENT : rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return -ENOENT;
	}
	*id = pg_get_i64(r, 0, 0);
	if (body) {
		size_t n;
		const void *p = pg_get_bytes(r, 0, 1, &n);
		buf_add(body, p ? p : "", n);
		rc = buf_error(body) ? -ENOMEM : 0;
	}
	PQclear(r);
	return rc;
}

/* A key that is taken is -EEXIST, as on SQLite, without failing the
 * transaction or spending an id (see pg_tenants_create). */
int pg_records_put(struct db *db, int64_t tbl, const char *key, const char *body, size_t len, int64_t ts,
		   int64_t old_id)
{
	int rc;
	if (old_id && (rc = pg_exec(db, "DELETE FROM records WHERE id=$1", PG_ARGS(pg_i64(old_id)))) < 0)
		return rc;
	rc = pg_exec(db,
		     "INSERT INTO records(tbl, key, mtime, body) SELECT $1, $2, $3, $4 "
		     "WHERE NOT EXISTS(SELECT 1 FROM records WHERE tbl=$1 AND key=$2) ON CONFLICT(tbl, key) DO NOTHING",
		     PG_ARGS(pg_i64(tbl), pg_text(key), pg_i64(ts), pg_bytes(body, len)));
	return rc < 0 ? rc : rc ? 0 : -EEXIST;
}

int pg_records_set_mtime(struct db *db, int64_t id, int64_t tbl, const char *key, int64_t mtime)
{
	int rc = id ? pg_exec(db, "UPDATE records SET mtime=$2 WHERE id=$1", PG_ARGS(pg_i64(id), pg_i64(mtime)))
		    : pg_exec(db, "UPDATE records SET mtime=$3 WHERE tbl=$1 AND key=$2",
			      PG_ARGS(pg_i64(tbl), pg_text(key), pg_i64(mtime)));
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int pg_records_table_done(struct db *db, int64_t tbl, int64_t added, int64_t ts)
{
	int rc = pg_exec(db, "UPDATE tables SET nrecords=nrecords+$2, mtime=$3 WHERE id=$1",
			 PG_ARGS(pg_i64(tbl), pg_i64(added), pg_i64(ts)));
	return rc < 0 ? rc : 0;
}
