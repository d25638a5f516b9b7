/* artstore: artifacts in the store, each stored once with its rendered
 * files (manifest.json, one body per item) however many tenants install
 * it.  Identity is the bytes: equal hashes are confirmed byte by byte, as
 * XXH3 is no defence against a crafted collision.
 *
 * The store knows an artifact only as the rows it keeps of it (struct
 * art_rows, every pointer borrowed); catalog/artifact_rows.c builds them
 * from a parsed artifact. */
#ifndef OSFS_ARTSTORE_H
#define OSFS_ARTSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

struct art_rows_dep {
	const char *pkg, *range;
};

/* A folder of the package directory (kinds row). */
struct art_rows_kind {
	const char *dir, *key;
	int named;
};

/* One rendered file of a kind folder (items row). */
struct art_rows_item {
	size_t kind;        /* index into kinds */
	const char *file, *name;
	const char *body;   /* NULL: not rendered (artstore_put: -EIO) */
	size_t body_len;
};

/* An object (art_objects row) or an extension (art_exts row). */
struct art_rows_def {
	const char *name;   /* the object's name, or the extension's target */
	double priority;    /* extensions only */
	size_t item;        /* its index in items */
};

struct art_rows {
	const char *bytes;  /* the artifact as written */
	size_t len;
	uint64_t xxh3;
	const char *pkg, *version, *ns;
	const char *manifest; /* rendered manifest.json; NULL: not rendered */
	size_t manifest_len;
	const struct art_rows_dep *deps;
	size_t ndeps;
	const struct art_rows_kind *kinds;
	size_t nkinds;
	const struct art_rows_item *items;
	size_t nitems;
	const struct art_rows_def *objects, *exts;
	size_t nobjects, nexts;
	/* Every object the artifact's objects and extensions refer to
	 * (lookups, master_detail, extension targets); repeats allowed. */
	const char *const *refs;
	size_t nrefs;
};

/* The id of a stored artifact with exactly these bytes, or -ENOENT. */
int artstore_find(struct db *db, uint64_t xxh3, const char *bytes, size_t len, int64_t *id);
/* Stores r; -EINVAL if it is not rendered.  Inside a write transaction. */
int artstore_put(struct db *db, const struct art_rows *r, int system, int64_t ts, int64_t *id);
/* The stored artifact with these bytes (artstore_find), stored now
 * (artstore_put) if it is not yet. */
int artstore_ensure(struct db *db, const struct art_rows *r, int system, int64_t ts, int64_t *id);
/* Deletes the artifact if no install uses it any more. */
int artstore_gc(struct db *db, int64_t id);

#endif
