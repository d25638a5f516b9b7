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

/* An artifact's rows go in batches, one statement each: the columns as
 * arrays (store/pg/arrays.c), unnest()ed by the server, cut at
 * PG_BATCH_ROWS rows or PG_BATCH_BYTES.  One round trip per row made an
 * artifact of 10,000 objects some 20,000 statements here alone
 * (docs/performance.md, "PostgreSQL installs"). */
struct cols {
	struct pg_array c[5];
	int n;
};

static void cols_init(struct cols *b, int n, const Oid *elem)
{
	static const struct {
		Oid elem, type;
	} arr[] = { { PG_INT8OID, PG_INT8ARRAYOID },
		    { PG_TEXTOID, PG_TEXTARRAYOID },
		    { PG_BYTEAOID, PG_BYTEAARRAYOID },
		    { PG_FLOAT8OID, PG_FLOAT8ARRAYOID } };
	b->n = n;
	for (int i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof(arr) / sizeof(arr[0]); k++)
			if (arr[k].elem == elem[i])
				pg_array_init(&b->c[i], arr[k].elem, arr[k].type);
}

/* 1 when the batch should be sent now (full), or at the end (last). */
static int cols_due(const struct cols *b, int last)
{
	size_t bytes = 0;
	for (int i = 0; i < b->n; i++)
		bytes += b->c[i].len;
	return b->c[0].n && (last || b->c[0].n >= PG_BATCH_ROWS || bytes >= PG_BATCH_BYTES);
}

static int cols_err(const struct cols *b)
{
	for (int i = 0; i < b->n; i++)
		if (b->c[i].err)
			return b->c[i].err;
	return 0;
}

static void cols_reset(struct cols *b)
{
	for (int i = 0; i < b->n; i++)
		pg_array_reset(&b->c[i]);
}

static void cols_free(struct cols *b)
{
	for (int i = 0; i < b->n; i++)
		pg_array_free(&b->c[i]);
}

static int put_deps(struct db *db, const struct art_rows *a, int64_t id)
{
	struct cols b;
	cols_init(&b, 2, (const Oid[]){ PG_TEXTOID, PG_TEXTOID });
	int rc = 0;
	for (size_t i = 0; i < a->ndeps && !rc; i++) {
		pg_array_text(&b.c[0], a->deps[i].pkg);
		pg_array_text(&b.c[1], a->deps[i].range);
		if (!(rc = cols_err(&b)) && cols_due(&b, i + 1 == a->ndeps)) {
			rc = done(pg_exec(db,
					  "INSERT INTO art_deps(artifact, pkg, range) "
					  "SELECT $1, u.pkg, u.range FROM unnest($2::text[], $3::text[]) AS u(pkg, range)",
					  PG_ARGS(pg_i64(id), pg_array_arg(&b.c[0]), pg_array_arg(&b.c[1]))));
			cols_reset(&b);
		}
	}
	cols_free(&b);
	return rc;
}

static int put_kinds(struct db *db, const struct art_rows *a, int64_t id)
{
	struct cols b;
	cols_init(&b, 3, (const Oid[]){ PG_TEXTOID, PG_TEXTOID, PG_INT8OID });
	int rc = 0;
	size_t from = 0;
	for (size_t k = 0; k < a->nkinds && !rc; k++) {
		pg_array_text(&b.c[0], a->kinds[k].dir);
		pg_array_text(&b.c[1], a->kinds[k].key);
		pg_array_i64(&b.c[2], a->kinds[k].named);
		if (!(rc = cols_err(&b)) && cols_due(&b, k + 1 == a->nkinds)) {
			rc = done(pg_exec(db,
					  "INSERT INTO kinds(artifact, idx, dir, key, named) "
					  "SELECT $1, $2 + u.n - 1, u.dir, u.key, u.named "
					  "FROM unnest($3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY AS u(dir, key, named, n)",
					  PG_ARGS(pg_i64(id), pg_i64((int64_t)from), pg_array_arg(&b.c[0]),
						  pg_array_arg(&b.c[1]), pg_array_arg(&b.c[2]))));
			cols_reset(&b);
			from = k + 1;
		}
	}
	cols_free(&b);
	return rc;
}

