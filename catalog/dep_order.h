/* dep_order: the order in which a set of artifacts can be installed
 * together, each after the ones of the set it depends on, whatever their
 * file names (preload at mount, osfsctl restore). */
#ifndef OSFS_DEP_ORDER_H
#define OSFS_DEP_ORDER_H

#include <stddef.h>

#include "catalog/artifact.h"
#include "catalog/diag.h"

/* Fills order[0..n) with the indices of a[] in an install order: each
 * artifact after those of the set it depends on, in the given order
 * otherwise.  A dependency on a package outside the set is left to the
 * install's checks.  Returns 0, or -ENOPKG when some depend on each other
 * in a cycle: then d says "<what>: these packages depend on each other in
 * a cycle: id (label), ...". */
int dep_order(const struct artifact *const *a, const char *const *labels, size_t n, size_t *order, const char *what,
	      struct diag *d);

#endif
