/* records_write: the SQL of record writes through data/ (docs/records.md).
 * Every query is a lookup on an index (tests/integration/plans.sh). */
#include "store/records.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

int sq_records_table_find(struct db *db, int64_t tenant, const char *object, int64_t *tbl)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM tables WHERE tenant=?1 AND name=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, object);
	int rc = db_step(db, st);
	if (rc > 0)
		*tbl = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int sq_records_object_def(struct db *db, int64_t tenant, const char *object, struct buf *body)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT body FROM registry WHERE tenant=?1 AND name=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, object);
	int rc = db_step(db, st);
	if (rc > 0 && body) {
		const void *p = sqlite3_column_blob(st, 0);
		buf_add(body, p ? p : "", (size_t)sqlite3_column_bytes(st, 0));
		if (buf_error(body))
			rc = -ENOMEM;
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int sq_records_exists(struct db *db, int64_t tenant, const char *object, const char *key)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM tables b JOIN records r ON r.tbl=b.id AND r.key=?3 "
				       "WHERE b.tenant=?1 AND b.name=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, object);
	db_bind_text(st, 3, key);
	int rc = db_step(db, st);
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

/* The values of field in tbl's records are indexed (record_keys, kept by
 * triggers: store/sqlite/schema.c) from the first unique check of that
 * field on; this check reads the records once. */
static int unique_index(struct db *db, int64_t tbl, const char *field, const char *path)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT OR IGNORE INTO unique_fields(tbl, field) VALUES(?1, ?2)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	db_bind_text(st, 2, field);
	int rc = db_exec_stmt(db, st);
	if (rc || sqlite3_changes(db->conn) == 0)
		return rc;
	st = db_stmt(db, "INSERT OR IGNORE INTO record_keys(tbl, field, value, key) "
			 "SELECT tbl, ?2, json_extract(CAST(body AS TEXT), ?3), key FROM records WHERE tbl=?1 AND "
			 "json_valid(CAST(body AS TEXT)) AND json_type(CAST(body AS TEXT), ?3) IN ('text', 'integer', 'real')");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	db_bind_text(st, 2, field);
	db_bind_text(st, 3, path);
	return db_exec_stmt(db, st);
}

/* A lookup on record_keys. */
int sq_records_unique_holder(struct db *db, int64_t tbl, const char *key, const char *field, const char *str,
			  const double *num, struct buf *holder)
{
	char path[300];
	if (snprintf(path, sizeof(path), "$.\"%s\"", field) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int rc = unique_index(db, tbl, field, path);
	if (rc)
		return rc;
	sqlite3_stmt *st = db_stmt(db, "SELECT key FROM record_keys WHERE tbl=?1 AND field=?3 AND value=?4 AND key<>?2 "
				       "LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	db_bind_text(st, 2, key);
	db_bind_text(st, 3, field);
	if (num)
		sqlite3_bind_double(st, 4, *num);
	else
		db_bind_text(st, 4, str);
	rc = db_step(db, st);
	if (rc > 0 && holder) {
		buf_adds(holder, (const char *)sqlite3_column_text(st, 0));
		if (buf_error(holder))
			rc = -ENOMEM;
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int sq_records_delete(struct db *db, int64_t tbl, const char *key, int64_t ts)
{
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM records WHERE tbl=?1 AND key=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	db_bind_text(st, 2, key);
	int rc = db_exec_stmt(db, st);
	if (rc < 0)
		return rc;
	if (sqlite3_changes(db->conn) == 0)
		return -ENOENT;
	if ((rc = sq_records_secret_drop(db, tbl, key, NULL)) < 0)
		return rc;
	return sq_records_table_done(db, tbl, -1, ts);
}

int sq_records_table_name(struct db *db, int64_t tbl, int64_t *tenant, struct buf *name)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT tenant, name FROM tables WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	int rc = db_step(db, st);
	if (rc > 0) {
		*tenant = sqlite3_column_int64(st, 0);
		if (buf_adds(name, (const char *)sqlite3_column_text(st, 1)) < 0)
			rc = -ENOMEM;
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int sq_records_row(struct db *db, int64_t id, int64_t *tbl, struct buf *key)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT tbl, key FROM records WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	int rc = db_step(db, st);
	if (rc > 0) {
		*tbl = sqlite3_column_int64(st, 0);
		if (buf_adds(key, (const char *)sqlite3_column_text(st, 1)) < 0)
			rc = -ENOMEM;
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int sq_records_objects_each(struct db *db, int64_t tenant,
			 int (*fn)(void *ctx, const char *name, const char *body, size_t len), void *ctx)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT name, body FROM registry WHERE tenant=?1 ORDER BY name");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	int rc;
	while ((rc = db_step(db, st)) > 0) {
		const char *body = sqlite3_column_blob(st, 1);
		rc = fn(ctx, (const char *)sqlite3_column_text(st, 0), body ? body : "",
			(size_t)sqlite3_column_bytes(st, 1));
		if (rc)
			break;
	}
	sqlite3_reset(st);
	return rc;
}

/* Collected before the caller changes any record: it may delete and
 * write records of the same table (and reuse this statement, cascading). */
int sq_records_with_field(struct db *db, int64_t tbl, const char *field, struct record_hit **hits, size_t *n)
{
	char path[300];
	if (snprintf(path, sizeof(path), "$.\"%s\"", field) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	sqlite3_stmt *st = db_stmt(db, "SELECT key, json_type(CAST(body AS TEXT), ?2), json_extract(CAST(body AS TEXT), ?2) "
				       "FROM records WHERE tbl=?1 AND json_valid(CAST(body AS TEXT)) AND "
				       "json_type(CAST(body AS TEXT), ?2) IN ('text', 'array')");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	db_bind_text(st, 2, path);
	size_t cap = 0;
	int rc;
	*hits = NULL;
	*n = 0;
	while ((rc = db_step(db, st)) > 0) {
		if (*n == cap) {
			size_t c = cap ? cap * 2 : 8;
			struct record_hit *v = realloc(*hits, c * sizeof(*v));
			if (!v) {
				rc = -ENOMEM;
				break;
			}
			*hits = v, cap = c;
		}
		struct record_hit *h = &(*hits)[*n];
		h->key = strdup((const char *)sqlite3_column_text(st, 0));
		h->array = !strcmp((const char *)sqlite3_column_text(st, 1), "array");
		h->value = strdup((const char *)sqlite3_column_text(st, 2));
		(*n)++;
		if (!h->key || !h->value) {
			rc = -ENOMEM;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc < 0) {
		records_hits_free(*hits, *n);
		*hits = NULL;
		*n = 0;
	}
	return rc;
}

int sq_records_table_empty(struct db *db, int64_t tbl)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT nrecords FROM tables WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tbl);
	int rc = db_step(db, st);
	int64_t n = rc > 0 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc < 0 ? rc : rc == 0 ? -ENOENT : n ? -ENOTEMPTY : 0;
}
