/* artstore: stored artifacts and their rendered files, in PostgreSQL.
 * The same rows and results as store/sqlite/artstore.c. */
#include "store/artstore.h"

#include <errno.h>
#include <string.h>

#include "store/pg/pg.h"

/* A blob as SQLite binds one: a NULL pointer is SQL NULL (which a NOT NULL
 * column refuses, as there). */
static struct pg_arg blob(const void *p, size_t n)
{
	return p ? pg_bytes(p, n) : pg_null();
}

/* The bytes are compared by the server, so only an id comes back; the
 * oldest of equal artifacts first, as SQLite's scan of artifacts_hash. */
int pg_artstore_find(struct db *db, uint64_t xxh3, const char *bytes, size_t len, int64_t *id)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT id FROM artifacts WHERE xxh3=$1 AND size=$2 AND bytes=$3 ORDER BY id LIMIT 1",
			  PG_ARGS(pg_i64((int64_t)xxh3), pg_i64((int64_t)len), pg_bytes(bytes, len)), &r);
	if (rc)
		return rc;
	rc = PQntuples(r) ? 0 : -ENOENT;
	if (rc == 0)
		*id = pg_get_i64(r, 0, 0);
	PQclear(r);
	return rc;
}

static int put_row(struct db *db, const struct art_rows *a, int system, int64_t ts, int64_t *id)
{
	PGresult *r;
	int rc = pg_query(db,
			  "INSERT INTO artifacts(pkg, version, ns, xxh3, system, added, size, msize, manifest, bytes) "
			  "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
			  PG_ARGS(pg_text(a->pkg), pg_text(a->version), pg_text(a->ns), pg_i64((int64_t)a->xxh3),
				  pg_i64(system), pg_i64(ts), pg_i64((int64_t)a->len), pg_i64((int64_t)a->manifest_len),
				  blob(a->manifest, a->manifest_len), blob(a->bytes, a->len)),
			  &r);
	if (rc)
		return rc;
	rc = PQntuples(r) == 1 ? 0 : -EIO;
	if (rc == 0)
		*id = pg_get_i64(r, 0, 0);
	PQclear(r);
	return rc;
}

static int done(int n)
{
	return n < 0 ? n : 0;
}

static int put_deps(struct db *db, const struct art_rows *a, int64_t id)
{
	int rc = 0;
	for (size_t i = 0; i < a->ndeps && !rc; i++)
		rc = done(pg_exec(db, "INSERT INTO art_deps(artifact, pkg, range) VALUES($1, $2, $3)",
				  PG_ARGS(pg_i64(id), pg_text(a->deps[i].pkg), pg_text(a->deps[i].range))));
	return rc;
}

static int put_kinds_items(struct db *db, const struct art_rows *a, int64_t id)
{
	int rc = 0;
	for (size_t k = 0; k < a->nkinds && !rc; k++)
		rc = done(pg_exec(db, "INSERT INTO kinds(artifact, idx, dir, key, named) VALUES($1, $2, $3, $4, $5)",
				  PG_ARGS(pg_i64(id), pg_i64((int64_t)k), pg_text(a->kinds[k].dir),
					  pg_text(a->kinds[k].key), pg_i64(a->kinds[k].named))));
	for (size_t i = 0; i < a->nitems && !rc; i++) {
		const struct art_rows_item *it = &a->items[i];
		if (!it->body)
			return -EIO; /* not rendered */
		rc = done(pg_exec(db,
				  "INSERT INTO items(artifact, idx, kind, file, name, body) VALUES($1, $2, $3, $4, $5, $6)",
				  PG_ARGS(pg_i64(id), pg_i64((int64_t)i), pg_i64((int64_t)it->kind), pg_text(it->file),
					  pg_text(it->name), pg_bytes(it->body, it->body_len))));
	}
	return rc;
}

static int put_defs(struct db *db, const struct art_rows *a, int64_t id)
{
	int rc = 0;
	for (size_t i = 0; i < a->nobjects && !rc; i++)
		rc = done(pg_exec(db, "INSERT INTO art_objects(artifact, name, item) VALUES($1, $2, $3)",
				  PG_ARGS(pg_i64(id), pg_text(a->objects[i].name), pg_i64((int64_t)a->objects[i].item))));
	for (size_t i = 0; i < a->nexts && !rc; i++)
		rc = done(pg_exec(db,
				  "INSERT INTO art_exts(artifact, seq, target, priority, item) VALUES($1, $2, $3, $4, $5)",
				  PG_ARGS(pg_i64(id), pg_i64((int64_t)i), pg_text(a->exts[i].name),
					  pg_f64(a->exts[i].priority), pg_i64((int64_t)a->exts[i].item))));
	for (size_t i = 0; i < a->nrefs && !rc; i++)
		rc = done(pg_exec(db, "INSERT INTO art_refs(artifact, target) VALUES($1, $2) ON CONFLICT DO NOTHING",
				  PG_ARGS(pg_i64(id), pg_text(a->refs[i]))));
	return rc;
}

int pg_artstore_put(struct db *db, const struct art_rows *a, int system, int64_t ts, int64_t *id)
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

int pg_artstore_ensure(struct db *db, const struct art_rows *a, int system, int64_t ts, int64_t *id)
{
	int rc = pg_artstore_find(db, a->xxh3, a->bytes, a->len, id);
	return rc == -ENOENT ? pg_artstore_put(db, a, system, ts, id) : rc;
}

int pg_artstore_gc(struct db *db, int64_t id)
{
	return done(pg_exec(db,
			    "DELETE FROM artifacts WHERE id=$1 AND NOT EXISTS(SELECT 1 FROM installs WHERE artifact=$1) "
			    "AND NOT EXISTS(SELECT 1 FROM catalog WHERE artifact=$1)",
			    PG_ARGS(pg_i64(id))));
}
