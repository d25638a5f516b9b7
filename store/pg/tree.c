/* tree: nodes, lookups and reads for the FUSE layer, on PostgreSQL.  The
 * same structure as store/sqlite/tree.c: one getattr query per node type
 * returning uid, gid, size, mtime, count (subdirectories), one lookup and
 * one listing query per directory type returning the child's key and the
 * same columns, so readdirplus needs no second query per entry.  The
 * engine-neutral shape of the tree is store/tree_shape.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/changes.h"
#include "store/pg/pg.h"
#include "store/pg/tree_sql.h"
#include "store/tree_shape.h"

/* Fills a from row 0 of r, whose columns from col are uid, gid, size,
 * mtime, count[, mode[, ctime]]. */
static void attr_from_row(const PGresult *r, int row, int col, struct tree_node n, struct tree_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->node = n;
	a->uid = (uid_t)pg_get_i64(r, row, col);
	a->gid = (gid_t)pg_get_i64(r, row, col + 1);
	a->size = (uint64_t)pg_get_i64(r, row, col + 2);
	a->mtime = a->ctime = pg_get_i64(r, row, col + 3);
	a->mode = tree_type_mode(n.type);
	a->nlink = S_ISDIR(a->mode) ? 2 + (uint32_t)pg_get_i64(r, row, col + 4) : 1;
	if (n.type == T_TENANT || n.type == T_INSTFILE)
		a->mode = (a->mode & S_IFMT) | ((mode_t)pg_get_i64(r, row, col + 5) & 07777);
	if (n.type == T_INSTFILE)
		a->ctime = pg_get_i64(r, row, col + 6);
	if (n.type == T_CATPKG || n.type == T_CATFILE) {
		a->uid = tree_owner_uid(); /* the catalog is the daemon's */
		a->gid = tree_owner_gid();
	}
	if (n.type == T_PKGDIR || n.type == T_KINDDIR || n.type == T_TABLE)
		a->size = 0;
}

/* The folders derived from a tenant (packages/ and what is in it,
 * objects/, data/) are 0555 while it has a package of its own, 0755 once
 * it has none, as on SQLite (store/sqlite/tree.c says why; docs/tree.md,
 * "Removing a tenant"). */
static int derived_type(enum tree_type t)
{
	return t == T_PKGSDIR || t == T_OBJSDIR || t == T_DATADIR || t == T_PKGDIR || t == T_KINDDIR;
}

