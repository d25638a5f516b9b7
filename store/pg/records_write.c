/* records_write: the SQL of record writes through data/ (docs/records.md)
 * on PostgreSQL, as store/sqlite/records_write.c.
 *
 * SQLite reads a record's body with json_valid/json_extract; here
 * json_of(body) (store/pg/schema.c) gives the body as jsonb, or NULL for a
 * body that is not UTF-8 JSON, as json_valid() skips it.  One field of a
 * body compares as json_extract does: a string to a string, a number to a
 * number (booleans hold no unique value, as on SQLite's record_keys).  Two
 * differences, neither reachable
 * through data/ (a record is written only as a valid JSON object): when a
 * body repeats a member, jsonb keeps its last value where json_extract
 * takes the first; and the text of an array value (records_with_field) is
 * jsonb's, `["a", "b"]`, where SQLite writes `["a","b"]`: the callers parse
 * it (names_key()), so both read the same.  Two more, reachable only by a
 * hostile record: a body whose bytes are not UTF-8 is not JSON here (SQLite
 * reads such strings raw), so its fields hold no unique value and name no
 * record; and a number beyond a double's range holds no unique value
 * (SQLite indexes it as an infinity).  Unique values are those of
 * record_keys (schema version 5): strings and numbers, as on SQLite. */
#include "store/records.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/pg.h"

/* 0 if r has a row, -ENOENT if not; frees r. */
static int any_row(PGresult *r)
{
	int n = PQntuples(r);
	PQclear(r);
	return n > 0 ? 0 : -ENOENT;
}

int pg_records_table_find(struct db *db, int64_t tenant, const char *object, int64_t *tbl)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT id FROM tables WHERE tenant=$1 AND name=$2",
			  PG_ARGS(pg_i64(tenant), pg_text(object)), &r);
	if (rc)
		return rc;
	if (PQntuples(r) > 0)
		*tbl = pg_get_i64(r, 0, 0);
	return any_row(r);
}

int pg_records_object_def(struct db *db, int64_t tenant, const char *object, struct buf *body)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT body FROM registry WHERE tenant=$1 AND name=$2",
			  PG_ARGS(pg_i64(tenant), pg_text(object)), &r);
	if (rc)
		return rc;
	if (PQntuples(r) > 0 && body) {
		size_t n;
		const void *p = pg_get_bytes(r, 0, 0, &n);
		if (buf_add(body, p ? p : "", n) < 0 || buf_error(body)) {
			PQclear(r);
			return -ENOMEM;
		}
	}
	return any_row(r);
}

int pg_records_exists(struct db *db, int64_t tenant, const char *object, const char *key)
{
	PGresult *r;
	int rc = pg_query(db,
			  "SELECT 1 FROM tables b JOIN records r ON r.tbl=b.id AND r.key=$3 "
			  "WHERE b.tenant=$1 AND b.name=$2",
			  PG_ARGS(pg_i64(tenant), pg_text(object), pg_text(key)), &r);
	return rc ? rc : any_row(r);
}

/* The values of field in tbl's records are indexed (record_keys, kept by
 * the triggers of store/pg/schema.c) from the first unique check of that
 * field on; that check reads the records once.  Another daemon's first
 * check waits on this one's unique_fields row, then finds it. */
static int unique_index(struct db *db, int64_t tbl, const char *field)
{
	int n = pg_exec(db, "INSERT INTO unique_fields(tbl, field) VALUES($1, $2) ON CONFLICT DO NOTHING",
			PG_ARGS(pg_i64(tbl), pg_text(field)));
	if (n <= 0)
		return n;
	n = pg_exec(db,
		    "INSERT INTO record_keys(tbl, field, value, key) SELECT tbl, $2::text, v, key FROM "
		    "(SELECT tbl, key, unique_value(json_of(body) -> $2::text) AS v FROM records WHERE tbl=$1) r "
		    "WHERE v IS NOT NULL ON CONFLICT DO NOTHING",
		    PG_ARGS(pg_i64(tbl), pg_text(field)));
	return n < 0 ? n : 0;
}

/* A lookup on record_keys: the first holder in key order, as SQLite's
 * walk of record_keys' primary key gives it.  A number is compared as
 * the double it is (unique_value(), store/pg/schema.c); one that is not
 * finite matches nothing. */
