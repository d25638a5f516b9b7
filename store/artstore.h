/* artstore: artifacts in the store, each stored once with its rendered
 * files (manifest.json, one body per item) however many tenants install
 * it.  Identity is the bytes: equal hashes are confirmed byte by byte, as
 * XXH3 is no defence against a crafted collision. */
#ifndef OSFS_ARTSTORE_H
#define OSFS_ARTSTORE_H

#include <stdint.h>

#include "catalog/artifact.h"
#include "store/db.h"

/* The id of a stored artifact with exactly these bytes, or -ENOENT. */
int artstore_find(struct db *db, const struct artifact *a, int64_t *id);
/* Stores a (rendered with artifact_render()).  Inside a write transaction. */
int artstore_put(struct db *db, const struct artifact *a, int system, int64_t ts, int64_t *id);
/* The stored artifact with these bytes (artstore_find), stored now
 * (artstore_put) if it is not yet. */
int artstore_ensure(struct db *db, const struct artifact *a, int system, int64_t ts, int64_t *id);
/* Deletes the artifact if no install uses it any more. */
int artstore_gc(struct db *db, int64_t id);

#endif
