/* records: data/<object>/ folders (tables) and their records.  A table
 * exists while its object is registered or it holds records; records are
 * kept when their package goes. */
#ifndef OSFS_RECORDS_H
#define OSFS_RECORDS_H

#include <stdint.h>

#include "lib/buf.h"
#include "store/changes.h"
#include "store/db.h"

/* The table of object `name`, created if missing (*created says so). */
int records_table(struct db *db, int64_t tenant, const char *name, int64_t ts, int64_t *id, int *created);
/* Removes the table of `name` if it has no records and no registered
 * object; reports the removal in ch. */
int records_prune(struct db *db, int64_t tenant, const char *name, struct changes *ch);
/* The record with key in table tbl: its row id and body; -ENOENT if none. */
int records_get(struct db *db, int64_t tbl, const char *key, int64_t *id, struct buf *body);
/* Writes a record: a new row (so a new inode) replacing old_id if not 0. */
int records_put(struct db *db, int64_t tbl, const char *key, const char *body, size_t len, int64_t ts,
		int64_t old_id);
/* records_put for a seed: the row is marked as a seed's, until a user's
 * write replaces it (docs/install.md, "Seeds": a seed never overwrites a
 * record a user changed). */
int records_put_seed(struct db *db, int64_t tbl, const char *key, const char *body, size_t len, int64_t ts,
		     int64_t old_id);
/* 1 if record row id was written by a seed (records_put_seed) and not
 * changed since, 0 if a user wrote it, -ENOENT if it is gone. */
int records_seed_written(struct db *db, int64_t id);
/* Sets a record's mtime (utimens, a copy's time: cp -a, rsync -a, tar -x):
 * by row id, or by tbl and key when id is 0.  Not a change of its bytes:
 * the inode stays.  Inside a write transaction. */
int records_set_mtime(struct db *db, int64_t id, int64_t tbl, const char *key, int64_t mtime);
/* After a batch of puts: adds `added` to the count, sets the mtime. */
int records_table_done(struct db *db, int64_t tbl, int64_t added, int64_t ts);

/* Record writes through data/ (store/records_write.c; docs/records.md).
 * All inside the caller's write transaction. */

/* The table of tenant/object if it exists: its row id, or -ENOENT. */
int records_table_find(struct db *db, int64_t tenant, const char *object, int64_t *tbl);
/* The merged definition of object in tenant (objects/<name>.json) into
 * body (if not NULL): -ENOENT if no installed package registers it. */
int records_object_def(struct db *db, int64_t tenant, const char *object, struct buf *body);
/* 0 if tenant/object holds a record with that key (escaped, as stored),
 * -ENOENT if not. */
int records_exists(struct db *db, int64_t tenant, const char *object, const char *key);
/* The key of another record of tbl than `key` whose field holds the
 * string (num NULL) or number value; -ENOENT if none. */
int records_unique_holder(struct db *db, int64_t tbl, const char *key, const char *field, const char *str,
			  const double *num, struct buf *holder);
/* The tenant and object name of table tbl; -ENOENT if it is gone. */
int records_table_name(struct db *db, int64_t tbl, int64_t *tenant, struct buf *name);
/* The table and key (escaped) of record row id; -ENOENT if it is gone. */
int records_row(struct db *db, int64_t id, int64_t *tbl, struct buf *key);
/* The merged objects of tenant: fn(ctx, name, body, len) for each until
 * it returns non-zero (that value is returned). */
int records_objects_each(struct db *db, int64_t tenant,
			 int (*fn)(void *ctx, const char *name, const char *body, size_t len), void *ctx);
/* A record of tbl whose field holds a key or an array (of keys). */
struct record_hit {
	char *key;           /* the record's key (escaped, as stored) */
	int array;           /* value is a JSON array's text, else a string */
	char *value;
};
/* The records of tbl whose member `field` is a string or an array, for
 * the caller to match (*hits malloc'd; free with records_hits_free). */
int records_with_field(struct db *db, int64_t tbl, const char *field, struct record_hit **hits, size_t *n);
void records_hits_free(struct record_hit *hits, size_t n);
/* 0 if table tbl holds no record, -ENOTEMPTY if it does. */
int records_table_empty(struct db *db, int64_t tbl);
/* Deletes the record key of tbl (and its secrets) and counts it out:
 * -ENOENT if none. */
int records_delete(struct db *db, int64_t tbl, const char *key, int64_t ts);

/* Password and secret values, kept apart from the record's body, which
 * holds the mask in their place (store/sqlite/records_secrets.c;
 * docs/records.md "Passwords and secrets").  Keyed by table, record key
 * and field: they outlive the row of one version of the record (a new
 * inode per change) and go with the record (records_delete, a tenant's
 * removal).  Inside the caller's write transaction. */

/* The stored value of field of record key of tbl: -ENOENT if none. */
int records_secret_get(struct db *db, int64_t tbl, const char *key, const char *field, struct buf *value);
/* Stores it (replacing the one there). */
int records_secret_put(struct db *db, int64_t tbl, const char *key, const char *field, const char *value);
/* Forgets field's value of the record (every field's if field is NULL);
 * 0 whether or not one was stored. */
int records_secret_drop(struct db *db, int64_t tbl, const char *key, const char *field);

#endif
