/* artifact_rows: a parsed artifact as the rows the store keeps of it
 * (store/artstore.h), so that store/ needs no catalog type. */
#ifndef OSFS_ARTIFACT_ROWS_H
#define OSFS_ARTIFACT_ROWS_H

#include <stdint.h>

#include "catalog/artifact.h"
#include "store/artstore.h"

/* Fills r from a (every string borrowed from a, which must outlive r); an
 * artifact not rendered gives rows without files, which artstore_put()
 * refuses.  Returns 0 or -ENOMEM; free r with artifact_rows_free(). */
int artifact_rows(const struct artifact *a, struct art_rows *r);
void artifact_rows_free(struct art_rows *r);

/* artstore_find() of a's bytes. */
int artifact_find_stored(struct db *db, const struct artifact *a, int64_t *id);
/* artstore_ensure() of a: the stored artifact with a's bytes, stored now
 * if it is not yet (a must be rendered then). */
int artifact_ensure_stored(struct db *db, const struct artifact *a, int system, int64_t ts, int64_t *id);

#endif
