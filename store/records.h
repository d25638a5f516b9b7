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
/* After a batch of puts: adds `added` to the count, sets the mtime. */
int records_table_done(struct db *db, int64_t tbl, int64_t added, int64_t ts);

#endif
