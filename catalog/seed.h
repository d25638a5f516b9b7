/* seed: writes an artifact's seed datasets ("data") into a tenant's
 * records, on the package's first install in that tenant only (SPEC 4,
 * 5: not on an upgrade, nor on a reinstall after an uninstall;
 * docs/install.md, "Seeds").
 *
 * Modes, for a record whose key is already there: insert fails the
 * install (EEXIST); update and upsert merge the seed's fields over the
 * record, replace writes the seed record as it is, but only over a record
 * as a seed wrote it: one a user changed is kept; ignore keeps the record.
 * For a new key, update skips it and every other mode inserts it.  Records
 * of one dataset apply in order, so a later duplicate sees the earlier one.
 */
#ifndef OSFS_SEED_H
#define OSFS_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/artifact.h"
#include "catalog/diag.h"
#include "store/changes.h"
#include "store/db.h"

struct seed_counts {
	size_t inserted, updated, skipped;
	size_t kept;         /* there, changed by a user: kept */
};

/* Inside the install's write transaction.  Record i gets mtime ts + i.
 * Returns 0, or -errno (with a problem in d for EEXIST). */
int seed_apply(struct db *db, int64_t tenant, const struct artifact *a, int64_t ts, struct diag *d,
	       struct changes *ch, struct seed_counts *n);

#endif