/* 1 if the tenant of derived folder n has no package of its own. */
static int derived_free(struct db *db, struct tree_node n)
{
	int by_install = n.type == T_PKGDIR || n.type == T_KINDDIR;
	PGresult *r;
	int rc = pg_query(db, by_install ? PSQL_DERIVED_FREE_BY_INSTALL : PSQL_DERIVED_FREE,
			  PG_ARGS(pg_i64((int64_t)(n.type == T_KINDDIR ? tree_sub_hi(n.id) : n.id))), &r);
	if (rc)
		return rc;
	int free_ = PQntuples(r) > 0 && pg_get_i64(r, 0, 0) != 0;
	PQclear(r);
	return free_;
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

int pg_tree_note_derived(struct db *db, int64_t tenant, struct changes *ch)
{
	PGresult *r;
	int rc = pg_query(db, PSQL_DERIVED_NODES, PG_ARGS(pg_i64(tenant)), &r);
	if (rc)
		return rc;
	for (int i = 0, n = PQntuples(r); i < n; i++) {
		uint64_t inst = (uint64_t)pg_get_i64(r, i, 0);
		if (PQgetisnull(r, i, 1))
			changes_node(ch, tree_node(T_PKGDIR, inst), 0);
		else
			changes_node(ch, tree_node(T_KINDDIR, tree_child_id(tree_node(T_PKGDIR, inst),
									     (uint64_t)pg_get_i64(r, i, 1))),
				     0);
	}
	PQclear(r);
	return 0;
}

/* Runs sql with one or two integer keys; 0 with *out holding a row, or
 * -errno (-ENOENT for no row). */
static int query_ids(struct db *db, const char *sql, uint64_t a, uint64_t b, int nargs, PGresult **out)
{
	int rc = nargs > 1 ? pg_query(db, sql, PG_ARGS(pg_i64((int64_t)a), pg_i64((int64_t)b)), out)
			   : pg_query(db, sql, PG_ARGS(pg_i64((int64_t)a)), out);
	if (rc)
		return rc;
	if (PQntuples(*out) == 0) {
		PQclear(*out);
		*out = NULL;
		return -ENOENT;
	}
	return 0;
}

static int fixed_attr(struct db *db, uint64_t id, struct tree_attr *a)
{
	PGresult *r;
	int rc = pg_query(db, id == TREE_ROOT ? PSQL_ROOT_ATTR : id == TREE_TENANTS ? PSQL_TENANTS_ATTR
										  : PSQL_CATALOG_ATTR,
			  PG_NOARGS, &r);
	if (rc)
		return rc;
	memset(a, 0, sizeof(*a));
	a->node = tree_node(T_FIXED, id);
	a->uid = tree_owner_uid();
	a->gid = tree_owner_gid();
	a->mtime = a->ctime = pg_get_i64(r, 0, 0);
	/* tenants/ is writable by all (sticky, like /tmp); catalog/ is the
	 * daemon user's. */
	a->nlink = 2 + (uint32_t)pg_get_i64(r, 0, 1);
	a->mode = S_IFDIR | (id == TREE_TENANTS ? 01777 : 0755);
	if (id == TREE_ROOT)
		a->nlink = 4;
	PQclear(r);
	return 0;
}

static const char *getattr_sql(enum tree_type t)
{
	switch (t) {
	case T_TENANT: return PSQL_TENANT_ATTR;
	case T_INSTDIR: case T_OBJSDIR: return PSQL_TENANTDIR_ATTR;
	case T_PKGSDIR: return PSQL_PKGSDIR_ATTR;
	case T_DATADIR: return PSQL_DATADIR_ATTR;
	case T_LOG: return PSQL_LOG_ATTR;
	case T_INSTFILE: return PSQL_INSTFILE_ATTR;
	case T_PKGDIR: return PSQL_PKGDIR_ATTR;
	case T_PKGART: return PSQL_PKGART_ATTR;
	case T_PKGMAN: return PSQL_PKGMAN_ATTR;
	case T_KINDDIR: return PSQL_KINDDIR_ATTR;
	case T_ITEM: return PSQL_ITEM_ATTR;
	case T_OBJECT: return PSQL_OBJECT_ATTR;
	case T_TABLE: return PSQL_TABLE_ATTR;
	case T_RECORD: return PSQL_RECORD_ATTR;
	case T_CATPKG: return PSQL_CATPKG_ATTR;
	case T_CATFILE: return PSQL_CATFILE_ATTR;
	default: return NULL;
	}
}

int pg_tree_getattr(struct db *db, struct tree_node n, struct tree_attr *out)
{
	if (n.type == T_FIXED)
		return n.id >= TREE_ROOT && n.id <= TREE_CATALOG ? fixed_attr(db, n.id, out) : -ENOENT;
	const char *sql = getattr_sql(n.type);
	if (!sql)
		return -ENOENT;
	PGresult *r;
	int two = n.type == T_KINDDIR || n.type == T_ITEM;
	int rc = query_ids(db, sql, two ? tree_sub_hi(n.id) : n.id, tree_sub_lo(n.id), two ? 2 : 1, &r);
	if (rc)
		return rc;
	attr_from_row(r, 0, 0, n, out);
	PQclear(r);
	/* The tenant's own directories add a fixed offset to their times so
	 * that each node has a distinct ctime (borg caches by it). */
	if (n.type >= T_INSTDIR && n.type <= T_DATADIR) {
		out->mtime += n.type;
		out->ctime += n.type;
	}
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
			*q = (struct lookup_q){ PSQL_LOOKUP_CATPKG, T_CATPKG, 0, 0 };
			return 0;
		}
		if (dir.id != TREE_TENANTS)
			return -ENOENT;
		*q = (struct lookup_q){ PSQL_LOOKUP_TENANT, T_TENANT, 0, 0 };
		return 0;
	case T_CATPKG: *q = (struct lookup_q){ PSQL_LOOKUP_CATFILE, T_CATFILE, 1, 0 }; return 0;
	case T_INSTDIR: *q = (struct lookup_q){ PSQL_LOOKUP_INSTFILE, T_INSTFILE, 1, 0 }; return 0;
	case T_PKGSDIR: *q = (struct lookup_q){ PSQL_LOOKUP_PKGDIR, T_PKGDIR, 0, 1 }; return 0;
	case T_PKGDIR: *q = (struct lookup_q){ PSQL_LOOKUP_KINDDIR, T_KINDDIR, 0, 0 }; return 0;
	case T_KINDDIR: *q = (struct lookup_q){ PSQL_LOOKUP_ITEM, T_ITEM, 1, 0 }; return 0;
	case T_OBJSDIR: *q = (struct lookup_q){ PSQL_LOOKUP_OBJECT, T_OBJECT, 1, 0 }; return 0;
	case T_DATADIR: *q = (struct lookup_q){ PSQL_LOOKUP_TABLE, T_TABLE, 0, 0 }; return 0;
	case T_TABLE: *q = (struct lookup_q){ PSQL_LOOKUP_RECORD, T_RECORD, 1, 0 }; return 0;
	default: return -ENOTDIR;
	}
}

