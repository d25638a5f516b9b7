/* catalog: MOUNT/catalog/ (docs/catalog.md): local additions and
 * removals, the preloaded artifacts, and a remote catalog's indexes and
 * downloads.  Each change is one transaction; changes to the tree are
 * reported in the report's changes, its problems in the report's diag. */
#ifndef OSFS_CATALOG_H
#define OSFS_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/artifact.h"
#include "catalog/install.h"

/* cp X.json MOUNT/catalog/: checks 1-5 and structure, then adds it; the
 * identical id@version is a success that changes nothing, other bytes
 * for an id@version already there are -EEXIST. */
int catalog_add(struct store *st, const char *bytes, size_t len, size_t max, const char *source,
		struct install_report *r);
/* rm MOUNT/catalog/<pkg>/<version>.json. */
int catalog_remove(struct store *st, const char *pkg, const char *version, struct install_report *r);
/* rmdir MOUNT/catalog/<pkg> (empty). */
int catalog_remove_dir(struct store *st, const char *pkg, struct install_report *r);
/* Records a (installed by a preload) in the catalog, inside the
 * preload's transaction. */
int catalog_note_preload(struct db *db, struct artifact *a, int64_t ts, struct changes *ch);

/* What a remote catalog may cost (docs/security.md, "Catalog servers"):
 * the options -o catalog_max_index, catalog_max_packages, catalog_stall.
 * A NULL limits pointer means the defaults. */
struct catalog_limits {
	size_t max_index;            /* bytes of one index (decoded) */
	size_t max_packages;         /* packages of the root index */
	long stall;                  /* seconds under 1 KiB/s that abort a transfer */
	const volatile int *cancel;  /* non-zero: stop every transfer (unmount) */
};

#define CATALOG_MAX_INDEX ((size_t)16 << 20)
#define CATALOG_MAX_PACKAGES ((size_t)10000)
#define CATALOG_STALL 30L

/* Fetches the remote catalog at base: the root index and every package's
 * index (revalidated with their ETags), recording their versions.  When
 * the server cannot be reached the indexes cached from last time are used
 * (a warning in r->diag).  An index over the limits is refused (an error
 * in r->diag naming the limit).  Returns 0 or -errno. */
int catalog_sync(struct store *st, const char *base, const struct catalog_limits *lim, struct install_report *r);
/* 1 if the root index of base was fetched before (and is cached). */
int catalog_cached(struct store *st, const char *base);
/* Downloads the bytes of remote catalog entry id, checks their size and
 * hash and the artifact itself, and caches them in the store.  Nothing
 * larger than the index's size or max is kept: the transfer stops at the
 * first byte over.  Returns 0 once the bytes are in the store, or -errno
 * with the reason in r->diag. */
int catalog_fetch(struct store *st, int64_t id, size_t max, const struct catalog_limits *lim,
		  struct install_report *r);

/* The highest version of pkg in the catalog inside range and above
 * `above` (either may be NULL), into out; -ENOENT if none.  Above a
 * release, prereleases do not count: they are not updates. */
int catalog_best(struct db *db, const char *pkg, const struct semver_range *range, const struct semver *above,
		 char *out, size_t len);
/* catalog_best(pkg, any, above): the update the catalog offers. */
int catalog_newer(struct db *db, const char *pkg, const char *above, char *out, size_t len);

#endif
