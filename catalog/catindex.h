/* catindex: the JSON indexes of a catalog (docs/catalog.md): reading them
 * strictly, and writing them for osfsctl publish.  Names from an index are
 * checked before they become part of a URL or a store row. */
#ifndef OSFS_CATINDEX_H
#define OSFS_CATINDEX_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "catalog/artifact.h"
#include "lib/buf.h"

#define CATINDEX_FORMAT "osfs-catalog/1"

struct catindex_entry {
	const char *version;  /* strict SemVer 2.0.0 */
	const char *file;     /* relative to the package's folder: no '/', no leading '.' */
	uint64_t size;
	uint64_t xxh3;
	const cJSON *deps;    /* the "dependencies" object, or NULL */
};

/* Parses an index (root or package), checking its "format".  Returns the
 * tree, or NULL with a sentence in err. */
cJSON *catindex_parse(const char *json, size_t len, char *err, size_t errlen);

/* A new, empty package index for id. */
cJSON *catindex_pkg_new(const char *id);
/* Adds (or replaces) a's version in a package index. */
int catindex_pkg_add(cJSON *pkg, const struct artifact *a, const char *published);
/* Calls fn for every valid version of a package index (in the index's
 * order); returns -EINVAL with err set at the first malformed one, or the
 * first non-zero value of fn. */
int catindex_pkg_each(const cJSON *pkg, int (*fn)(void *ctx, const struct catindex_entry *e), void *ctx, char *err,
		      size_t errlen);
/* The entry of version v, or -ENOENT. */
int catindex_pkg_find(const cJSON *pkg, const char *v, struct catindex_entry *e);

/* A new, empty root index. */
cJSON *catindex_root_new(void);
/* Sets the root's line for a package index: its versions (ascending) and
 * latest (the highest that is not a prerelease, if any). */
int catindex_root_update(cJSON *root, const cJSON *pkg);
/* Calls fn for every package id of a root index that is a valid id. */
int catindex_root_each(const cJSON *root, int (*fn)(void *ctx, const char *id), void *ctx);

/* 16 lower-case hex digits, and back (-EINVAL if malformed). */
void catindex_hex(uint64_t h, char out[17]);
int catindex_unhex(const char *s, uint64_t *h);

#endif
