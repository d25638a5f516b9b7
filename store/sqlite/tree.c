/* tree: nodes, lookups and reads for the FUSE layer.
 *
 * Each node type has one getattr query returning the same columns
 * (uid, gid, size, mtime, count), so attributes are built in one place;
 * each directory type has one lookup and one listing query returning the
 * child's id and the same columns, so readdirplus needs no second query per
 * entry.  "count" is the number of subdirectories (for st_nlink) where
 * that applies.
 */
#include "store/tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/changes.h"
#include "store/sqlite/tree_sql.h"
#include "store/backend.h"
#include "store/tree_shape.h"
#include "store/sqlite/sqlite.h"

/* The folders derived from a tenant (packages/ and what is in it,
 * objects/, data/) are read-only (0555) while the tenant has a package
 * of its own.  Once it has none, everything in them goes with the tenant
 * and removing it is a no-op (fs/tenant_rm.c): they are 0755, so that the
 * kernel lets the owner's rm -rf reach osfs (docs/tree.md, "Removing a
 * tenant").  The install or uninstall that changes this invalidates them
 * (tree_note_derived). */
static int derived_type(enum tree_type t)
{
	return t == T_PKGSDIR || t == T_OBJSDIR || t == T_DATADIR || t == T_PKGDIR || t == T_KINDDIR;
}

/* 1 if the tenant of derived folder n has no package of its own. */
static int derived_free(struct db *db, struct tree_node n)
{
	int by_install = n.type == T_PKGDIR || n.type == T_KINDDIR;
	sqlite3_stmt *st = db_stmt(db, by_install ? SQL_DERIVED_FREE_BY_INSTALL : SQL_DERIVED_FREE);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(n.type == T_KINDDIR ? tree_sub_hi(n.id) : n.id));
	int rc = db_step(db, st);
	int free_ = rc > 0 ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	return rc < 0 ? rc : free_;
}

static int derived_mode(struct db *db, struct tree_attr *a)
{
	if (!derived_type(a->node.type))
		return 0;
	int rc = derived_free(db, a->node);
	if (rc > 0)
		a->mode = S_IFDIR | 0755;
	return rc < 0 ? rc : 0;
}

int sq_tree_note_derived(struct db *db, int64_t tenant, struct changes *ch)
{
	sqlite3_stmt *st = db_stmt(db, SQL_DERIVED_NODES);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	int rc;
	while ((rc = db_step(db, st)) > 0) {
		uint64_t inst = (uint64_t)sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			changes_node(ch, tree_node(T_PKGDIR, inst), 0);
		else
			changes_node(ch, tree_node(T_KINDDIR, tree_child_id(tree_node(T_PKGDIR, inst),
								(uint64_t)sqlite3_column_int64(st, 1))), 0);
	}
	sqlite3_reset(st);
	return rc;
}

/* Fills a from a row whose first columns are uid, gid, size, mtime, count. */
static void attr_from_row(sqlite3_stmt *st, int col, struct tree_node n, struct tree_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->node = n;
	a->uid = (uid_t)sqlite3_column_int64(st, col);
	a->gid = (gid_t)sqlite3_column_int64(st, col + 1);
	a->size = (uint64_t)sqlite3_column_int64(st, col + 2);
	a->mtime = a->ctime = sqlite3_column_int64(st, col + 3);
	a->mode = tree_type_mode(n.type);
	a->nlink = S_ISDIR(a->mode) ? 2 + (uint32_t)sqlite3_column_int64(st, col + 4) : 1;
	if (n.type == T_TENANT || n.type == T_INSTFILE)
		a->mode = (a->mode & S_IFMT) | ((mode_t)sqlite3_column_int64(st, col + 5) & 07777);
	if (n.type == T_INSTFILE)
		a->ctime = sqlite3_column_int64(st, col + 6);
	if (n.type == T_CATPKG || n.type == T_CATFILE) {
		a->uid = tree_owner_uid(); /* the catalog is the daemon's */
		a->gid = tree_owner_gid();
	}
	if (n.type == T_PKGDIR || n.type == T_KINDDIR || n.type == T_TABLE)
		a->size = 0;
}

