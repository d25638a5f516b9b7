/* catalogdb: catalog entries and the HTTP cache, in PostgreSQL.  The same
 * rows, results, changes and orders as store/sqlite/catalogdb.c. */
#include "store/catalogdb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/pg.h"

#define ROW_COLS "id, pkg, version, size, xxh3, coalesce(artifact, 0), origin, coalesce(url, '')"

static int one_row(struct db *db, const char *sql, const struct pg_arg *args, int nargs, struct catalog_row *out)
{
	PGresult *r;
	int rc = pg_query(db, sql, args, nargs, &r);
	if (rc)
		return rc;
	rc = PQntuples(r) ? 0 : -ENOENT;
	if (rc == 0) {
		out->id = pg_get_i64(r, 0, 0);
		snprintf(out->pkg, sizeof(out->pkg), "%s", pg_get_text(r, 0, 1));
		snprintf(out->version, sizeof(out->version), "%s", pg_get_text(r, 0, 2));
		out->size = (uint64_t)pg_get_i64(r, 0, 3);
		out->xxh3 = (uint64_t)pg_get_i64(r, 0, 4);
		out->artifact = pg_get_i64(r, 0, 5);
		snprintf(out->origin, sizeof(out->origin), "%s", pg_get_text(r, 0, 6));
		snprintf(out->url, sizeof(out->url), "%s", pg_get_text(r, 0, 7));
	}
	PQclear(r);
	return rc;
}

int pg_catdb_get(struct db *db, const char *pkg, const char *version, struct catalog_row *out)
{
	return one_row(db, "SELECT " ROW_COLS " FROM catalog WHERE pkg=$1 AND version=$2",
		       PG_ARGS(pg_text(pkg), pg_text(version)), out);
}

int pg_catdb_by_id(struct db *db, int64_t id, struct catalog_row *out)
{
	return one_row(db, "SELECT " ROW_COLS " FROM catalog WHERE id=$1", PG_ARGS(pg_i64(id)), out);
}

/* The package folder's mtime and the catalog's, with their changes (the
 * folder's id comes back from the upsert, new or not). */
static int touch(struct db *db, const char *pkg, int64_t ts, struct changes *ch)
{
	PGresult *r;
	int64_t dir = 0;
	int rc = pg_query(db,
			  "INSERT INTO catalog_pkgs(pkg, mtime) VALUES($1, $2) "
			  "ON CONFLICT(pkg) DO UPDATE SET mtime=excluded.mtime RETURNING id",
			  PG_ARGS(pg_text(pkg), pg_i64(ts)), &r);
	if (rc == 0) {
		if (PQntuples(r) == 1)
			dir = pg_get_i64(r, 0, 0);
		PQclear(r);
		rc = pg_db_set_meta(db, "catalog_mtime", ts);
	}
	if (rc == 0 && dir)
		changes_node(ch, tree_node(T_CATPKG, (uint64_t)dir), 0);
	changes_node(ch, tree_node(T_FIXED, TREE_CATALOG), 0);
	return rc;
}

/* A version listed already is -EEXIST, told by the row count so that the
 * transaction stays usable, as in SQLite. */
static int insert(struct db *db, const struct catalog_row *row, int64_t ts)
{
	int n = pg_exec(db,
			"INSERT INTO catalog(pkg, version, size, xxh3, artifact, origin, url, added) "
			"VALUES($1, $2, $3, $4, nullif($5, 0), $6, nullif($7, ''), $8) ON CONFLICT DO NOTHING",
			PG_ARGS(pg_text(row->pkg), pg_text(row->version), pg_i64((int64_t)row->size),
				pg_i64((int64_t)row->xxh3), pg_i64(row->artifact), pg_text(row->origin), pg_text(row->url),
				pg_i64(ts)));
	return n < 0 ? n : n ? 0 : -EEXIST;
}

int pg_catdb_add(struct db *db, const struct catalog_row *row, int64_t ts, struct changes *ch)
{
	int rc = insert(db, row, ts);
	return rc ? rc : touch(db, row->pkg, ts, ch);
}

int pg_catdb_remote(struct db *db, const struct catalog_row *row, int64_t ts, struct changes *ch)
{
	struct catalog_row cur;
	int rc = pg_catdb_get(db, row->pkg, row->version, &cur);
	if (rc == -ENOENT)
		return pg_catdb_add(db, row, ts, ch);
	if (rc < 0 || cur.artifact || (cur.xxh3 == row->xxh3 && cur.size == row->size && !strcmp(cur.url, row->url)))
		return rc; /* known; or downloaded already: versions are immutable */
	/* Listed anew with other bytes before it was ever read: a new file
	 * (new inode, new size) replaces the one listed. */
	rc = pg_catdb_remove(db, &cur, ts, ch);
	return rc ? rc : pg_catdb_add(db, row, ts, ch);
}

int pg_catdb_set_artifact(struct db *db, int64_t id, int64_t artifact)
{
	int n = pg_exec(db, "UPDATE catalog SET artifact=$2 WHERE id=$1", PG_ARGS(pg_i64(id), pg_i64(artifact)));
	return n < 0 ? n : 0;
}

