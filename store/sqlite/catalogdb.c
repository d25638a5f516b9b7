/* catalogdb: catalog entries and the HTTP cache. */
#include "store/catalogdb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/artstore.h"
#include "store/sqlite/sqlite.h"

#define ROW_COLS "id, pkg, version, size, xxh3, coalesce(artifact, 0), origin, coalesce(url, '')"

static int one_row(struct db *db, sqlite3_stmt *st, struct catalog_row *out)
{
	int rc = db_step(db, st);
	if (rc > 0) {
		out->id = sqlite3_column_int64(st, 0);
		snprintf(out->pkg, sizeof(out->pkg), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(out->version, sizeof(out->version), "%s", (const char *)sqlite3_column_text(st, 2));
		out->size = (uint64_t)sqlite3_column_int64(st, 3);
		out->xxh3 = (uint64_t)sqlite3_column_int64(st, 4);
		out->artifact = sqlite3_column_int64(st, 5);
		snprintf(out->origin, sizeof(out->origin), "%s", (const char *)sqlite3_column_text(st, 6));
		snprintf(out->url, sizeof(out->url), "%s", (const char *)sqlite3_column_text(st, 7));
	}
	if (st)
		sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int sq_catdb_get(struct db *db, const char *pkg, const char *version, struct catalog_row *out)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT " ROW_COLS " FROM catalog WHERE pkg=?1 AND version=?2");
	if (!st)
		return -EIO;
	db_bind_text(st, 1, pkg);
	db_bind_text(st, 2, version);
	return one_row(db, st, out);
}

int sq_catdb_by_id(struct db *db, int64_t id, struct catalog_row *out)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT " ROW_COLS " FROM catalog WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	return one_row(db, st, out);
}

static int touch(struct db *db, const char *pkg, int64_t ts, struct changes *ch)
{
	sqlite3_stmt *st = db_stmt(db,
		"INSERT INTO catalog_pkgs(pkg, mtime) VALUES(?1, ?2) ON CONFLICT(pkg) DO UPDATE SET mtime=excluded.mtime");
	if (!st)
		return -EIO;
	db_bind_text(st, 1, pkg);
	sqlite3_bind_int64(st, 2, ts);
	int rc = db_exec_stmt(db, st);
	if (rc == 0)
		rc = sq_db_set_meta(db, "catalog_mtime", ts);
	if (rc == 0 && (st = db_stmt(db, "SELECT id FROM catalog_pkgs WHERE pkg=?1"))) {
		db_bind_text(st, 1, pkg);
		if ((rc = db_step(db, st)) > 0)
			changes_node(ch, tree_node(T_CATPKG, (uint64_t)sqlite3_column_int64(st, 0)), 0);
		sqlite3_reset(st);
		rc = rc < 0 ? rc : 0;
	}
	changes_node(ch, tree_node(T_FIXED, TREE_CATALOG), 0);
	return rc;
}

static int insert(struct db *db, const struct catalog_row *row, int64_t ts)
{
	sqlite3_stmt *st = db_stmt(db,
		"INSERT INTO catalog(pkg, version, size, xxh3, artifact, origin, url, added) "
		"VALUES(?1, ?2, ?3, ?4, nullif(?5, 0), ?6, nullif(?7, ''), ?8)");
	if (!st)
		return -EIO;
	db_bind_text(st, 1, row->pkg);
	db_bind_text(st, 2, row->version);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)row->size);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)row->xxh3);
	sqlite3_bind_int64(st, 5, row->artifact);
	db_bind_text(st, 6, row->origin);
	db_bind_text(st, 7, row->url);
	sqlite3_bind_int64(st, 8, ts);
	return db_exec_stmt(db, st);
}

int sq_catdb_add(struct db *db, const struct catalog_row *row, int64_t ts, struct changes *ch)
{
	int rc = insert(db, row, ts);
	return rc ? rc : touch(db, row->pkg, ts, ch);
}

int sq_catdb_remote(struct db *db, const struct catalog_row *row, int64_t ts, struct changes *ch)
{
	struct catalog_row cur;
	int rc = sq_catdb_get(db, row->pkg, row->version, &cur);
	if (rc == -ENOENT)
		return sq_catdb_add(db, row, ts, ch);
	if (rc < 0 || cur.artifact || (cur.xxh3 == row->xxh3 && cur.size == row->size && !strcmp(cur.url, row->url)))
		return rc; /* known; or downloaded already: versions are immutable */
	/* Listed anew with other bytes before it was ever read: a new file
	 * (new inode, new size) replaces the one listed. */
	rc = sq_catdb_remove(db, &cur, ts, ch);
	return rc ? rc : sq_catdb_add(db, row, ts, ch);
}

int sq_catdb_set_artifact(struct db *db, int64_t id, int64_t artifact)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE catalog SET artifact=?2 WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, artifact);
	return db_exec_stmt(db, st);
}