static int fixed_attr(struct db *db, uint64_t id, struct tree_attr *a)
{
	sqlite3_stmt *st = db_stmt(db, id == TREE_ROOT ? SQL_ROOT_ATTR : id == TREE_TENANTS ? SQL_TENANTS_ATTR
										     : SQL_CATALOG_ATTR);
	int rc;
	if (!st)
		return -EIO;
	rc = db_step(db, st);
	if (rc < 0)
		return rc;
	memset(a, 0, sizeof(*a));
	a->node = tree_node(T_FIXED, id);
	a->uid = tree_owner_uid();
	a->gid = tree_owner_gid();
	a->mtime = a->ctime = sqlite3_column_int64(st, 0);
	/* tenants/ is writable by all (sticky, like /tmp): anyone may make a
	 * tenant of their own; catalog/ is the daemon user's. */
	a->nlink = 2 + (uint32_t)sqlite3_column_int64(st, 1);
	a->mode = S_IFDIR | (id == TREE_TENANTS ? 01777 : 0755);
	if (id == TREE_ROOT)
		a->nlink = 4;
	sqlite3_reset(st);
	return 0;
}

static const char *getattr_sql(enum tree_type t)
{
	switch (t) {
	case T_TENANT: return SQL_TENANT_ATTR;
	case T_INSTDIR: case T_OBJSDIR: return SQL_TENANTDIR_ATTR;
	case T_PKGSDIR: return SQL_PKGSDIR_ATTR;
	case T_DATADIR: return SQL_DATADIR_ATTR;
	case T_LOG: return SQL_LOG_ATTR;
	case T_INSTFILE: return SQL_INSTFILE_ATTR;
	case T_PKGDIR: return SQL_PKGDIR_ATTR;
	case T_PKGART: return SQL_PKGART_ATTR;
	case T_PKGMAN: return SQL_PKGMAN_ATTR;
	case T_KINDDIR: return SQL_KINDDIR_ATTR;
	case T_ITEM: return SQL_ITEM_ATTR;
	case T_OBJECT: return SQL_OBJECT_ATTR;
	case T_TABLE: return SQL_TABLE_ATTR;
	case T_RECORD: return SQL_RECORD_ATTR;
	case T_CATPKG: return SQL_CATPKG_ATTR;
	case T_CATFILE: return SQL_CATFILE_ATTR;
	default: return NULL;
	}
}

int sq_tree_getattr(struct db *db, struct tree_node n, struct tree_attr *out)
{
	if (n.type == T_FIXED)
		return n.id >= TREE_ROOT && n.id <= TREE_CATALOG ? fixed_attr(db, n.id, out) : -ENOENT;
	const char *sql = getattr_sql(n.type);
	if (!sql)
		return -ENOENT;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -EIO;
	if (n.type == T_KINDDIR || n.type == T_ITEM) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)tree_sub_hi(n.id));
		sqlite3_bind_int64(st, 2, (sqlite3_int64)tree_sub_lo(n.id));
	} else {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)n.id);
	}
	int rc = db_step(db, st);
	if (rc <= 0)
		return rc ? rc : -ENOENT;
	attr_from_row(st, 0, n, out);
	/* The tenant's own directories add a fixed offset to their times so
	 * that each node has a distinct ctime (borg caches by it). */
	if (n.type >= T_INSTDIR && n.type <= T_DATADIR) {
		out->mtime += n.type;
		out->ctime += n.type;
	}
	sqlite3_reset(st);
	return derived_mode(db, out);
}

struct lookup_q {
	const char *sql;
	enum tree_type child;
	int strip_json;   /* the name is "<key>.json" */
	int split_at;     /* the name is "<id>@<version>" */
};

static int lookup_query(struct tree_node dir, struct lookup_q *q)
{
	memset(q, 0, sizeof(*q));
	switch (dir.type) {
	case T_FIXED:
		if (dir.id == TREE_CATALOG) {
			*q = (struct lookup_q){ SQL_LOOKUP_CATPKG, T_CATPKG, 0, 0 };
			return 0;
		}
		if (dir.id != TREE_TENANTS)
			return -ENOENT;
		*q = (struct lookup_q){ SQL_LOOKUP_TENANT, T_TENANT, 0, 0 };
		return 0;
	case T_CATPKG: *q = (struct lookup_q){ SQL_LOOKUP_CATFILE, T_CATFILE, 1, 0 }; return 0;
	case T_INSTDIR: *q = (struct lookup_q){ SQL_LOOKUP_INSTFILE, T_INSTFILE, 1, 0 }; return 0;
	case T_PKGSDIR: *q = (struct lookup_q){ SQL_LOOKUP_PKGDIR, T_PKGDIR, 0, 1 }; return 0;
	case T_PKGDIR: *q = (struct lookup_q){ SQL_LOOKUP_KINDDIR, T_KINDDIR, 0, 0 }; return 0;
	case T_KINDDIR: *q = (struct lookup_q){ SQL_LOOKUP_ITEM, T_ITEM, 1, 0 }; return 0;
	case T_OBJSDIR: *q = (struct lookup_q){ SQL_LOOKUP_OBJECT, T_OBJECT, 1, 0 }; return 0;
	case T_DATADIR: *q = (struct lookup_q){ SQL_LOOKUP_TABLE, T_TABLE, 0, 0 }; return 0;
	case T_TABLE: *q = (struct lookup_q){ SQL_LOOKUP_RECORD, T_RECORD, 1, 0 }; return 0;
	default: return -ENOTDIR;
	}
}

