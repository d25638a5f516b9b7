/* unit_util: helpers shared by the Check unit tests that load artifacts,
 * install them into in-memory stores and walk the resulting tree.
 *
 * Everything here is static inline so that each test binary takes only
 * what it uses (and -Wunused-function stays quiet).
 */
#ifndef OSFS_UNIT_UTIL_H
#define OSFS_UNIT_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/buf.h"
#include "catalog/diag.h"
#include "store/tree.h"

#include "tests/unit/check_common.h"

/* The whole of a file (relative to the repository root) or NULL. */
static inline char *uu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	if (buf_addc(&b, '\0') < 0) { /* terminated, even when empty */
		buf_free(&b);
		return NULL;
	}
	b.len--;
	return buf_detach(&b, len);
}

/* JSON written with single quotes, for readability: every ' becomes ".
 * malloc'd, never NULL (aborts on ENOMEM). */
static inline char *uu_json(const char *sq)
{
	char *s = strdup(sq);
	if (!s)
		abort();
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

/* printf into a malloc'd string (aborts on ENOMEM). */
static inline char *uu_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *uu_fmt(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	return s;
}

/* Index of the first item of d with errno err (-1: any, 0: a warning)
 * whose message contains needle (NULL: any), or -1. */
static inline int uu_diag_find(const struct diag *d, int err, const char *needle)
{
	for (size_t i = 0; i < d->n; i++) {
		if (err >= 0 && d->v[i].err != err)
			continue;
		if (needle && !strstr(d->v[i].msg, needle))
			continue;
		return (int)i;
	}
	return -1;
}

/* Every item of d, one per line, for failure messages (a static buffer). */
static inline const char *uu_diag_str(const struct diag *d)
{
	static char out[8192];
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < d->n && o + 1 < sizeof(out); i++) {
		int k = snprintf(out + o, sizeof(out) - o, "\n  [%s] %s", d->v[i].err ? diag_errname(d->v[i].err)
				 : "warning", d->v[i].msg);
		if (k < 0)
			break;
		o += (size_t)k;
	}
	return out;
}

/* Number of warnings in d. */
static inline size_t uu_nwarn(const struct diag *d)
{
	return d->n - d->nerr;
}

/* ------------------------------------------------------------ the tree */

/* Looks up a path of a tenant ("objects/crm_a.json"; "" is the tenant). */
static inline int uu_lookup(struct db *db, int64_t tenant, const char *path, struct tree_attr *out)
{
	int rc = tree_getattr(db, tree_node(T_TENANT, (uint64_t)tenant), out);
	char *p = strdup(path), *save = NULL;
	if (!p)
		return -ENOMEM;
	for (char *seg = strtok_r(p, "/", &save); seg && rc == 0; seg = strtok_r(NULL, "/", &save)) {
		struct tree_node dir = out->node;
		rc = tree_lookup(db, dir, seg, out);
	}
	free(p);
	return rc;
}

/* The content of a file of a tenant, malloc'd and NUL-terminated, or NULL. */
static inline char *uu_read(struct db *db, int64_t tenant, const char *path, size_t *len)
{
	struct tree_attr a;
	struct buf b = BUF_INIT;
	if (uu_lookup(db, tenant, path, &a) < 0 || tree_read(db, a.node, &b) < 0 || buf_error(&b)) {
		buf_free(&b);
		return NULL;
	}
	buf_addc(&b, '\0');
	b.len--;
	return buf_detach(&b, len);
}

struct uu_entry {
	char *name;
	struct tree_attr a;
};

struct uu_listing {
	struct uu_entry *v;
	size_t n, cap;
};

static inline int uu_collect(void *ctx, const char *name, const struct tree_attr *a, uint64_t next)
{
	(void)next;
	struct uu_listing *l = ctx;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->n].name = strdup(name);
	l->v[l->n].a = *a;
	l->n++;
	return 0;
}

