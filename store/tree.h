/* tree: the directory tree of SPEC section 3, served from the store.
 *
 * Every node is a (type, id) pair where id is a row id of the store (or a
 * row id and an index), so the FUSE layer can turn it into an inode number
 * that is the same after a remount.  The values of enum tree_type are part
 * of those inode numbers: never renumber them.
 */
#ifndef OSFS_TREE_H
#define OSFS_TREE_H

#include <stdint.h>
#include <sys/types.h>

#include "lib/buf.h"
#include "store/db.h"

enum tree_type {
	T_FIXED = 0,    /* id: TREE_ROOT, TREE_TENANTS or TREE_CATALOG */
	T_TENANT = 1,   /* tenants/<t>              id: tenant */
	T_INSTDIR = 2,  /* tenants/<t>/install      id: tenant */
	T_PKGSDIR = 3,  /* tenants/<t>/packages     id: tenant */
	T_OBJSDIR = 4,  /* tenants/<t>/objects      id: tenant */
	T_DATADIR = 5,  /* tenants/<t>/data         id: tenant */
	T_LOG = 6,      /* tenants/<t>/log          id: tenant */
	T_INSTFILE = 7, /* install/<id>.json        id: install */
	T_PKGDIR = 8,   /* packages/<id>@<ver>      id: install */
	T_PKGART = 9,   /* .../objectstack.json     id: install */
	T_PKGMAN = 10,  /* .../manifest.json        id: install */
	T_KINDDIR = 11, /* .../<kind>               id: install << 24 | kind index */
	T_ITEM = 12,    /* .../<kind>/<name>.json   id: install << 24 | item index */
	T_OBJECT = 13,  /* objects/<name>.json      id: registry row */
	T_TABLE = 14,   /* data/<object>            id: tables row */
	T_RECORD = 15,  /* data/<object>/<key>.json id: records row */
	T_CATPKG = 16,  /* catalog/<id>             id: catalog_pkgs row */
	T_CATFILE = 17, /* catalog/<id>/<v>.json    id: catalog row */
	T_UPLOAD = 63,  /* a pending upload; lives in the FUSE layer only */
};

#define TREE_ROOT 1
#define TREE_TENANTS 2
#define TREE_CATALOG 3
#define TREE_SUB_BITS 24 /* index bits of T_KINDDIR and T_ITEM ids */
#define TREE_SUB_MAX ((1u << TREE_SUB_BITS) - 1)

/* The files of one install have times spread after the install's time ts
 * (each its own ctime): the item of index i is at ts + TREE_ITEM_TIME_BASE
 * + i; the installer uses the times after the last item for its own. */
#define TREE_ITEM_TIME_BASE 4096

struct tree_node {
	enum tree_type type;
	uint64_t id;
};

struct tree_attr {
	struct tree_node node;
	mode_t mode;      /* type and permission bits */
	uid_t uid;
	gid_t gid;
	uint32_t nlink;
	uint64_t size;
	int64_t mtime;    /* ns; atime is the same */
	int64_t ctime;    /* ns */
};

/* Owner of the root and of tenants/: the user who mounted. */
void tree_set_owner(uid_t uid, gid_t gid);

static inline struct tree_node tree_node(enum tree_type t, uint64_t id)
{
	struct tree_node n = { t, id };
	return n;
}

/* All return 0 or -errno (-ENOENT for a name or node that does not exist). */
int tree_getattr(struct db *db, struct tree_node n, struct tree_attr *out);
int tree_lookup(struct db *db, struct tree_node dir, const char *name, struct tree_attr *out);

/* Calls fn for each entry of dir after offset off, "." and ".." included,
 * with the offset of the entry after it, until fn returns non-zero.
 * Offsets are stable: an entry keeps its offset while it exists. */
typedef int (*tree_fill_fn)(void *ctx, const char *name, const struct tree_attr *a, uint64_t next);
int tree_readdir(struct db *db, struct tree_node dir, uint64_t off, tree_fill_fn fn, void *ctx);
/* Offsets from this value on are free for the caller (pending uploads). */
#define TREE_OFF_EXTRA ((uint64_t)1 << 62)

/* The whole content of a file node into out.  -EAGAIN for a catalog file
 * whose bytes are not downloaded yet. */
int tree_read(struct db *db, struct tree_node n, struct buf *out);

/* XXH3-64 of the artifact behind an install file, objectstack.json,
 * package directory or catalog file. */
int tree_artifact_hash(struct db *db, struct tree_node n, uint64_t *xxh3);

/* Adds to ch the package and kind folders of tenant's system packages,
 * whose mode follows whether it has a package of its own (0555, or 0755
 * when it has none: docs/tree.md, "Removing a tenant"): for the install
 * or uninstall that may change that. */
struct changes;
int tree_note_derived(struct db *db, int64_t tenant, struct changes *ch);

/* The tenant a node belongs to (0 for the root and tenants/). */
int tree_tenant_of(struct db *db, struct tree_node n, int64_t *tenant);

#endif