/* Binds the directory and the (possibly split) name of a lookup. */
static int bind_lookup(sqlite3_stmt *st, struct tree_node dir, const struct lookup_q *q, char *key)
{
	if (dir.type == T_KINDDIR) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)tree_sub_hi(dir.id));
		sqlite3_bind_int64(st, 2, (sqlite3_int64)tree_sub_lo(dir.id));
	} else {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)dir.id);
	}
	int at = dir.type == T_KINDDIR ? 3 : 2;
	if (q->split_at) {
		char *v = strrchr(key, '@');
		if (!v)
			return -ENOENT;
		*v++ = '\0';
		sqlite3_bind_text(st, at + 1, v, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_text(st, at, key, -1, SQLITE_TRANSIENT);
	return 0;
}

int sq_tree_lookup(struct db *db, struct tree_node dir, const char *name, struct tree_attr *out)
{
	size_t nfixed;
	const struct tree_fixed_entry *fe = tree_fixed_children(dir, &nfixed);
	for (size_t i = 0; i < nfixed; i++)
		if (!strcmp(fe[i].name, name))
			return sq_tree_getattr(db, tree_fixed_child(dir, &fe[i]), out);
	struct lookup_q q;
	int rc = lookup_query(dir, &q);
	if (rc)
		return dir.type == T_FIXED || dir.type == T_TENANT ? -ENOENT : rc;
	char *key = q.strip_json ? tree_json_stem(name) : strdup(name);
	if (!key)
		return q.strip_json ? -ENOENT : -ENOMEM;
	sqlite3_stmt *st = db_stmt(db, q.sql);
	rc = st ? bind_lookup(st, dir, &q, key) : -EIO;
	if (rc == 0)
		rc = db_step(db, st);
	free(key);
	if (rc <= 0)
		return rc ? rc : -ENOENT;
	uint64_t id = tree_child_id(dir, (uint64_t)sqlite3_column_int64(st, 0));
	attr_from_row(st, 1, tree_node(q.child, id), out);
	sqlite3_reset(st);
	return derived_mode(db, out);
}


static int parent_of(struct db *db, struct tree_node n, struct tree_node *p);

static int emit_dots(struct db *db, struct tree_node dir, uint64_t off, tree_fill_fn fn, void *ctx, int *stop)
{
	struct tree_attr a;
	struct tree_node p;
	int rc;
	if (off < 1) {
		if ((rc = sq_tree_getattr(db, dir, &a)) < 0)
			return rc;
		if ((*stop = fn(ctx, ".", &a, 1)))
			return 0;
	}
	if (off < 2) {
		if ((rc = parent_of(db, dir, &p)) < 0 || (rc = sq_tree_getattr(db, p, &a)) < 0)
			return rc;
		*stop = fn(ctx, "..", &a, 2);
	}
	return 0;
}

static const char *list_sql(struct tree_node dir, enum tree_type *child)
{
	switch (dir.type) {
	case T_FIXED:
		if (dir.id == TREE_CATALOG) {
			*child = T_CATPKG;
			return SQL_LIST_CATPKGS;
		}
		*child = T_TENANT;
		return dir.id == TREE_TENANTS ? SQL_LIST_TENANTS : NULL;
	case T_CATPKG: *child = T_CATFILE; return SQL_LIST_CATFILES;
	case T_INSTDIR: *child = T_INSTFILE; return SQL_LIST_INSTFILES;
	case T_PKGSDIR: *child = T_PKGDIR; return SQL_LIST_PKGDIRS;
	case T_PKGDIR: *child = T_KINDDIR; return SQL_LIST_KINDDIRS;
	case T_KINDDIR: *child = T_ITEM; return SQL_LIST_ITEMS;
	case T_OBJSDIR: *child = T_OBJECT; return SQL_LIST_OBJECTS;
	case T_DATADIR: *child = T_TABLE; return SQL_LIST_TABLES;
	case T_TABLE: *child = T_RECORD; return SQL_LIST_RECORDS;
	default: return NULL;
	}
}

/* Rows of a listing: key, name, uid, gid, size, mtime, count[, mode]. */
static int emit_rows(struct db *db, struct tree_node dir, uint64_t off, tree_fill_fn fn, void *ctx)
{
	enum tree_type child;
	const char *sql = list_sql(dir, &child);
	/* Offsets from TREE_OFF_EXTRA on are the caller's own entries (pending
	 * uploads), listed after every row: no row comes after them.  This
	 * matters for listings in descending order (install/), where a large
	 * offset would otherwise start them again from the top, for ever. */
	if (!sql || off >= TREE_OFF_EXTRA)
		return 0;
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -EIO;
	int k = 1;
	if (dir.type == T_KINDDIR) {
		sqlite3_bind_int64(st, k++, (sqlite3_int64)tree_sub_hi(dir.id));
		sqlite3_bind_int64(st, k++, (sqlite3_int64)tree_sub_lo(dir.id));
	} else if (dir.type != T_FIXED) {
		sqlite3_bind_int64(st, k++, (sqlite3_int64)dir.id);
	}
	sqlite3_bind_int64(st, k, off >= TREE_OFF_FIXED ? (sqlite3_int64)(off - TREE_OFF_FIXED) : -1);
	int rc, free_ = derived_type(child) ? derived_free(db, dir) : 0; /* one tenant: one answer */
	if (free_ < 0) {
		sqlite3_reset(st);
		return free_;
	}
	while ((rc = db_step(db, st)) > 0) {
		uint64_t key = (uint64_t)sqlite3_column_int64(st, 0);
		uint64_t id = tree_child_id(dir, key);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		struct tree_attr a;
		attr_from_row(st, 2, tree_node(child, id), &a);
		if (free_)
			a.mode = S_IFDIR | 0755;
		if (fn(ctx, name ? name : "", &a, key + TREE_OFF_FIXED))
			break;
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : 0;
}

int sq_tree_readdir(struct db *db, struct tree_node dir, uint64_t off, tree_fill_fn fn, void *ctx)
{
	int stop = 0, rc = emit_dots(db, dir, off, fn, ctx, &stop);
	if (rc < 0 || stop)
		return rc;
	size_t nfixed;
	const struct tree_fixed_entry *fe = tree_fixed_children(dir, &nfixed);
	for (size_t i = 0; i < nfixed; i++) {
		if (off >= 3 + i)
			continue;
		struct tree_attr a;
		if ((rc = sq_tree_getattr(db, tree_fixed_child(dir, &fe[i]), &a)) < 0)
			return rc;
		if (fn(ctx, fe[i].name, &a, 3 + i))
			return 0;
	}
	return emit_rows(db, dir, off, fn, ctx);
}

static int id_query(struct db *db, const char *sql, uint64_t a, uint64_t b, int nargs, int64_t *out)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a);
	if (nargs > 1)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)b);
	int rc = db_step(db, st);
	if (rc > 0)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