static inline void uu_listing_free(struct uu_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The entries of a directory node ("." and ".." left out). */
static inline int uu_list(struct db *db, struct tree_node dir, struct uu_listing *l)
{
	memset(l, 0, sizeof(*l));
	return tree_readdir(db, dir, 0, uu_collect, l);
}

/* The names of a tenant's directory, each followed by '\n' (malloc'd), or
 * NULL if it cannot be listed. */
static inline char *uu_names(struct db *db, int64_t tenant, const char *path)
{
	struct tree_attr a;
	struct uu_listing l;
	struct buf b = BUF_INIT;
	if (uu_lookup(db, tenant, path, &a) < 0 || uu_list(db, a.node, &l) < 0)
		return NULL;
	for (size_t i = 0; i < l.n; i++)
		buf_printf(&b, "%s\n", l.v[i].name);
	uu_listing_free(&l);
	buf_addc(&b, '\0');
	b.len--;
	return buf_detach(&b, NULL);
}

/* Number of entries of a tenant's directory, or -1. */
static inline long uu_count(struct db *db, int64_t tenant, const char *path)
{
	struct tree_attr a;
	struct uu_listing l;
	if (uu_lookup(db, tenant, path, &a) < 0 || uu_list(db, a.node, &l) < 0)
		return -1;
	long n = (long)l.n;
	uu_listing_free(&l);
	return n;
}

/* Appends "path type:id size mtime\n" for every node under dir, depth
 * first; the log is listed by name only (failed operations write to it). */
static inline int uu_walk(struct db *db, struct tree_node dir, const char *prefix, struct buf *out)
{
	struct uu_listing l;
	int rc = uu_list(db, dir, &l);
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		const struct tree_attr *a = &l.v[i].a;
		char path[2048];
		snprintf(path, sizeof(path), "%s/%s", prefix, l.v[i].name);
		if (a->node.type == T_LOG) {
			buf_printf(out, "%s (log)\n", path);
			continue;
		}
		buf_printf(out, "%s %d:%llu size=%llu mode=%o mtime=%lld ctime=%lld\n", path, (int)a->node.type,
			   (unsigned long long)a->node.id, (unsigned long long)a->size, (unsigned)a->mode,
			   (long long)a->mtime, (long long)a->ctime);
		if (S_ISDIR(a->mode)) {
			rc = uu_walk(db, a->node, path, out);
		} else {
			/* the content too */
			struct buf c = BUF_INIT;
			rc = tree_read(db, a->node, &c);
			if (rc == 0)
				buf_add(out, c.p ? c.p : "", c.len);
			buf_free(&c);
		}
	}
	uu_listing_free(&l);
	return rc;
}

/* A full listing of a tenant (malloc'd), or NULL. */
static inline char *uu_snapshot(struct db *db, int64_t tenant)
{
	struct buf b = BUF_INIT;
	if (uu_walk(db, tree_node(T_TENANT, (uint64_t)tenant), "", &b) < 0) {
		buf_free(&b);
		return NULL;
	}
	buf_addc(&b, '\0');
	b.len--;
	return buf_detach(&b, NULL);
}

/* ------------------------------------------------------------ artifacts
 *
 * With UU_ARTIFACT defined: one artifact A loaded from bytes B with its
 * problems in D (setup/reset as a checked fixture), loaders for
 * single-quoted JSON, and assertions on D.
 */
#ifdef UU_ARTIFACT
#include <check.h>

#include "catalog/artifact.h"

#define MAX ARTIFACT_DEFAULT_MAX
#define ID "'id': 'com.acme.crm'"
#define VER "'version': '1.0.0'"
#define NS "'namespace': 'crm'"
#define MF ID ", " VER ", " NS

static struct artifact A;
static struct diag D;
static char *B; /* the bytes behind A */

static inline void reset(void)
{
	artifact_free(&A);
	diag_free(&D);
	free(B);
	B = NULL;
}

static inline void setup(void)
{
	memset(&A, 0, sizeof(A));
	memset(&D, 0, sizeof(D));
	B = NULL;
}

/* Loads raw bytes (taken over). */
static inline int load_raw(char *bytes, size_t len, unsigned flags)
{
	reset();
	B = bytes;
	return artifact_load(&A, B, len, MAX, flags, &D);
}

/* Loads single-quoted JSON. */
static inline int load(const char *sq)
{
	char *s = uu_json(sq);
	return load_raw(s, strlen(s), 0);
}

/* Loads {'manifest': {<manifest>}, <rest>}. */
static inline int loadm(const char *manifest, const char *rest)
{
	char *t = uu_fmt("{'manifest': {%s}%s%s}", manifest, rest[0] ? ", " : "", rest);
	int rc = load(t);
	free(t);
	return rc;
}

/* Loads an artifact with the default manifest and the given collections. */
static inline int loadc(const char *rest)
{
	return loadm(MF, rest);
}

#define HAS(err, needle)                                                                              \
	ck_assert_msg(uu_diag_find(&D, (err), (needle)) >= 0, "expected [%d] \"%s\" in:%s", (err), (needle), \
		      uu_diag_str(&D))
#define FIRST(err, needle)                                                                                  \
	do {                                                                                                \
		ck_assert_msg(diag_errno(&D) == (err), "errno %d, expected %d:%s", diag_errno(&D), (err),   \
			      uu_diag_str(&D));                                                             \
		ck_assert_msg(diag_first(&D) && strstr(diag_first(&D), (needle)), "first error is not \"%s\":%s", \
			      (needle), uu_diag_str(&D));                                                   \
	} while (0)
