/* backend: what every engine of the store provides, for the files of
 * store/ only (callers above see the public headers).
 *
 * One table of function pointers per engine, generated from
 * store/ops.def and chosen once, by store_open(), from the store string:
 * one binary serves both engines, and an engine that lacks an operation
 * fails to link rather than at run time.  Every engine's struct store and
 * struct db begin with a struct store_hdr, so store/dispatch.c finds the
 * table from either.  See docs/scale-out.md, "The store interface".
 */
#ifndef OSFS_STORE_BACKEND_H
#define OSFS_STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/artstore.h"
#include "store/catalogdb.h"
#include "store/db.h"
#include "store/fsck.h"
#include "store/installs.h"
#include "store/log.h"
#include "store/records.h"
#include "store/registry.h"
#include "store/tenants.h"
#include "store/tree.h"
#include "store/watch.h"

struct store_backend {
	const char *name; /* "sqlite", "postgresql" */
#define OP(ret, op, params, args) ret(*op) params;
#define VOP(op, params, args) void(*op) params;
#include "store/ops.def"
#undef OP
#undef VOP
};

/* The first member of every engine's struct store and struct db. */
struct store_hdr {
	const struct store_backend *be;
};

/* The SQLite engine (store/sqlite/). */
extern const struct store_backend sq_backend;
int sq_store_open(struct store **out, const char *path, int readonly, char *err, size_t errlen);
const char *sq_engine_version(void);
int sq_store_backup(const char *src, const char *dst, char *err, size_t errlen);

/* The PostgreSQL engine (store/pg/). */
extern const struct store_backend pg_backend;
int pg_store_open_with(struct store **out, const char *where, const char *passfile, int readonly, char *err,
		       size_t errlen);
const char *pg_store_engine_version(void);
int pg_store_set_standby(struct store *st, const char *where, const char *passfile, char *err, size_t errlen);
int pg_store_backup(const char *src, const char *dst, char *err, size_t errlen);
int pg_store_restore(const char *src, const char *dst, char *err, size_t errlen);

/* The owner tree_set_owner() gave the tree, for the engines' getattr. */
uid_t tree_owner_uid(void);
gid_t tree_owner_gid(void);

#endif