int pg_records_unique_holder(struct db *db, int64_t tbl, const char *key, const char *field, const char *str,
			     const double *num, struct buf *holder)
{
	if (strlen(field) > 295) /* SQLite's path "$.\"field\"" fits 300 bytes */
		return -ENAMETOOLONG;
	int rc = unique_index(db, tbl, field);
	if (rc)
		return rc;
	PGresult *r;
	if (num) {
		if (!isfinite(*num))
			return -ENOENT;
		/* %.17g gives back the same double. */
		char v[40];
		snprintf(v, sizeof(v), "%.17g", *num);
		rc = pg_query(db,
			      "SELECT key FROM record_keys WHERE tbl=$1 AND field=$3 "
			      "AND value=unique_value(to_jsonb($4::float8)) AND key<>$2 ORDER BY key LIMIT 1",
			      PG_ARGS(pg_i64(tbl), pg_text(key), pg_text(field), pg_text(v)), &r);
	} else {
		rc = pg_query(db,
			      "SELECT key FROM record_keys WHERE tbl=$1 AND field=$3 AND value=to_jsonb($4::text) "
			      "AND key<>$2 ORDER BY key LIMIT 1",
			      PG_ARGS(pg_i64(tbl), pg_text(key), pg_text(field), pg_text(str)), &r);
	}
	if (rc)
		return rc;
	if (PQntuples(r) > 0 && holder && buf_adds(holder, pg_get_text(r, 0, 0)) < 0) {
		PQclear(r);
		return -ENOMEM;
	}
	return any_row(r);
}

int pg_records_delete(struct db *db, int64_t tbl, const char *key, int64_t ts)
{
	int n = pg_exec(db, "DELETE FROM records WHERE tbl=$1 AND key=$2", PG_ARGS(pg_i64(tbl), pg_text(key)));
	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	if ((n = pg_records_secret_drop(db, tbl, key, NULL)) < 0)
		return n;
	return pg_records_table_done(db, tbl, -1, ts);
}

int pg_records_table_name(struct db *db, int64_t tbl, int64_t *tenant, struct buf *name)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT tenant, name FROM tables WHERE id=$1", PG_ARGS(pg_i64(tbl)), &r);
	if (rc)
		return rc;
	if (PQntuples(r) > 0) {
		*tenant = pg_get_i64(r, 0, 0);
		if (buf_adds(name, pg_get_text(r, 0, 1)) < 0) {
			PQclear(r);
			return -ENOMEM;
		}
	}
	return any_row(r);
}

int pg_records_row(struct db *db, int64_t id, int64_t *tbl, struct buf *key)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT tbl, key FROM records WHERE id=$1", PG_ARGS(pg_i64(id)), &r);
	if (rc)
		return rc;
	if (PQntuples(r) > 0) {
		*tbl = pg_get_i64(r, 0, 0);
		if (buf_adds(key, pg_get_text(r, 0, 1)) < 0) {
			PQclear(r);
			return -ENOMEM;
		}
	}
	return any_row(r);
}

int pg_records_objects_each(struct db *db, int64_t tenant,
			    int (*fn)(void *ctx, const char *name, const char *body, size_t len), void *ctx)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT name, body FROM registry WHERE tenant=$1 ORDER BY name", PG_ARGS(pg_i64(tenant)),
			  &r);
	if (rc)
		return rc;
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		size_t n;
		const char *body = pg_get_bytes(r, i, 1, &n);
		rc = fn(ctx, pg_get_text(r, i, 0), body ? body : "", n);
	}
	PQclear(r);
	return rc;
}

/* The whole result is read before the caller changes any record (it may
 * delete and write records of the same table, cascading).  In id order,
 * as SQLite's walk of the index records_tbl. */
int pg_records_with_field(struct db *db, int64_t tbl, const char *field, struct record_hit **hits, size_t *n)
{
	*hits = NULL;
	*n = 0;
	if (strlen(field) > 295)
		return -ENAMETOOLONG;
	PGresult *r;
	int rc = pg_query(db,
			  "SELECT key, jsonb_typeof(v), CASE jsonb_typeof(v) WHEN 'string' THEN v #>> '{}' "
			  "ELSE v::text END FROM (SELECT id, key, json_of(body) -> $2::text AS v FROM records "
			  "WHERE tbl=$1) r WHERE jsonb_typeof(v) IN ('string', 'array') ORDER BY id",
			  PG_ARGS(pg_i64(tbl), pg_text(field)), &r);
	if (rc)
		return rc;
	int rows = PQntuples(r);
	if (rows > 0 && !(*hits = calloc((size_t)rows, sizeof(**hits))))
		rc = -ENOMEM;
	for (int i = 0; i < rows && rc == 0; i++) {
		struct record_hit *h = &(*hits)[i];
		h->key = strdup(pg_get_text(r, i, 0));
		h->array = !strcmp(pg_get_text(r, i, 1), "array");
		h->value = strdup(pg_get_text(r, i, 2));
		*n = (size_t)i + 1;
		if (!h->key || !h->value)
			rc = -ENOMEM;
	}
	PQclear(r);
	if (rc < 0) {
		records_hits_free(*hits, *n);
		*hits = NULL;
		*n = 0;
	}
	return rc;
}

int pg_records_table_empty(struct db *db, int64_t tbl)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT nrecords FROM tables WHERE id=$1", PG_ARGS(pg_i64(tbl)), &r);
	if (rc)
		return rc;
	int64_t n = PQntuples(r) > 0 ? pg_get_i64(r, 0, 0) : -1;
	PQclear(r);
	return n < 0 ? -ENOENT : n ? -ENOTEMPTY : 0;
}
