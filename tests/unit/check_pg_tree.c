/* check_pg_tree: the PostgreSQL backend's tree (store/pg/tree.c) answers
 * exactly as the SQLite backend's over the same rows.  A store is built
 * through the public interface on SQLite (tenants, installs, an upgrade,
 * a removal, records, log lines, a catalog entry), its rows are copied
 * into a PostgreSQL store by tests/pg/sqlite_to_pg.py, and both trees are
 * walked the same way: every listing (in small chunks, resumed from each
 * entry's offset, as FUSE does), every lookup, attribute, content, hash
 * and tenant must be the same, line for line.  Run by `make unit-pg`.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "catalog/install.h"
#include "catalog/record_write.h"
#include "lib/buf.h"
#include "store/changes.h"
#include "store/pg/pg.h"
#include "tests/unit/check_common.h"
#include "tests/unit/pg_util.h"
#include "tests/unit/unit_util.h"

struct tops {
	int (*getattr)(struct db *, struct tree_node, struct tree_attr *);
	int (*lookup)(struct db *, struct tree_node, const char *, struct tree_attr *);
	int (*readdir)(struct db *, struct tree_node, uint64_t, tree_fill_fn, void *);
	int (*read)(struct db *, struct tree_node, struct buf *);
	int (*hash)(struct db *, struct tree_node, uint64_t *);
	int (*tenant_of)(struct db *, struct tree_node, int64_t *);
	int (*note_derived)(struct db *, int64_t, struct changes *);
};

static const struct tops sqlite_ops = { tree_getattr, tree_lookup, tree_readdir, tree_read, tree_artifact_hash,
					tree_tenant_of, tree_note_derived };
static const struct tops pg_ops = { pg_tree_getattr, pg_tree_lookup, pg_tree_readdir, pg_tree_read,
				    pg_tree_artifact_hash, pg_tree_tenant_of, pg_tree_note_derived };

static void put_attr(struct buf *o, const struct tree_attr *a)
{
	char s[256];
	snprintf(s, sizeof(s), " node=%d:%llu mode=%o uid=%u gid=%u nlink=%u size=%llu mtime=%lld ctime=%lld",
		 (int)a->node.type, (unsigned long long)a->node.id, (unsigned)a->mode, (unsigned)a->uid,
		 (unsigned)a->gid, a->nlink, (unsigned long long)a->size, (long long)a->mtime, (long long)a->ctime);
	buf_add(o, s, strlen(s));
}

static void put(struct buf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *o, const char *fmt, ...)
{
	char s[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	buf_add(o, s, strlen(s));
}

#define CHUNK 3 /* entries per readdir call: every listing is resumed */

struct entry {
	char name[256];
	struct tree_attr a;
	uint64_t next;
};

struct chunk {
	struct entry e[CHUNK];
	int n;
};

