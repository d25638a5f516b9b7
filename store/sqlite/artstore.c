/* artstore: stored artifacts and their rendered files. */
#include "store/artstore.h"

#include <errno.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

int sq_artstore_find(struct db *db, uint64_t xxh3, const char *bytes, size_t len, int64_t *id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id, bytes FROM artifacts WHERE xxh3=?1 AND size=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)xxh3);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
	int rc;
	while ((rc = db_step(db, st)) > 0) {
		const void *b = sqlite3_column_blob(st, 1);
		if ((size_t)sqlite3_column_bytes(st, 1) == len && (len == 0 || !memcmp(b, bytes, len))) {
			*id = sqlite3_column_int64(st, 0);
			break;
		}
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

static int put_row(struct db *db, const struct art_rows *a, int system, int64_t ts, int64_t *id)
{
	sqlite3_stmt *st = db_stmt(db,
		"INSERT INTO artifacts(pkg, version, ns, xxh3, system, added, size, msize, manifest, bytes) "
		"VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	if (!st)
		return -EIO;
	db_bind_text(st, 1, a->pkg);
	db_bind_text(st, 2, a->version);
	db_bind_text(st, 3, a->ns);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)a->xxh3);
	sqlite3_bind_int(st, 5, system);
	sqlite3_bind_int64(st, 6, ts);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)a->len);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)a->manifest_len);
	sqlite3_bind_blob64(st, 9, a->manifest, a->manifest_len, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 10, a->bytes, a->len, SQLITE_STATIC);
	int rc = db_exec_stmt(db, st);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(db->conn);
	return rc;
}

static int put_deps(struct db *db, const struct art_rows *a, int64_t id)
{
	for (size_t i = 0; i < a->ndeps; i++) {
		sqlite3_stmt *st = db_stmt(db, "INSERT INTO art_deps(artifact, pkg, range) VALUES(?1, ?2, ?3)");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		db_bind_text(st, 2, a->deps[i].pkg);
		db_bind_text(st, 3, a->deps[i].range);
		int rc = db_exec_stmt(db, st);
		if (rc)
			return rc;
	}
	return 0;
}

static int put_kinds_items(struct db *db, const struct art_rows *a, int64_t id)
{
	int rc = 0;
	for (size_t k = 0; k < a->nkinds && !rc; k++) {
		sqlite3_stmt *st = db_stmt(db, "INSERT INTO kinds(artifact, idx, dir, key, named) VALUES(?1,?2,?3,?4,?5)");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)k);
		db_bind_text(st, 3, a->kinds[k].dir);
		db_bind_text(st, 4, a->kinds[k].key);
		sqlite3_bind_int(st, 5, a->kinds[k].named);
		rc = db_exec_stmt(db, st);
	}
	for (size_t i = 0; i < a->nitems && !rc; i++) {
		const struct art_rows_item *it = &a->items[i];
		sqlite3_stmt *st = db_stmt(db,
			"INSERT INTO items(artifact, idx, kind, file, name, body) VALUES(?1,?2,?3,?4,?5,?6)");
		if (!st || !it->body)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)it->kind);
		db_bind_text(st, 4, it->file);
		db_bind_text(st, 5, it->name);
		sqlite3_bind_blob64(st, 6, it->body, it->body_len, SQLITE_STATIC);
		rc = db_exec_stmt(db, st);
	}
	return rc;
}

static int put_defs(struct db *db, const struct art_rows *a, int64_t id)
{
	int rc = 0;
	for (size_t i = 0; i < a->nobjects && !rc; i++) {
		sqlite3_stmt *st = db_stmt(db, "INSERT INTO art_objects(artifact, name, item) VALUES(?1, ?2, ?3)");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		db_bind_text(st, 2, a->objects[i].name);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)a->objects[i].item);
		rc = db_exec_stmt(db, st);
	}
	for (size_t i = 0; i < a->nexts && !rc; i++) {
		sqlite3_stmt *st = db_stmt(db,
			"INSERT INTO art_exts(artifact, seq, target, priority, item) VALUES(?1, ?2, ?3, ?4, ?5)");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		db_bind_text(st, 3, a->exts[i].name);
		sqlite3_bind_double(st, 4, a->exts[i].priority);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)a->exts[i].item);
		rc = db_exec_stmt(db, st);
	}
	for (size_t i = 0; i < a->nrefs && !rc; i++) {
		sqlite3_stmt *st = db_stmt(db, "INSERT OR IGNORE INTO art_refs(artifact, target) VALUES(?1, ?2)");
		if (!st)
			return -EIO;
		sqlite3_bind_int64(st, 1, id);
		db_bind_text(st, 2, a->refs[i]);
		rc = db_exec_stmt(db, st);
	}
	return rc;
}

int sq_artstore_put(struct db *db, const struct art_rows *a, int system, int64_t ts, int64_t *id)
{
	if (!a->manifest)
		return -EINVAL; /* not rendered */
	int rc = put_row(db, a, system, ts, id);
	if (!rc)
		rc = put_deps(db, a, *id);
	if (!rc)
		rc = put_kinds_items(db, a, *id);
	if (!rc)
		rc = put_defs(db, a, *id);
	return rc;
}

int sq_artstore_ensure(struct db *db, const struct art_rows *a, int system, int64_t ts, int64_t *id)
{
	int rc = sq_artstore_find(db, a->xxh3, a->bytes, a->len, id);
	return rc == -ENOENT ? sq_artstore_put(db, a, system, ts, id) : rc;
}

int sq_artstore_gc(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db,
		"DELETE FROM artifacts WHERE id=?1 AND NOT EXISTS(SELECT 1 FROM installs WHERE artifact=?1) "
		"AND NOT EXISTS(SELECT 1 FROM catalog WHERE artifact=?1)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	return db_exec_stmt(db, st);
}