static int put_items(struct db *db, const struct art_rows *a, int64_t id)
{
	struct cols b;
	cols_init(&b, 4, (const Oid[]){ PG_INT8OID, PG_TEXTOID, PG_TEXTOID, PG_BYTEAOID });
	int rc = 0;
	size_t from = 0;
	for (size_t i = 0; i < a->nitems && !rc; i++) {
		const struct art_rows_item *it = &a->items[i];
		if (!it->body) {
			rc = -EIO; /* not rendered */
			break;
		}
		pg_array_i64(&b.c[0], (int64_t)it->kind);
		pg_array_text(&b.c[1], it->file);
		pg_array_text(&b.c[2], it->name);
		pg_array_bytes(&b.c[3], it->body, it->body_len);
		if (!(rc = cols_err(&b)) && cols_due(&b, i + 1 == a->nitems)) {
			rc = done(pg_exec(db,
					  "INSERT INTO items(artifact, idx, kind, file, name, body) "
					  "SELECT $1, $2 + u.n - 1, u.kind, u.file, u.name, u.body "
					  "FROM unnest($3::bigint[], $4::text[], $5::text[], $6::bytea[]) "
					  "WITH ORDINALITY AS u(kind, file, name, body, n)",
					  PG_ARGS(pg_i64(id), pg_i64((int64_t)from), pg_array_arg(&b.c[0]),
						  pg_array_arg(&b.c[1]), pg_array_arg(&b.c[2]), pg_array_arg(&b.c[3]))));
			cols_reset(&b);
			from = i + 1;
		}
	}
	cols_free(&b);
	return rc;
}

static int put_kinds_items(struct db *db, const struct art_rows *a, int64_t id)
{
	int rc = put_kinds(db, a, id);
	return rc ? rc : put_items(db, a, id);
}

static int put_objects(struct db *db, const struct art_rows *a, int64_t id)
{
	struct cols b;
	cols_init(&b, 2, (const Oid[]){ PG_TEXTOID, PG_INT8OID });
	int rc = 0;
	for (size_t i = 0; i < a->nobjects && !rc; i++) {
		pg_array_text(&b.c[0], a->objects[i].name);
		pg_array_i64(&b.c[1], (int64_t)a->objects[i].item);
		if (!(rc = cols_err(&b)) && cols_due(&b, i + 1 == a->nobjects)) {
			rc = done(pg_exec(db,
					  "INSERT INTO art_objects(artifact, name, item) "
					  "SELECT $1, u.name, u.item FROM unnest($2::text[], $3::bigint[]) AS u(name, item)",
					  PG_ARGS(pg_i64(id), pg_array_arg(&b.c[0]), pg_array_arg(&b.c[1]))));
			cols_reset(&b);
		}
	}
	cols_free(&b);
	return rc;
}

static int put_exts(struct db *db, const struct art_rows *a, int64_t id)
{
	struct cols b;
	cols_init(&b, 3, (const Oid[]){ PG_TEXTOID, PG_FLOAT8OID, PG_INT8OID });
	int rc = 0;
	size_t from = 0;
	for (size_t i = 0; i < a->nexts && !rc; i++) {
		pg_array_text(&b.c[0], a->exts[i].name);
		pg_array_f64(&b.c[1], a->exts[i].priority);
		pg_array_i64(&b.c[2], (int64_t)a->exts[i].item);
		if (!(rc = cols_err(&b)) && cols_due(&b, i + 1 == a->nexts)) {
			rc = done(pg_exec(db,
					  "INSERT INTO art_exts(artifact, seq, target, priority, item) "
					  "SELECT $1, $2 + u.n - 1, u.target, u.priority, u.item "
					  "FROM unnest($3::text[], $4::float8[], $5::bigint[]) "
					  "WITH ORDINALITY AS u(target, priority, item, n)",
					  PG_ARGS(pg_i64(id), pg_i64((int64_t)from), pg_array_arg(&b.c[0]),
						  pg_array_arg(&b.c[1]), pg_array_arg(&b.c[2]))));
			cols_reset(&b);
			from = i + 1;
		}
	}
	cols_free(&b);
	return rc;
}

static int put_refs(struct db *db, const struct art_rows *a, int64_t id)
{
	struct cols b;
	cols_init(&b, 1, (const Oid[]){ PG_TEXTOID });
	int rc = 0;
	for (size_t i = 0; i < a->nrefs && !rc; i++) {
		pg_array_text(&b.c[0], a->refs[i]);
		if (!(rc = cols_err(&b)) && cols_due(&b, i + 1 == a->nrefs)) {
			rc = done(pg_exec(db,
					  "INSERT INTO art_refs(artifact, target) SELECT $1, u.target "
					  "FROM unnest($2::text[]) AS u(target) ON CONFLICT DO NOTHING",
					  PG_ARGS(pg_i64(id), pg_array_arg(&b.c[0]))));
			cols_reset(&b);
		}
	}
	cols_free(&b);
	return rc;
}

static int put_defs(struct db *db, const struct art_rows *a, int64_t id)
{
	int rc = put_objects(db, a, id);
	if (!rc)
		rc = put_exts(db, a, id);
	if (!rc)
		rc = put_refs(db, a, id);
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