/* Runs the lookup with the directory's key(s) and the (possibly split)
 * name. */
static int run_lookup(struct db *db, struct tree_node dir, const struct lookup_q *q, char *key, PGresult **r)
{
	if (dir.type == T_KINDDIR)
		return pg_query(db, q->sql,
				PG_ARGS(pg_i64((int64_t)tree_sub_hi(dir.id)), pg_i64((int64_t)tree_sub_lo(dir.id)),
					pg_text(key)),
				r);
	if (q->split_at) {
		char *v = strrchr(key, '@');
		if (!v)
			return -ENOENT;
		*v++ = '\0';
		return pg_query(db, q->sql, PG_ARGS(pg_i64((int64_t)dir.id), pg_text(key), pg_text(v)), r);
	}
	return pg_query(db, q->sql, PG_ARGS(pg_i64((int64_t)dir.id), pg_text(key)), r);
}

int pg_tree_lookup(struct db *db, struct tree_node dir, const char *name, struct tree_attr *out)
{
	size_t nfixed;
	const struct tree_fixed_entry *fe = tree_fixed_children(dir, &nfixed);
	for (size_t i = 0; i < nfixed; i++)
		if (!strcmp(fe[i].name, name))
			return pg_tree_getattr(db, tree_fixed_child(dir, &fe[i]), out);
	struct lookup_q q;
	int rc = lookup_query(dir, &q);
	if (rc)
		return dir.type == T_FIXED || dir.type == T_TENANT ? -ENOENT : rc;
	if (!pg_utf8_ok(name))
		return -ENOENT;
	char *key = q.strip_json ? tree_json_stem(name) : strdup(name);
	if (!key)
		return q.strip_json ? -ENOENT : -ENOMEM;
	PGresult *r = NULL;
	rc = run_lookup(db, dir, &q, key, &r);
	free(key);
	if (rc)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return -ENOENT;
	}
	uint64_t id = tree_child_id(dir, (uint64_t)pg_get_i64(r, 0, 0));
	attr_from_row(r, 0, 1, tree_node(q.child, id), out);
	PQclear(r);
	return derived_mode(db, out);
}

static int parent_of(struct db *db, struct tree_node n, struct tree_node *p);

static int emit_dots(struct db *db, struct tree_node dir, uint64_t off, tree_fill_fn fn, void *ctx, int *stop)
{
	struct tree_attr a;
	struct tree_node p;
	int rc;
	if (off < 1) {
		if ((rc = pg_tree_getattr(db, dir, &a)) < 0)
			return rc;
		if ((*stop = fn(ctx, ".", &a, 1)))
			return 0;
	}
	if (off < 2) {
		if ((rc = parent_of(db, dir, &p)) < 0 || (rc = pg_tree_getattr(db, p, &a)) < 0)
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
			return PSQL_LIST_CATPKGS;
		}
		*child = T_TENANT;
		return dir.id == TREE_TENANTS ? PSQL_LIST_TENANTS : NULL;
	case T_CATPKG: *child = T_CATFILE; return PSQL_LIST_CATFILES;
	case T_INSTDIR: *child = T_INSTFILE; return PSQL_LIST_INSTFILES;
	case T_PKGSDIR: *child = T_PKGDIR; return PSQL_LIST_PKGDIRS;
	case T_PKGDIR: *child = T_KINDDIR; return PSQL_LIST_KINDDIRS;
	case T_KINDDIR: *child = T_ITEM; return PSQL_LIST_ITEMS;
	case T_OBJSDIR: *child = T_OBJECT; return PSQL_LIST_OBJECTS;
	case T_DATADIR: *child = T_TABLE; return PSQL_LIST_TABLES;
	case T_TABLE: *child = T_RECORD; return PSQL_LIST_RECORDS;
	default: return NULL;
	}
}