int sq_catdb_remove(struct db *db, const struct catalog_row *row, int64_t ts, struct changes *ch)
{
	char file[STORE_VERSION_MAX + 8];
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM catalog_pkgs WHERE pkg=?1");
	int64_t dir = 0;
	int rc;
	if (!st)
		return -EIO;
	db_bind_text(st, 1, row->pkg);
	if ((rc = db_step(db, st)) > 0)
		dir = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	snprintf(file, sizeof(file), "%s.json", row->version);
	changes_entry(ch, tree_node(T_CATPKG, (uint64_t)dir), file);
	if (rc < 0 || !(st = db_stmt(db, "DELETE FROM catalog WHERE id=?1")))
		return rc < 0 ? rc : -EIO;
	sqlite3_bind_int64(st, 1, row->id);
	if ((rc = db_exec_stmt(db, st)))
		return rc;
	if (row->artifact && (rc = sq_artstore_gc(db, row->artifact)))
		return rc;
	/* The package's folder stays, empty, until rmdir: as any folder. */
	return touch(db, row->pkg, ts, ch);
}

int sq_catdb_pkg_of(struct db *db, int64_t dir, char *pkg, size_t len)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT pkg FROM catalog_pkgs WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, dir);
	int rc = db_step(db, st);
	if (rc > 0)
		snprintf(pkg, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int sq_catdb_remove_dir(struct db *db, const char *pkg, int64_t ts, struct changes *ch)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT EXISTS(SELECT 1 FROM catalog WHERE pkg=?1)");
	if (!st)
		return -EIO;
	db_bind_text(st, 1, pkg);
	int rc = db_step(db, st), busy = rc > 0 && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc < 0 || busy)
		return rc < 0 ? rc : -ENOTEMPTY;
	if (!(st = db_stmt(db, "DELETE FROM catalog_pkgs WHERE pkg=?1")))
		return -EIO;
	db_bind_text(st, 1, pkg);
	if ((rc = db_exec_stmt(db, st)))
		return rc;
	if (!sqlite3_changes(db->conn))
		return -ENOENT;
	changes_entry(ch, tree_node(T_FIXED, TREE_CATALOG), pkg);
	changes_node(ch, tree_node(T_FIXED, TREE_CATALOG), 0);
	return sq_db_set_meta(db, "catalog_mtime", ts);
}

int sq_catdb_installed_in(struct db *db, const char *pkg, const char *version, char *out, size_t len)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT t.name FROM installs i JOIN tenants t ON t.id=i.tenant WHERE i.pkg=?1 AND i.version=?2 ORDER BY t.name");
	int rc, n = 0;
	size_t used = 0;
	if (!st)
		return -EIO;
	db_bind_text(st, 1, pkg);
	db_bind_text(st, 2, version);
	out[0] = '\0';
	while ((rc = db_step(db, st)) > 0) {
		int w = snprintf(out + used, len - used, "%s%s", n ? ", " : "", (const char *)sqlite3_column_text(st, 0));
		if (w > 0 && (size_t)w < len - used)
			used += (size_t)w;
		n++;
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : n;
}

int sq_catdb_each_version(struct db *db, const char *pkg, int (*fn)(const char *version, void *ctx), void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT version FROM catalog WHERE pkg=?1");
	int rc = 0, stop = 0;
	if (!st)
		return -EIO;
	db_bind_text(st, 1, pkg);
	while (!stop && (rc = db_step(db, st)) > 0)
		stop = fn((const char *)sqlite3_column_text(st, 0), ctx);
	sqlite3_reset(st);
	return stop ? stop : rc;
}

int sq_catdb_http_get(struct db *db, const char *url, char *etag, size_t etaglen, struct buf *body)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT coalesce(etag, ''), body FROM http_cache WHERE url=?1");
	if (!st)
		return -EIO;
	db_bind_text(st, 1, url);
	int rc = db_step(db, st);
	if (rc > 0) {
		snprintf(etag, etaglen, "%s", (const char *)sqlite3_column_text(st, 0));
		const void *p = sqlite3_column_blob(st, 1);
		buf_add(body, p ? p : "", (size_t)sqlite3_column_bytes(st, 1));
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? buf_error(body) : -ENOENT;
}

int sq_catdb_http_put(struct db *db, const char *url, const char *etag, const void *body, size_t len, int64_t ts)
{
	sqlite3_stmt *st = db_stmt(db,
		"INSERT INTO http_cache(url, etag, body, fetched) VALUES(?1, ?2, ?3, ?4) "
		"ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, body=excluded.body, fetched=excluded.fetched");
	if (!st)
		return -EIO;
	db_bind_text(st, 1, url);
	db_bind_text(st, 2, etag);
	sqlite3_bind_blob64(st, 3, body, len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, ts);
	return db_exec_stmt(db, st);
}