#define CLEAN() ck_assert_msg(D.nerr == 0 && diag_errno(&D) == 0, "unexpected errors:%s", uu_diag_str(&D))

/* The kind whose top-level key is key, or NULL. */
static inline const struct art_kind *kind(const char *key)
{
	for (size_t i = 0; i < A.nkinds; i++)
		if (!strcmp(A.kinds[i].key, key))
			return &A.kinds[i];
	return NULL;
}

/* The file stems of a kind, joined by ' '. */
static inline const char *files(const char *key)
{
	static char out[4096];
	const struct art_kind *k = kind(key);
	out[0] = '\0';
	if (!k)
		return "(no kind)";
	for (size_t i = k->first; i < k->first + k->count; i++) {
		ck_assert_uint_eq(A.items[i].kind, (size_t)(k - A.kinds));
		strncat(out, A.items[i].file, sizeof(out) - strlen(out) - 2);
		if (i + 1 < k->first + k->count)
			strcat(out, " ");
	}
	return out;
}
#endif /* UU_ARTIFACT */

/* ------------------------------------------------------------ installs
 *
 * With UU_INSTALL defined: a private in-memory store with tenant "t1"
 * (uu_setup/uu_teardown as a checked fixture), installs into it with the
 * report kept in uu_r, and reads of the tenant's tree by path.  Strings
 * returned are kept in a ring and freed later: do not free them.
 */
#ifdef UU_INSTALL
#include <check.h>
#include <cjson/cJSON.h>

#include "catalog/artifact.h"
#include "catalog/install.h"
#include "store/db.h"

static struct store *uu_st;
static int64_t uu_tid;
static struct install_report uu_r;
static char *uu_ring[64];
static unsigned uu_ringi;

static inline const char *uu_keep(char *s)
{
	unsigned i = uu_ringi++ % (sizeof(uu_ring) / sizeof(*uu_ring));
	free(uu_ring[i]);
	uu_ring[i] = s;
	return s;
}

static inline void uu_report_reset(void)
{
	struct install_report z = INSTALL_REPORT_INIT;
	install_report_free(&uu_r);
	uu_r = z;
}

static inline void uu_setup(void)
{
	char err[256];
	struct install_report z = INSTALL_REPORT_INIT;
	uu_r = z;
	ck_assert_msg(store_open(&uu_st, ":memory:", 0, err, sizeof(err)) == 0, "store_open: %s", err);
	ck_assert_int_eq(install_tenant_create(uu_st, "t1", 1000, 1000, &uu_r), 0);
	uu_tid = uu_r.tenant;
	ck_assert_int_gt(uu_tid, 0);
	uu_report_reset();
}

static inline void uu_teardown(void)
{
	install_report_free(&uu_r);
	store_close(uu_st);
	uu_st = NULL;
	for (size_t i = 0; i < sizeof(uu_ring) / sizeof(*uu_ring); i++) {
		free(uu_ring[i]);
		uu_ring[i] = NULL;
	}
}

/* Installs bytes into tenant, the report in uu_r. */
static inline int uu_install_opts(const char *tenant, const char *bytes, size_t len, const char *expect_id,
				  size_t max, mode_t mode, int64_t mtime)
{
	struct install_opts o = { tenant, "test", expect_id, max, mode, mtime };
	uu_report_reset();
	return install_artifact(uu_st, bytes, len, &o, &uu_r);
}

static inline int uu_install_in(const char *tenant, const char *bytes, size_t len)
{
	return uu_install_opts(tenant, bytes, len, NULL, ARTIFACT_DEFAULT_MAX, 0, 0);
}

/* Installs single-quoted JSON into t1. */
static inline int uu_inst(const char *sq)
{
	char *s = uu_json(sq);
	int rc = uu_install_in("t1", s, strlen(s));
	free(s);
	return rc;
}

/* Installs {manifest: {id, namespace, version, dependencies: {deps}}, rest} into t1. */
static inline int uu_pkg(const char *id, const char *ns, const char *ver, const char *deps, const char *rest)
{
	char *t = uu_fmt("{'manifest': {'id': '%s', 'namespace': '%s', 'version': '%s', 'dependencies': {%s}}%s%s}",
			 id, ns, ver, deps, rest[0] ? ", " : "", rest);
	int rc = uu_inst(t);
	free(t);
	return rc;
}

