/* fsck: the store's integrity and invariants. */
#ifndef OSFS_FSCK_H
#define OSFS_FSCK_H

#include "store/db.h"

typedef void (*fsck_report_fn)(void *ctx, const char *check, const char *problem);

/* Runs every check; calls report once per problem.  Returns the number of
 * problems, or -errno if the store could not be read. */
int store_fsck(struct store *st, fsck_report_fn report, void *ctx);

#endif