/* Rows of a listing: key, name, uid, gid, size, mtime, count[, mode].
 * The whole listing after off comes in one result: a directory of this
 * tree is a few thousand rows at most, and FUSE asks again from the
 * offset where its buffer filled. */
static int emit_rows(struct db *db, struct tree_node dir, uint64_t off, tree_fill_fn fn, void *ctx)
{
	enum tree_type child;
	const char *sql = list_sql(dir, &child);
	/* Offsets from TREE_OFF_EXTRA on are the caller's own entries: no row
	 * comes after them (see store/sqlite/tree.c). */
	if (!sql || off >= TREE_OFF_EXTRA)
		return 0;
	int64_t after = off >= TREE_OFF_FIXED ? (int64_t)(off - TREE_OFF_FIXED) : -1;
	PGresult *r;
	int rc;
	if (dir.type == T_KINDDIR)
		rc = pg_query(db, sql,
			      PG_ARGS(pg_i64((int64_t)tree_sub_hi(dir.id)), pg_i64((int64_t)tree_sub_lo(dir.id)),
				      pg_i64(after)),
			      &r);
	else if (dir.type != T_FIXED)
		rc = pg_query(db, sql, PG_ARGS(pg_i64((int64_t)dir.id), pg_i64(after)), &r);
	else
		rc = pg_query(db, sql, PG_ARGS(pg_i64(after)), &r);
	if (rc)
		return rc;
	int free_ = derived_type(child) ? derived_free(db, dir) : 0; /* one tenant: one answer */
	if (free_ < 0) {
		PQclear(r);
		return free_;
	}
	for (int i = 0, n = PQntuples(r); i < n; i++) {
		uint64_t key = (uint64_t)pg_get_i64(r, i, 0);
		const char *name = pg_get_text(r, i, 1);
		struct tree_attr a;
		attr_from_row(r, i, 2, tree_node(child, tree_child_id(dir, key)), &a);
		if (free_)
			a.mode = S_IFDIR | 0755;
		if (fn(ctx, name ? name : "", &a, key + TREE_OFF_FIXED))
			break;
	}
	PQclear(r);
	return 0;
}

int pg_tree_readdir(struct db *db, struct tree_node dir, uint64_t off, tree_fill_fn fn, void *ctx)
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
		if ((rc = pg_tree_getattr(db, tree_fixed_child(dir, &fe[i]), &a)) < 0)
			return rc;
		if (fn(ctx, fe[i].name, &a, 3 + i))
			return 0;
	}
	return emit_rows(db, dir, off, fn, ctx);
}

static int id_query(struct db *db, const char *sql, uint64_t a, uint64_t b, int nargs, int64_t *out)
{
	PGresult *r;
	int rc = query_ids(db, sql, a, b, nargs, &r);
	if (rc)
		return rc;
	*out = pg_get_i64(r, 0, 0);
	PQclear(r);
	return 0;
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
		rc = id_query(db, PSQL_ITEM_KIND, tree_sub_hi(n.id), tree_sub_lo(n.id), 2, &v);
		*p = tree_node(T_KINDDIR, (tree_sub_hi(n.id) << TREE_SUB_BITS) | (uint64_t)v);
		return rc;
	case T_RECORD:
		rc = id_query(db, PSQL_RECORD_TABLE, n.id, 0, 1, &v);
		*p = tree_node(T_TABLE, (uint64_t)v);
		return rc;
	case T_CATPKG: *p = tree_node(T_FIXED, TREE_CATALOG); return 0;
	case T_CATFILE:
		rc = id_query(db, PSQL_CATFILE_DIR, n.id, 0, 1, &v);
		*p = tree_node(T_CATPKG, (uint64_t)v);
		return rc;
	default:
		rc = pg_tree_tenant_of(db, n, &v);
		*p = tree_node(n.type == T_INSTFILE ? T_INSTDIR : n.type == T_PKGDIR ? T_PKGSDIR
			       : n.type == T_OBJECT ? T_OBJSDIR : T_DATADIR, (uint64_t)v);
		return rc;
	}
}