int pg_catdb_remove(struct db *db, const struct catalog_row *row, int64_t ts, struct changes *ch)
{
	char file[STORE_VERSION_MAX + 8];
	PGresult *r;
	int64_t dir = 0;
	int rc = pg_query(db, "SELECT id FROM catalog_pkgs WHERE pkg=$1", PG_ARGS(pg_text(row->pkg)), &r);
	if (rc == 0) {
		if (PQntuples(r))
			dir = pg_get_i64(r, 0, 0);
		PQclear(r);
	}
	/* Recorded whatever happens next, as store/sqlite/catalogdb.c does. */
	snprintf(file, sizeof(file), "%s.json", row->version);
	changes_entry(ch, tree_node(T_CATPKG, (uint64_t)dir), file);
	if (rc < 0)
		return rc;
	int n = pg_exec(db, "DELETE FROM catalog WHERE id=$1", PG_ARGS(pg_i64(row->id)));
	if (n < 0)
		return n;
	if (row->artifact && (rc = pg_artstore_gc(db, row->artifact)))
		return rc;
	/* The package's folder stays, empty, until rmdir: as any folder. */
	return touch(db, row->pkg, ts, ch);
}

int pg_catdb_pkg_of(struct db *db, int64_t dir, char *pkg, size_t len)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT pkg FROM catalog_pkgs WHERE id=$1", PG_ARGS(pg_i64(dir)), &r);
	if (rc)
		return rc;
	rc = PQntuples(r) ? 0 : -ENOENT;
	if (rc == 0)
		snprintf(pkg, len, "%s", pg_get_text(r, 0, 0));
	PQclear(r);
	return rc;
}

int pg_catdb_remove_dir(struct db *db, const char *pkg, int64_t ts, struct changes *ch)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT EXISTS(SELECT 1 FROM catalog WHERE pkg=$1)", PG_ARGS(pg_text(pkg)), &r);
	if (rc)
		return rc;
	int busy = PQntuples(r) && pg_get_i64(r, 0, 0);
	PQclear(r);
	if (busy)
		return -ENOTEMPTY;
	int n = pg_exec(db, "DELETE FROM catalog_pkgs WHERE pkg=$1", PG_ARGS(pg_text(pkg)));
	if (n <= 0)
		return n < 0 ? n : -ENOENT;
	changes_entry(ch, tree_node(T_FIXED, TREE_CATALOG), pkg);
	changes_node(ch, tree_node(T_FIXED, TREE_CATALOG), 0);
	return pg_db_set_meta(db, "catalog_mtime", ts);
}

int pg_catdb_installed_in(struct db *db, const char *pkg, const char *version, char *out, size_t len)
{
	PGresult *r;
	size_t used = 0;
	out[0] = '\0';
	int rc = pg_query(db,
			  "SELECT t.name FROM installs i JOIN tenants t ON t.id=i.tenant "
			  "WHERE i.pkg=$1 AND i.version=$2 ORDER BY t.name",
			  PG_ARGS(pg_text(pkg), pg_text(version)), &r);
	if (rc)
		return rc;
	int n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		int w = snprintf(out + used, len - used, "%s%s", i ? ", " : "", pg_get_text(r, i, 0));
		if (w > 0 && (size_t)w < len - used)
			used += (size_t)w;
	}
	PQclear(r);
	return n;
}

/* In the byte order of the versions: SQLite's scan of the (pkg, version)
 * index lists them so. */
int pg_catdb_each_version(struct db *db, const char *pkg, int (*fn)(const char *version, void *ctx), void *ctx)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT version FROM catalog WHERE pkg=$1 ORDER BY version", PG_ARGS(pg_text(pkg)), &r);
	if (rc)
		return rc;
	int n = PQntuples(r), stop = 0;
	for (int i = 0; i < n && !stop; i++)
		stop = fn(pg_get_text(r, i, 0), ctx);
	PQclear(r);
	return stop;
}

int pg_catdb_http_get(struct db *db, const char *url, char *etag, size_t etaglen, struct buf *body)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT coalesce(etag, ''), body FROM http_cache WHERE url=$1", PG_ARGS(pg_text(url)),
			  &r);
	if (rc)
		return rc;
	rc = PQntuples(r) ? 0 : -ENOENT;
	if (rc == 0) {
		size_t n;
		const void *p = pg_get_bytes(r, 0, 1, &n);
		snprintf(etag, etaglen, "%s", pg_get_text(r, 0, 0));
		buf_add(body, p ? p : "", n);
		rc = buf_error(body);
	}
	PQclear(r);
	return rc;
}

int pg_catdb_http_put(struct db *db, const char *url, const char *etag, const void *body, size_t len, int64_t ts)
{
	int n = pg_exec(db,
			"INSERT INTO http_cache(url, etag, body, fetched) VALUES($1, $2, $3, $4) "
			"ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, body=excluded.body, fetched=excluded.fetched",
			PG_ARGS(pg_text(url), pg_text(etag), body ? pg_bytes(body, len) : pg_null(), pg_i64(ts)));
	return n < 0 ? n : 0;
}
