/* record_delete: deleting a record and following the deleteBehavior of
 * the fields that point at it (catalog/record_delete.c). */
#ifndef OSFS_RECORD_DELETE_H
#define OSFS_RECORD_DELETE_H

#include <stdint.h>

#include "catalog/install.h"
#include "store/tenants.h"

/* Deletes record stem (key unescaped) of object, inside the caller's
 * write transaction: -ENOENT if there is none, -EBUSY (with the
 * referrers in r->diag) if a restrict field points at it.  cascade_from
 * names the record whose deletion cascades here (NULL at the top). */
int record_delete_tx(struct db *db, const struct tenant_row *t, const char *object, const char *stem, const char *key,
		     int64_t ts, struct install_report *r, int depth, const char *cascade_from);

#endif