static int parent_of(struct db *db, struct tree_node n, struct tree_node *p)
{
	int64_t v = 0;
	int rc = 0;
	switch (n.type) {
	case T_FIXED: *p = tree_node(T_FIXED, TREE_ROOT); return 0;
	case T_TENANT: *p = tree_node(T_FIXED, TREE_TENANTS); return 0;
	case T_INSTDIR: case T_PKGSDIR: case T_OBJSDIR: case T_DATADIR: case T_LOG:
		*p = tree_node(T_TENANT, n.id);
		return 0;
	case T_PKGART: case T_PKGMAN: *p = tree_node(T_PKGDIR, n.id); return 0;
	case T_KINDDIR: *p = tree_node(T_PKGDIR, tree_sub_hi(n.id)); return 0;
	case T_ITEM:
		rc = id_query(db, SQL_ITEM_KIND, tree_sub_hi(n.id), tree_sub_lo(n.id), 2, &v);
		*p = tree_node(T_KINDDIR, (tree_sub_hi(n.id) << TREE_SUB_BITS) | (uint64_t)v);
		return rc;
	case T_RECORD:
		rc = id_query(db, SQL_RECORD_TABLE, n.id, 0, 1, &v);
		*p = tree_node(T_TABLE, (uint64_t)v);
		return rc;
	case T_CATPKG: *p = tree_node(T_FIXED, TREE_CATALOG); return 0;
	case T_CATFILE:
		rc = id_query(db, SQL_CATFILE_DIR, n.id, 0, 1, &v);
		*p = tree_node(T_CATPKG, (uint64_t)v);
		return rc;
	default:
		rc = sq_tree_tenant_of(db, n, &v);
		*p = tree_node(n.type == T_INSTFILE ? T_INSTDIR : n.type == T_PKGDIR ? T_PKGSDIR
			       : n.type == T_OBJECT ? T_OBJSDIR : T_DATADIR, (uint64_t)v);
		return rc;
	}
}

