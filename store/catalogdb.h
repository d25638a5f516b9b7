/* catalogdb: the catalog's entries (MOUNT/catalog/<id>/<version>.json):
 * local, preloaded and remote ones, and the HTTP cache of a remote
 * catalog's indexes. */
#ifndef OSFS_CATALOGDB_H
#define OSFS_CATALOGDB_H

#include <stdint.h>

#include "lib/buf.h"
#include "store/changes.h"
#include "store/db.h"
#include "store/limits.h"

struct catalog_row {
	int64_t id;
	char pkg[STORE_PKG_MAX + 1];
	char version[STORE_VERSION_MAX + 1];
	uint64_t size, xxh3;
	int64_t artifact;   /* 0: not downloaded yet (remote) */
	char origin[16];    /* "local", "preload", "remote" */
	char url[2048];
};

int catdb_get(struct db *db, const char *pkg, const char *version, struct catalog_row *out);
int catdb_by_id(struct db *db, int64_t id, struct catalog_row *out);
/* A new entry (its package folder created if needed).  -EEXIST if that
 * version is there. */
int catdb_add(struct db *db, const struct catalog_row *row, int64_t ts, struct changes *ch);
/* What a remote index says of a version: added if new; updated if known,
 * not downloaded, and listed with other bytes. */
int catdb_remote(struct db *db, const struct catalog_row *row, int64_t ts, struct changes *ch);
int catdb_set_artifact(struct db *db, int64_t id, int64_t artifact);
/* Removes an entry; its package's folder stays (until catdb_remove_dir). */
int catdb_remove(struct db *db, const struct catalog_row *row, int64_t ts, struct changes *ch);
/* The package of catalog folder dir. */
int catdb_pkg_of(struct db *db, int64_t dir, char *pkg, size_t len);
/* rmdir catalog/<pkg>: -ENOTEMPTY while it holds versions. */
int catdb_remove_dir(struct db *db, const char *pkg, int64_t ts, struct changes *ch);
/* The tenants where pkg@version is installed, ", "-separated into out;
 * returns how many. */
int catdb_installed_in(struct db *db, const char *pkg, const char *version, char *out, size_t len);
/* Calls fn(version, ctx) for each version of pkg in the catalog, in no
 * particular order, until fn returns non-zero; returns that value, 0, or
 * -errno.  (catalog_best() in catalog/catalog.h chooses among them.) */
int catdb_each_version(struct db *db, const char *pkg, int (*fn)(const char *version, void *ctx), void *ctx);
/* The cached body and ETag of a URL; -ENOENT if never fetched. */
int catdb_http_get(struct db *db, const char *url, char *etag, size_t etaglen, struct buf *body);
int catdb_http_put(struct db *db, const char *url, const char *etag, const void *body, size_t len, int64_t ts);

#endif
