/* tenants: tenant rows on PostgreSQL, as store/sqlite/tenants.c. */
#include "store/tenants.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/pg/pg.h"

/* The columns id, uid, gid, mode, name of r's first row into out; frees r. */
static int row(PGresult *r, struct tenant_row *out)
{
	int found = PQntuples(r) > 0;
	if (found) {
		out->id = pg_get_i64(r, 0, 0);
		out->uid = (uid_t)pg_get_i64(r, 0, 1);
		out->gid = (gid_t)pg_get_i64(r, 0, 2);
		out->mode = (mode_t)pg_get_i64(r, 0, 3);
		snprintf(out->name, sizeof(out->name), "%s", pg_get_text(r, 0, 4));
	}
	PQclear(r);
	return found ? 0 : -ENOENT;
}

int pg_tenants_find(struct db *db, const char *name, struct tenant_row *out)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT id, uid, gid, mode, name FROM tenants WHERE name=$1", PG_ARGS(pg_text(name)), &r);
	return rc ? pg_lookup_errno(rc) : row(r, out);
}

int pg_tenants_get(struct db *db, int64_t id, struct tenant_row *out)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT id, uid, gid, mode, name FROM tenants WHERE id=$1", PG_ARGS(pg_i64(id)), &r);
	return rc ? rc : row(r, out);
}

/* A name taken is -EEXIST, as SQLite's constraint error, without failing
 * the caller's transaction (ON CONFLICT rather than a unique violation).
 * NOT EXISTS first: a refused row then takes no id from the sequence, so
 * ids follow each other as SQLite's do (a race may still skip one). */
int pg_tenants_create(struct db *db, const char *name, uid_t uid, gid_t gid, mode_t mode, int64_t ts, int64_t *id)
{
	PGresult *r;
	int rc = pg_query(db,
			  "INSERT INTO tenants(name, uid, gid, mode, created, mtime, ctime, log_mtime) "
			  "SELECT $1, $2, $3, $4, $5, $5, $5, $5 WHERE NOT EXISTS(SELECT 1 FROM tenants WHERE name=$1) "
			  "ON CONFLICT(name) DO NOTHING RETURNING id",
			  PG_ARGS(pg_text(name), pg_i64(uid), pg_i64(gid), pg_i64(mode & 07777), pg_i64(ts)), &r);
	if (rc)
		return rc;
	int made = PQntuples(r) > 0;
	if (made)
		*id = pg_get_i64(r, 0, 0);
	PQclear(r);
	if (!made)
		return -EEXIST;
	return pg_db_set_meta(db, "tenants_mtime", ts);
}

int pg_tenants_count_owned(struct db *db, uid_t uid, int64_t *n)
{
	PGresult *r;
	*n = 0;
	int rc = pg_query(db, "SELECT count(*) FROM tenants WHERE uid=$1", PG_ARGS(pg_i64(uid)), &r);
	if (rc)
		return rc;
	*n = pg_get_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

int pg_tenants_count(struct db *db, int64_t *n)
{
	PGresult *r;
	*n = 0;
	int rc = pg_query(db, "SELECT count(*) FROM tenants", PG_NOARGS, &r);
	if (rc)
		return rc;
	*n = pg_get_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

/* The boolean of a one-row, one-column result: 1, 0; frees r. */
static int boolean(PGresult *r)
{
	int v = PQntuples(r) > 0 && pg_get_i64(r, 0, 0) != 0;
	PQclear(r);
	return v;
}

int pg_tenants_is_empty(struct db *db, int64_t id)
{
	PGresult *r;
	int rc = pg_query(db,
			  "SELECT EXISTS(SELECT 1 FROM installs WHERE tenant=$1 AND system=0) OR "
			  "EXISTS(SELECT 1 FROM tables WHERE tenant=$1 AND nrecords>0)",
			  PG_ARGS(pg_i64(id)), &r);
	return rc ? rc : !boolean(r);
}

int pg_tenants_has_packages(struct db *db, int64_t id)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT EXISTS(SELECT 1 FROM installs WHERE tenant=$1 AND system=0)",
			  PG_ARGS(pg_i64(id)), &r);
	return rc ? rc : boolean(r);
}

int pg_tenants_delete(struct db *db, int64_t id, int64_t ts)
{
	/* Children first, as the foreign keys require (claims before the
	 * installs they point at, records before their tables). */
	static const char *const sql[] = {
		"DELETE FROM record_secrets WHERE tbl IN (SELECT id FROM tables WHERE tenant=$1)",
		"DELETE FROM record_keys WHERE tbl IN (SELECT id FROM tables WHERE tenant=$1)",
		"DELETE FROM unique_fields WHERE tbl IN (SELECT id FROM tables WHERE tenant=$1)",
		"DELETE FROM records WHERE tbl IN (SELECT id FROM tables WHERE tenant=$1)",
		"DELETE FROM tables WHERE tenant=$1",
		"DELETE FROM registry WHERE tenant=$1",
		"DELETE FROM claims WHERE tenant=$1",
		"DELETE FROM installs WHERE tenant=$1",
		"DELETE FROM pkg_state WHERE tenant=$1",
		"DELETE FROM history WHERE tenant=$1",
		"DELETE FROM log WHERE tenant=$1",
		"DELETE FROM tenants WHERE id=$1",
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(*sql); i++) {
		int rc = pg_exec(db, sql[i], PG_ARGS(pg_i64(id)));
		if (rc < 0)
			return rc;
	}
	return pg_db_set_meta(db, "tenants_mtime", ts);
}

int pg_tenants_touch(struct db *db, int64_t id, int64_t ts)
{
	int rc = pg_exec(db, "UPDATE tenants SET mtime=$2 WHERE id=$1", PG_ARGS(pg_i64(id), pg_i64(ts)));
	return rc < 0 ? rc : 0;
}

int pg_tenants_set_owner(struct db *db, int64_t id, int64_t uid, int64_t gid, int64_t mode, int64_t ts)
{
	int rc = pg_exec(db,
			 "UPDATE tenants SET uid=CASE WHEN $2<0 THEN uid ELSE $2 END, "
			 "gid=CASE WHEN $3<0 THEN gid ELSE $3 END, "
			 "mode=CASE WHEN $4<0 THEN mode ELSE $4 END, ctime=$5 WHERE id=$1",
			 PG_ARGS(pg_i64(id), pg_i64(uid), pg_i64(gid), pg_i64(mode < 0 ? -1 : (mode & 07777)),
				 pg_i64(ts)));
	return rc < 0 ? rc : 0;
}

int pg_tenants_each(struct db *db, int (*fn)(void *ctx, int64_t id, const char *name), void *ctx)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT id, name FROM tenants ORDER BY id", PG_NOARGS, &r);
	if (rc)
		return rc;
	for (int i = 0; i < PQntuples(r); i++)
		if (fn(ctx, pg_get_i64(r, i, 0), pg_get_text(r, i, 1)))
			break;
	PQclear(r);
	return 0;
}