/* The bytes of a file of the repository (kept). */
static inline const char *uu_file(const char *path, size_t *len)
{
	char *s = uu_read_file(path, len);
	ck_assert_msg(s != NULL, "cannot read %s (run from the repository root)", path);
	return uu_keep(s);
}

static inline int uu_inst_file(const char *path)
{
	size_t len;
	const char *s = uu_file(path, &len);
	return uu_install_in("t1", s, len);
}

static inline int uu_rm(const char *pkg)
{
	uu_report_reset();
	return install_remove(uu_st, "t1", pkg, &uu_r);
}

static inline struct db *uu_db(void)
{
	struct db *db = store_acquire(uu_st);
	ck_assert_ptr_nonnull(db);
	return db;
}

/* The content of a file of t1 (kept), or NULL. */
static inline const char *uu_rd(const char *path)
{
	struct db *db = uu_db();
	char *s = uu_read(db, uu_tid, path, NULL);
	store_release(db);
	return s ? uu_keep(s) : NULL;
}

static inline int uu_ex(const char *path)
{
	struct tree_attr a;
	struct db *db = uu_db();
	int rc = uu_lookup(db, uu_tid, path, &a);
	store_release(db);
	ck_assert_msg(rc == 0 || rc == -ENOENT, "lookup %s: %d", path, rc);
	return rc == 0;
}

static inline struct tree_attr uu_at(const char *path)
{
	struct tree_attr a;
	struct db *db = uu_db();
	int rc = uu_lookup(db, uu_tid, path, &a);
	store_release(db);
	ck_assert_msg(rc == 0, "lookup %s: %d", path, rc);
	return a;
}

static inline long uu_cnt(const char *path)
{
	struct db *db = uu_db();
	long n = uu_count(db, uu_tid, path);
	store_release(db);
	return n;
}

/* Names in a directory of t1, each followed by '\n' (kept). */
static inline const char *uu_ls(const char *path)
{
	struct db *db = uu_db();
	char *s = uu_names(db, uu_tid, path);
	store_release(db);
	return s ? uu_keep(s) : "(cannot list)";
}

/* A full listing of t1 (kept). */
static inline const char *uu_snap(void)
{
	struct db *db = uu_db();
	char *s = uu_snapshot(db, uu_tid);
	store_release(db);
	ck_assert_ptr_nonnull(s);
	return uu_keep(s);
}

/* The value at a dotted path ("fields.x.label") of a JSON file of t1: a
 * string as it is, anything else as compact JSON (kept); NULL if absent. */
static inline const char *uu_j(const char *path, const char *dotted)
{
	const char *text = uu_rd(path);
	if (!text)
		return NULL;
	cJSON *root = cJSON_Parse(text), *v = root;
	char *keys = strdup(dotted), *save = NULL;
	for (char *k = strtok_r(keys, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
		v = cJSON_GetObjectItemCaseSensitive(v, k);
	free(keys);
	char *out = !v ? NULL : cJSON_IsString(v) ? strdup(v->valuestring) : cJSON_PrintUnformatted(v);
	cJSON_Delete(root);
	return out ? uu_keep(out) : NULL;
}

/* The last line of t1's log (kept). */
static inline const char *uu_last_log(void)
{
	const char *log = uu_rd("log");
	ck_assert_ptr_nonnull(log);
	size_t n = strlen(log);
	if (n && log[n - 1] == '\n')
		n--;
	const char *p = log + n;
	while (p > log && p[-1] != '\n')
		p--;
	return uu_keep(strndup(p, (size_t)(log + n - p)));
}

#define UU_HAS(err, needle)                                                                               \
	ck_assert_msg(uu_diag_find(&uu_r.diag, (err), (needle)) >= 0, "expected [%d] \"%s\" in:%s", (err), \
		      (needle), uu_diag_str(&uu_r.diag))
#define UU_FIRST(err, needle)                                                                                 \
	do {                                                                                                  \
		ck_assert_msg(diag_errno(&uu_r.diag) == (err), "errno %d, expected %d:%s",                    \
			      diag_errno(&uu_r.diag), (err), uu_diag_str(&uu_r.diag));                        \
		ck_assert_msg(diag_first(&uu_r.diag) && strstr(diag_first(&uu_r.diag), (needle)),             \
			      "first error is not \"%s\":%s", (needle), uu_diag_str(&uu_r.diag));             \
	} while (0)
#define UU_OK(expr)                                                                                         \
	do {                                                                                                \
		int uu_rc_ = (expr);                                                                        \
		ck_assert_msg(uu_rc_ == 0, "%s = %d:%s", #expr, uu_rc_, uu_diag_str(&uu_r.diag));           \
	} while (0)
#endif /* UU_INSTALL */

#endif