int pg_tree_tenant_of(struct db *db, struct tree_node n, int64_t *tenant)
{
	*tenant = 0;
	switch (n.type) {
	case T_FIXED: case T_CATPKG: case T_CATFILE: return 0;
	case T_TENANT: case T_INSTDIR: case T_PKGSDIR: case T_OBJSDIR: case T_DATADIR: case T_LOG:
		*tenant = (int64_t)n.id;
		return 0;
	case T_INSTFILE: case T_PKGDIR: case T_PKGART: case T_PKGMAN:
		return id_query(db, PSQL_INSTALL_TENANT, n.id, 0, 1, tenant);
	case T_KINDDIR: case T_ITEM:
		return id_query(db, PSQL_INSTALL_TENANT, tree_sub_hi(n.id), 0, 1, tenant);
	case T_OBJECT: return id_query(db, PSQL_REGISTRY_TENANT, n.id, 0, 1, tenant);
	case T_TABLE: return id_query(db, PSQL_TABLE_TENANT, n.id, 0, 1, tenant);
	case T_RECORD: return id_query(db, PSQL_RECORD_TENANT, n.id, 0, 1, tenant);
	default: return -ENOENT;
	}
}

static int read_blob(struct db *db, const char *sql, uint64_t a, uint64_t b, int nargs, struct buf *out)
{
	PGresult *r;
	int rc = query_ids(db, sql, a, b, nargs, &r);
	if (rc)
		return rc;
	size_t n;
	const void *p = pg_get_bytes(r, 0, 0, &n);
	rc = buf_add(out, p ? p : "", n);
	PQclear(r);
	return rc;
}

static int read_log(struct db *db, uint64_t tenant, struct buf *out)
{
	PGresult *r;
	int rc = pg_query(db, PSQL_READ_LOG, PG_ARGS(pg_i64((int64_t)tenant)), &r);
	if (rc)
		return rc;
	for (int i = 0, n = PQntuples(r); i < n; i++) {
		size_t len;
		const void *p = pg_get_bytes(r, i, 0, &len);
		buf_add(out, p ? p : "", len);
	}
	PQclear(r);
	return buf_error(out);
}

/* A remote catalog entry has no bytes until it is downloaded: -EAGAIN. */
static int read_catfile(struct db *db, uint64_t id, struct buf *out)
{
	int64_t art;
	int rc = id_query(db, PSQL_CATFILE_ARTIFACT, id, 0, 1, &art);
	if (rc == 0 && art == 0)
		return -EAGAIN;
	return rc ? rc : read_blob(db, PSQL_READ_CATFILE, id, 0, 1, out);
}

int pg_tree_read(struct db *db, struct tree_node n, struct buf *out)
{
	switch (n.type) {
	case T_INSTFILE: return read_blob(db, PSQL_READ_ARTIFACT, n.id, 0, 1, out);
	case T_PKGART: return read_blob(db, PSQL_READ_ARTIFACT_ANY, n.id, 0, 1, out);
	case T_PKGMAN: return read_blob(db, PSQL_READ_MANIFEST, n.id, 0, 1, out);
	case T_ITEM: return read_blob(db, PSQL_READ_ITEM, tree_sub_hi(n.id), tree_sub_lo(n.id), 2, out);
	case T_OBJECT: return read_blob(db, PSQL_READ_OBJECT, n.id, 0, 1, out);
	case T_RECORD: return read_blob(db, PSQL_READ_RECORD, n.id, 0, 1, out);
	case T_LOG: return read_log(db, n.id, out);
	case T_CATFILE: return read_catfile(db, n.id, out);
	default: return -EISDIR;
	}
}

int pg_tree_artifact_hash(struct db *db, struct tree_node n, uint64_t *xxh3)
{
	if (n.type != T_INSTFILE && n.type != T_PKGART && n.type != T_PKGDIR && n.type != T_CATFILE)
		return -ENODATA;
	int64_t v;
	int rc = id_query(db, n.type == T_CATFILE ? PSQL_CATFILE_HASH : PSQL_ARTIFACT_HASH, n.id, 0, 1, &v);
	if (rc == 0)
		*xxh3 = (uint64_t)v;
	return rc;
}