static int fill(void *ctx, const char *name, const struct tree_attr *a, uint64_t next)
{
	struct chunk *c = ctx;
	if (c->n == CHUNK)
		return 1; /* full: this entry is not taken, as with FUSE's buffer */
	struct entry *e = &c->e[c->n++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->a = *a;
	e->next = next;
	return 0;
}

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

static void walk(struct db *db, const struct tops *t, struct tree_node dir, const char *path, struct buf *o, int depth)
{
	ck_assert_int_lt(depth, 12);
	uint64_t off = 0;
	for (;;) {
		struct chunk c = { .n = 0 };
		int rc = t->readdir(db, dir, off, fill, &c);
		put(o, "%s: readdir(%llu) rc=%d n=%d\n", path, (unsigned long long)off, rc, c.n);
		if (rc < 0 || c.n == 0)
			break;
		for (int i = 0; i < c.n; i++) {
			struct entry *e = &c.e[i];
			char p[1024];
			snprintf(p, sizeof(p), "%s/%s", path, e->name);
			put(o, "%s next=%llu", p, (unsigned long long)e->next);
			put_attr(o, &e->a);
			put(o, "\n");
			if (!strcmp(e->name, ".") || !strcmp(e->name, ".."))
				continue;
			struct tree_attr la, ga;
			rc = t->lookup(db, dir, e->name, &la);
			put(o, "  lookup rc=%d", rc);
			put_attr(o, &la);
			rc = t->getattr(db, e->a.node, &ga);
			put(o, "\n  getattr rc=%d", rc);
			put_attr(o, &ga);
			int64_t tenant = -1;
			uint64_t h = 0;
			rc = t->tenant_of(db, e->a.node, &tenant);
			put(o, "\n  tenant rc=%d %lld", rc, (long long)tenant);
			rc = t->hash(db, e->a.node, &h);
			put(o, " hash rc=%d %llx\n", rc, (unsigned long long)h);
			if (e->a.node.type == T_TENANT) {
				/* the folders whose mode follows the tenant's own packages */
				struct changes ch = CHANGES_INIT;
				rc = t->note_derived(db, tenant, &ch);
				put(o, "  derived rc=%d", rc);
				for (size_t k = 0; k < ch.n; k++)
					put(o, " %d:%llu", (int)ch.v[k].dir.type, (unsigned long long)ch.v[k].dir.id);
				put(o, "\n");
				changes_free(&ch);
			}
			if (S_ISDIR(e->a.mode)) {
				walk(db, t, e->a.node, p, o, depth + 1);
			} else {
				struct buf b = BUF_INIT;
				rc = t->read(db, e->a.node, &b);
				put(o, "  read rc=%d len=%zu fnv=%llx\n", rc, b.len, (unsigned long long)fnv(b.p, b.len));
				buf_free(&b);
			}
		}
		off = c.e[c.n - 1].next;
		if (c.n < CHUNK)
			break;
	}
	/* names that are not there, one of them not UTF-8 */
	static const char *const absent[] = { "nope", "nope.json", "x@1.0.0", "\xff\xfe.json" };
	for (size_t i = 0; i < N(absent); i++) {
		struct tree_attr a;
		int rc = t->lookup(db, dir, absent[i], &a);
		put(o, "%s: lookup absent %zu rc=%d\n", path, i, rc);
	}
}

static char dir[64], path[128];

static void must(int rc, struct install_report *r, const char *what)
{
	ck_assert_msg(rc == 0, "%s: %d %s", what, rc, uu_diag_str(&r->diag));
	install_report_free(r);
	*r = (struct install_report)INSTALL_REPORT_INIT;
}

static void install(struct store *st, const char *tenant, const char *file)
{
	size_t len;
	char *bytes = uu_read_file(file, &len);
	ck_assert_ptr_nonnull(bytes);
	struct install_opts o = { tenant, "test", NULL, ARTIFACT_DEFAULT_MAX, 0, 0 };
	struct install_report r = INSTALL_REPORT_INIT;
	must(install_artifact(st, bytes, len, &o, &r), &r, file);
	install_report_free(&r);
	free(bytes);
}

/* The SQLite store the comparison starts from. */
static void build_sqlite(void)
{
	char err[256];
	struct store *st = NULL;
	ck_assert_msg(store_open(&st, path, 0, err, sizeof(err)) == 0, "%s", err);
	struct install_report r = INSTALL_REPORT_INIT;
	must(install_tenant_create(st, "alpha", 1000, 100, &r), &r, "tenant alpha");
	must(install_tenant_create(st, "beta", 1001, 101, &r), &r, "tenant beta");
	install(st, "alpha", "tests/artifacts/acme-crm-1.0.0.json");
	install(st, "alpha", "tests/artifacts/acme-helpdesk-0.3.0.json");
	install(st, "alpha", "tests/artifacts/acme-crm-1.1.0.json"); /* an upgrade: new ids */
	install(st, "beta", "tests/artifacts/acme-crm-1.0.0.json");
	install(st, "beta", "tests/artifacts/acme-helpdesk-0.3.0.json");
	must(install_remove(st, "beta", "com.acme.helpdesk", &r), &r, "remove");
	install(st, "beta", "tests/artifacts/acme-crm-2.0.0.json");
	static const char rec[] = "{\"name\": \"Ünïcode ' \\\" name\"}\n";
	must(record_write(st, "alpha", "crm_account", "acc-1", rec, strlen(rec), &r), &r, "record 1");
	must(record_write(st, "alpha", "crm_account", "acc-2", rec, strlen(rec), &r), &r, "record 2");
	must(install_note(st, "alpha", "a note\n", &r), &r, "note");
	size_t len;
	char *bytes = uu_read_file("tests/artifacts/acme-crm-2.0.0.json", &len);
	must(catalog_add(st, bytes, len, ARTIFACT_DEFAULT_MAX, "test", &r), &r, "catalog");
	free(bytes);
	install_report_free(&r);
	store_close(st);
}

static void copy_to_pg(void)
{
	pgu_sql("DROP SCHEMA IF EXISTS osfs CASCADE");
	char err[512];
	struct store *pst = NULL;
	ck_assert_msg(pg_store_open(&pst, pgu_uri, 0, err, sizeof(err)) == 0, "%s", err);
	pg_store_close(pst);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "bash -o pipefail -c \"python3 tests/pg/sqlite_to_pg.py %s | "
		 "/usr/lib/postgresql/15/bin/psql -X -q -v ON_ERROR_STOP=1 '%s' >/dev/null\"",
		 path, pgu_uri);
	ck_assert_int_eq(system(cmd), 0);
}

