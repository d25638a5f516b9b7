/* preload: installing a machine's artifacts at mount time (SPEC 7). */
#ifndef OSFS_PRELOAD_H
#define OSFS_PRELOAD_H

#include <stddef.h>

#include "catalog/install.h"

typedef void (*preload_progress_fn)(void *ctx, size_t done, size_t total, const char *id);

/* Installs every artifact of paths (':'-separated files and folders of
 * *.json) into tenant (created if missing, owned by the daemon's user) in
 * one transaction.  Returns 0, or -errno with every problem in r->diag
 * and the store unchanged. */
int install_preload(struct store *st, const char *paths, const char *tenant, size_t max, preload_progress_fn progress,
		    void *ctx, struct install_report *r);

#endif