int sq_tree_tenant_of(struct db *db, struct tree_node n, int64_t *tenant)
{
	*tenant = 0;
	switch (n.type) {
	case T_FIXED: case T_CATPKG: case T_CATFILE: return 0;
	case T_TENANT: case T_INSTDIR: case T_PKGSDIR: case T_OBJSDIR: case T_DATADIR: case T_LOG:
		*tenant = (int64_t)n.id;
		return 0;
	case T_INSTFILE: case T_PKGDIR: case T_PKGART: case T_PKGMAN:
		return id_query(db, SQL_INSTALL_TENANT, n.id, 0, 1, tenant);
	case T_KINDDIR: case T_ITEM:
		return id_query(db, SQL_INSTALL_TENANT, tree_sub_hi(n.id), 0, 1, tenant);
	case T_OBJECT: return id_query(db, SQL_REGISTRY_TENANT, n.id, 0, 1, tenant);
	case T_TABLE: return id_query(db, SQL_TABLE_TENANT, n.id, 0, 1, tenant);
	case T_RECORD: return id_query(db, SQL_RECORD_TENANT, n.id, 0, 1, tenant);
	default: return -ENOENT;
	}
}

static int read_blob(struct db *db, const char *sql, uint64_t a, uint64_t b, int nargs, struct buf *out)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a);
	if (nargs > 1)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)b);
	int rc = db_step(db, st);
	if (rc > 0) {
		const void *p = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		rc = buf_add(out, p ? p : "", (size_t)n);
	} else if (rc == 0) {
		rc = -ENOENT;
	}
	sqlite3_reset(st);
	return rc;
}

static int read_log(struct db *db, uint64_t tenant, struct buf *out)
{
	sqlite3_stmt *st = db_stmt(db, SQL_READ_LOG);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)tenant);
	int rc;
	while ((rc = db_step(db, st)) > 0)
		buf_add(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_reset(st);
	return rc < 0 ? rc : buf_error(out);
}

/* A remote catalog entry has no bytes until it is downloaded: -EAGAIN. */
static int read_catfile(struct db *db, uint64_t id, struct buf *out)
{
	int64_t art;
	int rc = id_query(db, SQL_CATFILE_ARTIFACT, id, 0, 1, &art);
	if (rc == 0 && art == 0)
		return -EAGAIN;
	return rc ? rc : read_blob(db, SQL_READ_CATFILE, id, 0, 1, out);
}

int sq_tree_read(struct db *db, struct tree_node n, struct buf *out)
{
	switch (n.type) {
	case T_INSTFILE: return read_blob(db, SQL_READ_ARTIFACT, n.id, 0, 1, out);
	case T_PKGART: return read_blob(db, SQL_READ_ARTIFACT_ANY, n.id, 0, 1, out);
	case T_PKGMAN: return read_blob(db, SQL_READ_MANIFEST, n.id, 0, 1, out);
	case T_ITEM: return read_blob(db, SQL_READ_ITEM, tree_sub_hi(n.id), tree_sub_lo(n.id), 2, out);
	case T_OBJECT: return read_blob(db, SQL_READ_OBJECT, n.id, 0, 1, out);
	case T_RECORD: return read_blob(db, SQL_READ_RECORD, n.id, 0, 1, out);
	case T_LOG: return read_log(db, n.id, out);
	case T_CATFILE: return read_catfile(db, n.id, out);
	default: return -EISDIR;
	}
}

int sq_tree_artifact_hash(struct db *db, struct tree_node n, uint64_t *xxh3)
{
	if (n.type != T_INSTFILE && n.type != T_PKGART && n.type != T_PKGDIR && n.type != T_CATFILE)
		return -ENODATA;
	int64_t v;
	int rc = id_query(db, n.type == T_CATFILE ? SQL_CATFILE_HASH : SQL_ARTIFACT_HASH, n.id, 0, 1, &v);
	if (rc == 0)
		*xxh3 = (uint64_t)v;
	return rc;
}