static char *walk_all(struct db *db, const struct tops *t)
{
	struct buf o = BUF_INIT;
	struct tree_attr a;
	put(&o, "root rc=%d", t->getattr(db, tree_node(T_FIXED, TREE_ROOT), &a));
	put_attr(&o, &a);
	put(&o, "\n");
	walk(db, t, tree_node(T_FIXED, TREE_ROOT), "", &o, 0);
	/* nodes that do not exist */
	static const struct tree_node gone[] = { { T_TENANT, 999 }, { T_INSTFILE, 999 }, { T_ITEM, 999ull << 24 | 1 },
						 { T_RECORD, 999 }, { T_CATFILE, 999 }, { T_FIXED, 9 } };
	for (size_t i = 0; i < N(gone); i++) {
		struct buf b = BUF_INIT;
		put(&o, "gone %zu getattr=%d read=%d\n", i, t->getattr(db, gone[i], &a), t->read(db, gone[i], &b));
		buf_free(&b);
	}
	buf_addc(&o, '\0');
	return buf_detach(&o, NULL);
}

/* The SQLite store's folder: made and removed by the parent process (a
 * failed check ends the forked test before any teardown). */
static void dir_remove(void)
{
	if (getpid() != pgu_parent || !dir[0])
		return;
	static const char *const files[] = { "store.db", "store.db-wal", "store.db-shm" };
	for (size_t i = 0; i < N(files); i++) {
		char p[200];
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

START_TEST(test_same_tree_as_sqlite)
{
	build_sqlite();
	copy_to_pg();

	tree_set_owner(4321, 8765);
	tree_set_owner(4321, 8765);
	char err[256];
	struct store *sst = NULL, *pst = NULL;
	ck_assert_msg(store_open(&sst, path, 1, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(pg_store_open(&pst, pgu_uri, 0, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(pst->migrated, 0);
	struct db *sdb = store_acquire_read(sst);
	struct db *pdb = pg_store_acquire_read(pst);
	char *want = walk_all(sdb, &sqlite_ops);
	char *got = walk_all(pdb, &pg_ops);
	store_release(sdb);
	pg_store_release(pdb);
	/* the first line that differs, with its neighbours */
	const char *w = want, *g = got;
	int line = 1;
	while (*w && *w == *g) {
		if (*w == '\n')
			line++;
		w++;
		g++;
	}
	if (*w || *g) {
		const char *ws = w, *gs = g;
		while (ws > want && ws[-1] != '\n')
			ws--;
		while (gs > got && gs[-1] != '\n')
			gs--;
		ck_abort_msg("line %d differs:\nsqlite: %.*s\npg:     %.*s", line, (int)strcspn(ws, "\n"), ws,
			     (int)strcspn(gs, "\n"), gs);
	}
	if (getenv("PGTREE_DUMP")) {
		FILE *f = fopen(getenv("PGTREE_DUMP"), "w");
		if (f) {
			fputs(want, f);
			fclose(f);
		}
	}
	/* a tenant with a system package: its derived folders are listed */
	ck_assert_ptr_nonnull(strstr(want, "derived rc=0 "));
	/* the walk saw what was built */
	ck_assert_ptr_nonnull(strstr(want, "/tenants/alpha/data/crm_account/acc-2.json next="));
	ck_assert_ptr_nonnull(strstr(want, "/catalog/com.acme.crm/2.0.0.json next="));
	ck_assert_ptr_nonnull(strstr(want, "/tenants/alpha/packages/com.acme.crm@1.1.0/objectstack.json next="));
	ck_assert_ptr_null(strstr(want, "com.acme.crm@1.0.0"));
	ck_assert_ptr_nonnull(strstr(want, "/tenants/beta/packages/com.acme.crm@2.0.0 next="));
	ck_assert_ptr_null(strstr(want, "/tenants/beta/packages/com.acme.helpdesk"));
	fprintf(stderr, "check_pg_tree: %d lines the same\n", line);
	free(want);
	free(got);
	store_close(sst);

	/* the ids continue after the highest SQLite handed out: no inode
	 * number is handed out twice */
	struct db *db = pg_store_acquire(pst);
	PGresult *r;
	ck_assert_int_eq(pg_query(db,
				  "INSERT INTO installs(tenant, pkg, version, artifact, system, at, mtime, ctime) "
				  "SELECT tenant, 'zz', '1.0.0', artifact, 0, 0, 0, 0 FROM installs LIMIT 1 RETURNING id",
				  PG_NOARGS, &r),
			 0);
	long long maxid = pgu_q1("SELECT max(id) FROM osfs.installs WHERE pkg <> 'zz'");
	ck_assert_int_gt(pg_get_i64(r, 0, 0), maxid);
	ck_assert_int_gt(pg_get_i64(r, 0, 0), 5); /* 5 installs were made, one removed */
	PQclear(r);
	pg_store_release(db);
	pg_store_close(pst);
}
END_TEST

static Suite *pg_tree_suite(void)
{
	Suite *s = suite_create("pg_tree");
	TCase *tc = tcase_create("same");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_same_tree_as_sqlite);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	pgu_start();
	snprintf(dir, sizeof(dir), "/tmp/osfs-check-pgtree.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(dir_remove);
	snprintf(path, sizeof(path), "%s/store.db", dir);
	SRunner *sr = srunner_create(pg_tree_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pgu_stop();
	return failed ? 1 : 0;
}
