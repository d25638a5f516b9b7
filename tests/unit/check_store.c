/* check_store: the SQLite backend (store/sqlite/db.c, tenants.c, log.c,
 * artstore.c) on stores in temporary files and in memory: the schema,
 * reopening, the clock, tenants, the log, artifacts stored once, and row
 * ids (inode numbers) that are never handed out twice and survive a
 * reopen.  It is that backend's test: it may look at the database with
 * SQLite's own calls (store/sqlite/sqlite.h), which nothing else outside
 * store/sqlite/ does (tests/layers.sh).
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/unit_util.h"

#include "catalog/install.h"
#include "catalog/install_internal.h"
#include "catalog/artifact_rows.h"
#include "store/artstore.h"
#include "store/backend.h"
#include "store/installs.h"
#include "store/log.h"
#include "store/records.h"
#include "store/sqlite/sqlite.h"
#include "store/tenants.h"

#define CRM1 "tests/artifacts/acme-crm-1.0.0.json"
#define CRM11 "tests/artifacts/acme-crm-1.1.0.json"
#define CRM2 "tests/artifacts/acme-crm-2.0.0.json"

static char dir[64];
static char path[128];
static struct store *st;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/osfs-check-store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	st = NULL;
}

static void teardown(void)
{
	store_close(st);
	st = NULL;
	static const char *const files[] = { "store.db", "store.db-wal", "store.db-shm", "empty.db", "new.db",
						     "v1.db", "v1.db-wal", "v1.db-shm" };
	for (size_t i = 0; i < N(files); i++) {
		char p[200];
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static void open_store(const char *p, int readonly)
{
	char err[256] = "";
	int rc = store_open(&st, p, readonly, err, sizeof(err));
	ck_assert_msg(rc == 0, "store_open(%s): %d %s", p, rc, err);
}

static void reopen(void)
{
	store_close(st);
	st = NULL;
	open_store(path, 0);
}

/* The first column of the first row of sql (with ?1 bound to arg). */
static int64_t q1(struct db *db, const char *sql, int64_t arg)
{
	sqlite3_stmt *s;
	ck_assert_msg(sqlite3_prepare_v2(db->conn, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db->conn));
	if (sqlite3_bind_parameter_count(s))
		sqlite3_bind_int64(s, 1, arg);
	int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_finalize(s);
	return v;
}

/* Every row of sql as "a,b,c;" (NULL as "-"), malloc'd. */
static char *qs(struct db *db, const char *sql, int64_t arg)
{
	sqlite3_stmt *s;
	struct buf b = BUF_INIT;
	ck_assert_msg(sqlite3_prepare_v2(db->conn, sql, -1, &s, NULL) == SQLITE_OK, "%s", sql);
	if (sqlite3_bind_parameter_count(s))
		sqlite3_bind_int64(s, 1, arg);
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(s); i++) {
			const unsigned char *t = sqlite3_column_text(s, i);
			buf_printf(&b, "%s%s", i ? "," : "", t ? (const char *)t : "-");
		}
		buf_addc(&b, ';');
	}
	sqlite3_finalize(s);
	return buf_detach(&b, NULL);
}

static int64_t tenant(const char *name)
{
	struct install_report r = INSTALL_REPORT_INIT;
	int rc = install_tenant_create(st, name, 1000, 100, &r);
	ck_assert_msg(rc == 0, "tenant %s: %d%s", name, rc, uu_diag_str(&r.diag));
	int64_t id = r.tenant;
	install_report_free(&r);
	return id;
}

static int install_file(const char *t, const char *file)
{
	size_t len;
	char *bytes = uu_read_file(file, &len);
	ck_assert_ptr_nonnull(bytes);
	struct install_opts o = { t, "test", NULL, ARTIFACT_DEFAULT_MAX, 0, 0 };
	struct install_report r = INSTALL_REPORT_INIT;
	int rc = install_artifact(st, bytes, len, &o, &r);
	install_report_free(&r);
	free(bytes);
	return rc;
}

static int install_sq(const char *t, const char *sq)
{
	char *bytes = uu_json(sq);
	struct install_opts o = { t, "test", NULL, ARTIFACT_DEFAULT_MAX, 0, 0 };
	struct install_report r = INSTALL_REPORT_INIT;
	int rc = install_artifact(st, bytes, strlen(bytes), &o, &r);
	install_report_free(&r);
	free(bytes);
	return rc;
}

static int remove_pkg(const char *t, const char *pkg)
{
	struct install_report r = INSTALL_REPORT_INIT;
	int rc = install_remove(st, t, pkg, &r);
	install_report_free(&r);
	return rc;
}

static struct install_row row(int64_t t, const char *pkg)
{
	struct install_row r;
	struct db *db = store_acquire(st);
	ck_assert_int_eq(installs_get(db, t, pkg, &r), 0);
	store_release(db);
	return r;
}

static uint64_t node_id(int64_t t, const char *p)
{
	struct tree_attr a;
	struct db *db = store_acquire(st);
	int rc = uu_lookup(db, t, p, &a);
	store_release(db);
	ck_assert_msg(rc == 0, "%s: %d", p, rc);
	return a.node.id;
}

/* ------------------------------------------------------------ opening */

/* Every operation of ops.def has a function in the SQLite engine's
 * table, and a call through the public name reaches it. */
START_TEST(test_dispatch_table_complete)
{
#define OP(ret, op, params, args) ck_assert_msg(sq_backend.op != NULL, "sq_backend lacks " #op);
#define VOP(op, params, args) OP(void, op, params, args)
#include "store/ops.def"
#undef OP
#undef VOP
	ck_assert_str_eq(sq_backend.name, "sqlite");
	struct store *mem;
	char err[256];
	ck_assert_int_eq(store_open(&mem, ":memory:", 0, err, sizeof(err)), 0);
	ck_assert_ptr_eq(((struct store_hdr *)(void *)mem)->be, &sq_backend);
	struct db *db = store_acquire(mem);
	ck_assert_ptr_nonnull(db);
	ck_assert_ptr_eq(((struct store_hdr *)(void *)db)->be, &sq_backend);
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_commit(db), 0);
	store_release(db);
	store_release(NULL); /* a no-op, as before */
	store_close(mem);
	store_close(NULL);
}
END_TEST

/* A PostgreSQL string is told apart from a SQLite path, and refused by a
 * build without PostgreSQL with a sentence that does not repeat it (it
 * may hold a password). */
START_TEST(test_store_string_engine)
{
	ck_assert(store_is_pg("postgresql://db1,db2/osfs?target_session_attrs=read-write"));
	ck_assert(store_is_pg("postgres://u@h/d"));
	ck_assert(store_is_pg("host=/tmp/pg dbname=osfs"));
	ck_assert(store_is_pg("dbname=osfs"));
	ck_assert(!store_is_pg("/var/lib/osfs/store.db"));
	ck_assert(!store_is_pg("store.db"));
	ck_assert(!store_is_pg("./host=x"));
	ck_assert(!store_is_pg("colour=red"));
	ck_assert(!store_is_pg(""));
}
END_TEST

START_TEST(test_open_creates_schema)
{
	open_store(path, 0);
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	struct db *db = store_acquire(st);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(q1(db, "PRAGMA user_version", 0), 5);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('meta', 'artifacts', "
			 "'art_deps', 'kinds', 'items', 'art_objects', 'art_exts', 'art_refs', 'tenants', 'installs', "
			 "'pkg_state', 'history', 'claims', 'registry', 'tables', 'records', 'log')", 0), 17);
	char *jm = qs(db, "PRAGMA journal_mode", 0);
	ck_assert_str_eq(jm, "wal;");
	free(jm);
	ck_assert_int_eq(q1(db, "PRAGMA foreign_keys", 0), 1);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM meta WHERE key IN ('created', 'tenants_mtime', 'clock')", 0), 3);
	/* a file store has a connection per thread/request */
	struct db *db2 = store_acquire(st);
	ck_assert_ptr_nonnull(db2);
	ck_assert_ptr_ne(db, db2);
	store_release(db2);
	/* the root and tenants/ */
	struct tree_attr a;
	ck_assert_int_eq(tree_getattr(db, tree_node(T_FIXED, TREE_ROOT), &a), 0);
	ck_assert(S_ISDIR(a.mode));
	ck_assert_int_eq(tree_getattr(db, tree_node(T_FIXED, TREE_TENANTS), &a), 0);
	ck_assert_int_eq(a.mode, S_IFDIR | 01777);
	store_release(db);
	/* reopening finds it, and what was written */
	int64_t t1 = tenant("t1");
	ck_assert_int_eq(install_file("t1", CRM1), 0);
	reopen();
	reopen();
	db = store_acquire(st);
	struct tenant_row t;
	ck_assert_int_eq(tenants_find(db, "t1", &t), 0);
	ck_assert_int_eq(t.id, t1);
	ck_assert_int_eq(q1(db, "PRAGMA user_version", 0), 5);
	store_release(db);
	ck_assert_str_eq(row(t1, "com.acme.crm").version, "1.0.0");
	/* read-only */
	store_close(st);
	open_store(path, 1);
	db = store_acquire(st);
	ck_assert_int_eq(tenants_find(db, "t1", &t), 0);
	store_release(db);
	struct install_report r = INSTALL_REPORT_INIT;
	ck_assert_int_lt(install_tenant_create(st, "t2", 0, 0, &r), 0);
	install_report_free(&r);
}
END_TEST

START_TEST(test_open_failures)
{
	char err[256] = "";
	char p[200];
	snprintf(p, sizeof(p), "%s/no/such/dir/store.db", dir);
	ck_assert_int_lt(store_open(&st, p, 0, err, sizeof(err)), 0);
	ck_assert_ptr_null(st);
	ck_assert_str_ne(err, "");
	/* an empty file opened read-only: not initialized */
	snprintf(p, sizeof(p), "%s/empty.db", dir);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	err[0] = '\0';
	ck_assert_int_eq(store_open(&st, p, 1, err, sizeof(err)), -EROFS);
	ck_assert_ptr_nonnull(strstr(err, "not initialized"));
	/* a store from a newer osfs */
	snprintf(p, sizeof(p), "%s/new.db", dir);
	sqlite3 *c;
	ck_assert_int_eq(sqlite3_open(p, &c), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(c, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(c);
	err[0] = '\0';
	ck_assert_int_eq(store_open(&st, p, 0, err, sizeof(err)), -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "schema version 99"));
	ck_assert_ptr_null(st);
}
END_TEST

/* A store of schema version 1 (before the catalog) is upgraded in place,
 * through every later version. */
START_TEST(test_upgrade_from_v1)
{
	char p[512], err[256];
	struct store *s1 = NULL;
	snprintf(p, sizeof(p), "%s/v1.db", dir);
	ck_assert_int_eq(store_open(&s1, p, 0, err, sizeof(err)), 0);
	store_close(s1);
	sqlite3 *c;
	ck_assert_int_eq(sqlite3_open(p, &c), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(c, "DROP TABLE catalog; DROP TABLE catalog_pkgs; DROP TABLE http_cache; "
					 "DROP INDEX installs_pkg; DROP INDEX tenants_uid; DROP TABLE record_secrets; DROP TRIGGER records_keys_add; "
					 "DROP TRIGGER records_keys_drop; DROP TABLE record_keys; DROP TABLE unique_fields; "
					 "ALTER TABLE records DROP COLUMN seeded; DELETE FROM meta WHERE key='catalog_mtime'; PRAGMA user_version=1",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(c);
	ck_assert_int_eq(store_open(&s1, p, 1, err, sizeof(err)), -EROFS);
	ck_assert_ptr_nonnull(strstr(err, "needs an upgrade of its schema (version 1 to 5)"));
	ck_assert_int_eq(store_open(&s1, p, 0, err, sizeof(err)), 0);
	struct db *db = store_acquire(s1);
	ck_assert_int_eq(q1(db, "PRAGMA user_version", 0), 5);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM catalog", 0), 0);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM meta WHERE key='catalog_mtime'", 0), 1);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='installs_pkg'", 0), 1);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='tenants_uid'", 0), 1);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='record_secrets'", 0), 1);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND tbl_name='records'", 0), 2);
	store_release(db);
	store_close(s1);
}
END_TEST

START_TEST(test_memory_store)
{
	open_store(":memory:", 0);
	struct db *db = store_acquire(st);
	ck_assert_ptr_nonnull(db);
	ck_assert_ptr_null(store_acquire(st)); /* one connection only */
	ck_assert_int_eq(q1(db, "PRAGMA user_version", 0), 5);
	store_release(db);
	db = store_acquire(st);
	ck_assert_ptr_nonnull(db);
	store_release(db);
}
END_TEST

/* ------------------------------------------------------------ clock */

static int64_t wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

START_TEST(test_db_now)
{
	open_store(path, 0);
	struct db *db = store_acquire(st);
	int64_t t[6];
	int64_t before = wall();
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_now(db, 0, &t[0]), 0);
	ck_assert_int_ge(t[0], before);
	ck_assert_int_lt(t[0], wall() + 1000000000);
	for (int i = 1; i < 4; i++) {
		ck_assert_int_eq(db_now(db, 0, &t[i]), 0);
		ck_assert_int_gt(t[i], t[i - 1]);
	}
	/* an event with a span: the next one starts after all of its times */
	const int64_t span = (int64_t)1000 * 1000000000; /* 1000 s, ahead of the wall clock */
	ck_assert_int_eq(db_now(db, span, &t[4]), 0);
	ck_assert_int_eq(db_now(db, 0, &t[5]), 0);
	ck_assert_int_gt(t[5], t[4] + span);
	ck_assert_int_eq(db_commit(db), 0);
	store_release(db);
	/* and after a reopen (a restart) */
	reopen();
	db = store_acquire(st);
	int64_t t6;
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_now(db, -5, &t6), 0); /* a negative span counts as 0 */
	ck_assert_int_gt(t6, t[5]);
	int64_t t7;
	ck_assert_int_eq(db_now(db, 0, &t7), 0);
	ck_assert_int_gt(t7, t6);
	db_rollback(db);
	store_release(db);
}
END_TEST

/* ------------------------------------------------------------ tenants */

static int count_each(void *ctx, int64_t id, const char *name)
{
	struct buf *b = ctx;
	buf_printf(b, "%lld:%s ", (long long)id, name);
	return !strcmp(name, "b"); /* stop after b */
}

START_TEST(test_tenants_module)
{
	open_store(":memory:", 0);
	struct db *db = store_acquire(st);
	int64_t a, b, c, dup = 0;
	struct tenant_row t;
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(tenants_create(db, "a", 1, 2, S_IFDIR | 0750, 100, &a), 0);
	ck_assert_int_eq(tenants_create(db, "b", 3, 4, 0700, 200, &b), 0);
	ck_assert_int_eq(tenants_create(db, "c", 5, 6, 0755, 300, &c), 0);
	ck_assert_int_eq(tenants_create(db, "a", 1, 2, 0750, 400, &dup), -EEXIST);
	ck_assert_int_eq(dup, 0);
	ck_assert_int_gt(b, a);
	ck_assert_int_gt(c, b);
	ck_assert_int_eq(tenants_find(db, "a", &t), 0);
	ck_assert_int_eq(t.id, a);
	ck_assert_int_eq(t.uid, 1);
	ck_assert_int_eq(t.gid, 2);
	ck_assert_int_eq(t.mode, 0750); /* permission bits only */
	ck_assert_str_eq(t.name, "a");
	ck_assert_int_eq(tenants_get(db, b, &t), 0);
	ck_assert_str_eq(t.name, "b");
	ck_assert_int_eq(tenants_get(db, c + 100, &t), -ENOENT);
	ck_assert_int_eq(tenants_find(db, "zz", &t), -ENOENT);
	ck_assert_int_eq(tenants_is_empty(db, a), 1);
	/* attributes: -1 keeps a value */
	ck_assert_int_eq(tenants_set_owner(db, a, -1, 9, -1, 500), 0);
	ck_assert_int_eq(tenants_get(db, a, &t), 0);
	ck_assert_int_eq(t.uid, 1);
	ck_assert_int_eq(t.gid, 9);
	ck_assert_int_eq(t.mode, 0750);
	ck_assert_int_eq(tenants_set_owner(db, a, 7, -1, 04711, 600), 0);
	ck_assert_int_eq(tenants_get(db, a, &t), 0);
	ck_assert_int_eq(t.uid, 7);
	ck_assert_int_eq(t.mode, 04711);
	struct tree_attr at;
	ck_assert_int_eq(tree_getattr(db, tree_node(T_TENANT, (uint64_t)a), &at), 0);
	ck_assert_int_eq(at.ctime, 600);
	ck_assert_int_eq(at.mode, S_IFDIR | 04711);
	/* touch: the tenant's folders take the time (each its own) */
	ck_assert_int_eq(tenants_touch(db, a, 1000), 0);
	ck_assert_int_eq(tree_getattr(db, tree_node(T_PKGSDIR, (uint64_t)a), &at), 0);
	ck_assert_int_eq(at.mtime, 1000 + T_PKGSDIR);
	ck_assert_int_eq(tree_getattr(db, tree_node(T_INSTDIR, (uint64_t)a), &at), 0);
	ck_assert_int_eq(at.mtime, 1000 + T_INSTDIR);
	/* each, in id order, until fn says stop */
	struct buf names = BUF_INIT;
	ck_assert_int_eq(tenants_each(db, count_each, &names), 0);
	char want[128];
	snprintf(want, sizeof(want), "%lld:a %lld:b ", (long long)a, (long long)b);
	ck_assert_str_eq(buf_str(&names), want);
	buf_free(&names);
	/* records make a tenant non-empty */
	int64_t tbl;
	int created;
	ck_assert_int_eq(records_table(db, b, "x_obj", 700, &tbl, &created), 0);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(tenants_is_empty(db, b), 1); /* an empty table is nothing */
	ck_assert_int_eq(records_put(db, tbl, "k", "{}\n", 3, 701, 0), 0);
	ck_assert_int_eq(records_table_done(db, tbl, 1, 701), 0);
	ck_assert_int_eq(tenants_is_empty(db, b), 0);
	ck_assert_int_eq(records_table(db, b, "x_obj", 800, &tbl, &created), 0);
	ck_assert_int_eq(created, 0);
	/* delete takes everything of the tenant */
	ck_assert_int_eq(tenants_delete(db, b, 900), 0);
	ck_assert_int_eq(tenants_find(db, "b", &t), -ENOENT);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM tables WHERE tenant=?1", b), 0);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM records WHERE tbl=?1", tbl), 0);
	ck_assert_int_eq(db_commit(db), 0);
	store_release(db);
}
END_TEST

/* Removing a tenant removes all of it; its name can be taken again, with
 * new ids. */
START_TEST(test_tenant_recreate)
{
	open_store(path, 0);
	int64_t t1 = tenant("t1");
	ck_assert_int_eq(install_sq("t1", "{'manifest': {'id': 'com.t.alpha', 'version': '1.0.0'}, "
				    "'objects': [{'name': 'alpha_a', 'fields': {}}]}"), 0);
	ck_assert_int_eq(remove_pkg("t1", "com.t.alpha"), 0);
	struct install_report r = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_remove(st, "t1", &r), 0);
	install_report_free(&r);
	struct db *db = store_acquire(st);
	static const char *const sql[] = {
		"SELECT count(*) FROM installs WHERE tenant=?1", "SELECT count(*) FROM claims WHERE tenant=?1",
		"SELECT count(*) FROM registry WHERE tenant=?1", "SELECT count(*) FROM tables WHERE tenant=?1",
		"SELECT count(*) FROM log WHERE tenant=?1", "SELECT count(*) FROM history WHERE tenant=?1",
		"SELECT count(*) FROM pkg_state WHERE tenant=?1",
	};
	for (size_t i = 0; i < N(sql); i++)
		ck_assert_msg(q1(db, sql[i], t1) == 0, "%s", sql[i]);
	/* the system artifacts stay for other tenants */
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM artifacts WHERE system=1", 0), 6);
	store_release(db);
	int64_t again = tenant("t1");
	ck_assert_int_gt(again, t1);
	db = store_acquire(st);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM log WHERE tenant=?1", again), 1);
	store_release(db);
}
END_TEST

/* ------------------------------------------------------------ log */

START_TEST(test_log_append)
{
	open_store(":memory:", 0);
	struct db *db = store_acquire(st);
	int64_t t;
	struct changes ch = CHANGES_INIT;
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(tenants_create(db, "t", 0, 0, 0750, 1, &t), 0);
	const int64_t ts1 = 1790239663663123456, ts2 = 951782400999999999;
	ck_assert_int_eq(log_append(db, t, ts1, "installed x", &ch), 0);
	static const char line1[] = "2026-09-24T08:47:43.663Z installed x\n";
	struct tree_attr a;
	ck_assert_int_eq(tree_getattr(db, tree_node(T_LOG, (uint64_t)t), &a), 0);
	ck_assert_uint_eq(a.size, strlen(line1));
	ck_assert_int_eq(a.mtime, ts1);
	ck_assert_int_eq(a.mode, S_IFREG | 0444);
	/* control characters (hostile artifacts) are escaped; UTF-8 stays */
	ck_assert_int_eq(log_append(db, t, ts2, "a\tb\nc\x1b[31m\x7f\r\xc3\xa9 \x01", &ch), 0);
	static const char line2[] = "2000-02-29T00:00:00.999Z a\\tb\\nc\\x1b[31m\\x7f\\r\xc3\xa9 \\x01\n";
	ck_assert_int_eq(tree_getattr(db, tree_node(T_LOG, (uint64_t)t), &a), 0);
	ck_assert_uint_eq(a.size, strlen(line1) + strlen(line2));
	ck_assert_int_eq(a.mtime, ts2); /* the time of its last line */
	struct buf b = BUF_INIT;
	ck_assert_int_eq(tree_read(db, tree_node(T_LOG, (uint64_t)t), &b), 0);
	char want[256];
	snprintf(want, sizeof(want), "%s%s", line1, line2);
	ck_assert_str_eq(buf_str(&b), want);
	buf_free(&b);
	/* each line is addressed by its byte offset */
	char *offs = qs(db, "SELECT off FROM log WHERE tenant=?1 ORDER BY off", t);
	snprintf(want, sizeof(want), "0;%zu;", strlen(line1));
	ck_assert_str_eq(offs, want);
	free(offs);
	/* the cache of the log is dropped from the new line on */
	ck_assert_uint_eq(ch.n, 2);
	ck_assert_int_eq(ch.v[1].dir.type, T_LOG);
	ck_assert_uint_eq(ch.v[1].dir.id, (uint64_t)t);
	ck_assert_ptr_null(ch.v[1].name);
	ck_assert_uint_eq(ch.v[1].off, strlen(line1));
	changes_free(&ch);
	ck_assert_int_eq(log_append(db, t + 1, ts2, "nobody", NULL), -ENOENT);
	ck_assert_int_eq(log_append(db, t, ts2, "", NULL), 0); /* an empty text is a line too */
	ck_assert_int_eq(tree_getattr(db, tree_node(T_LOG, (uint64_t)t), &a), 0);
	ck_assert_uint_eq(a.size, strlen(line1) + strlen(line2) + 26);
	ck_assert_int_eq(db_commit(db), 0);
	store_release(db);
	char tb[40];
	log_format_time(0, tb, sizeof(tb));
	ck_assert_str_eq(tb, "1970-01-01T00:00:00.000Z");
}
END_TEST

/* ------------------------------------------------------------ artifacts */

START_TEST(test_artifact_stored_once)
{
	open_store(path, 0);
	int64_t t1 = tenant("t1"), t2 = tenant("t2");
	struct db *db = store_acquire(st);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM artifacts WHERE system=1", 0), 6); /* not 12 */
	store_release(db);
	ck_assert_int_eq(install_file("t1", CRM1), 0);
	ck_assert_int_eq(install_file("t2", CRM1), 0);
	struct install_row a = row(t1, "com.acme.crm"), b = row(t2, "com.acme.crm");
	ck_assert_int_eq(a.artifact, b.artifact);
	ck_assert_int_ne(a.id, b.id); /* but each tenant has its own files */
	ck_assert_uint_eq(node_id(t1, "install/com.acme.crm.json"), (uint64_t)a.id);
	ck_assert_uint_eq(node_id(t2, "install/com.acme.crm.json"), (uint64_t)b.id);
	db = store_acquire(st);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM artifacts WHERE pkg='com.acme.crm'", 0), 1);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM items WHERE artifact=?1", a.artifact), 6);
	uint64_t h1, h2;
	ck_assert_int_eq(tree_artifact_hash(db, tree_node(T_INSTFILE, (uint64_t)a.id), &h1), 0);
	ck_assert_int_eq(tree_artifact_hash(db, tree_node(T_PKGDIR, (uint64_t)b.id), &h2), 0);
	ck_assert(h1 == h2);
	store_release(db);
	/* kept while a tenant uses it, collected after */
	ck_assert_int_eq(remove_pkg("t1", "com.acme.crm"), 0);
	db = store_acquire(st);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM artifacts WHERE id=?1", a.artifact), 1);
	store_release(db);
	ck_assert_int_eq(install_file("t2", CRM11), 0); /* an upgrade frees the old one */
	db = store_acquire(st);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM artifacts WHERE id=?1", a.artifact), 0);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM items WHERE artifact=?1", a.artifact), 0);
	store_release(db);
	/* stored again: a new id */
	ck_assert_int_eq(install_file("t1", CRM1), 0);
	ck_assert_int_gt(row(t1, "com.acme.crm").artifact, row(t2, "com.acme.crm").artifact);
}
END_TEST

START_TEST(test_ids_never_reused)
{
	open_store(path, 0);
	int64_t t1 = tenant("t1");
	static const char alpha[] = "{'manifest': {'id': 'com.t.alpha', 'version': '1.0.0'}, "
				    "'objects': [{'name': 'alpha_a', 'fields': {}}, {'name': 'alpha_b', 'fields': {}}], "
				    "'data': [{'object': 'alpha_b', 'records': [{'name': 'r'}]}], "
				    "'actions': [{'name': 'alpha_x'}]}";
	/* the newest install: a plain rowid would hand its id out again */
	ck_assert_int_eq(install_sq("t1", alpha), 0);
	int64_t id1 = row(t1, "com.t.alpha").id;
	uint64_t obj1 = node_id(t1, "objects/alpha_a.json");
	uint64_t item1 = node_id(t1, "packages/com.t.alpha@1.0.0/actions/alpha_x.json");
	ck_assert_uint_eq(item1 >> TREE_SUB_BITS, (uint64_t)id1);
	ck_assert_int_eq(remove_pkg("t1", "com.t.alpha"), 0);
	ck_assert_int_eq(install_sq("t1", alpha), 0);
	int64_t id2 = row(t1, "com.t.alpha").id;
	ck_assert_int_gt(id2, id1);
	ck_assert_uint_gt(node_id(t1, "objects/alpha_a.json"), obj1);
	ck_assert_uint_ne(node_id(t1, "packages/com.t.alpha@1.0.0/actions/alpha_x.json"), item1);
	/* a tenant id is not handed out again either */
	int64_t t2 = tenant("t2");
	struct install_report r = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_remove(st, "t2", &r), 0);
	install_report_free(&r);
	ck_assert_int_gt(tenant("t3"), t2);
	/* nor after a reopen */
	reopen();
	ck_assert_int_eq(remove_pkg("t1", "com.t.alpha"), 0);
	ck_assert_int_eq(install_sq("t1", alpha), 0);
	ck_assert_int_gt(row(t1, "com.t.alpha").id, id2);
}
END_TEST

/* Row ids are inode numbers: the same after a reopen, and so are sizes,
 * times and contents. */
START_TEST(test_tree_stable_across_reopen)
{
	open_store(path, 0);
	int64_t t1 = tenant("t1");
	ck_assert_int_eq(install_file("t1", CRM1), 0);
	ck_assert_int_eq(install_file("t1", "tests/artifacts/acme-helpdesk-0.3.0.json"), 0);
	struct db *db = store_acquire(st);
	char *before = uu_snapshot(db, t1);
	store_release(db);
	ck_assert_ptr_nonnull(before);
	reopen();
	ck_assert_int_eq(install_refresh_system(st), 0); /* same release: nothing to do */
	db = store_acquire(st);
	char *after = uu_snapshot(db, t1);
	store_release(db);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

START_TEST(test_history)
{
	open_store(path, 0);
	int64_t t1 = tenant("t1");
	ck_assert_int_eq(install_file("t1", CRM1), 0);
	ck_assert_int_eq(install_file("t1", CRM1), 0); /* identical: no event */
	ck_assert_int_eq(install_file("t1", CRM11), 0);
	ck_assert_int_eq(install_file("t1", CRM2), 0);
	ck_assert_int_eq(install_file("t1", CRM1), 0);
	ck_assert_int_eq(remove_pkg("t1", "com.acme.crm"), 0);
	struct db *db = store_acquire(st);
	char *h = qs(db, "SELECT action, from_version, to_version FROM history WHERE tenant=?1 AND pkg='com.acme.crm' "
		     "ORDER BY id", t1);
	ck_assert_str_eq(h, "installed,-,1.0.0;upgraded,1.0.0,1.1.0;upgraded,1.1.0,2.0.0;downgraded,2.0.0,1.0.0;"
			 "removed,1.0.0,-;");
	free(h);
	h = qs(db, "SELECT DISTINCT action FROM history WHERE tenant=?1 AND pkg LIKE 'sys.%'", t1);
	ck_assert_str_eq(h, "installed;");
	free(h);
	store_release(db);
}
END_TEST

/* A store whose tenants all have this release's system packages is only
 * read at mount: the refresh takes no write lock (it used to wait for one
 * however current the store was, and fail after the busy timeout while
 * another process held it). */
START_TEST(test_refresh_system_current_reads_only)
{
	open_store(path, 0);
	tenant("t1");
	tenant("t2");
	sqlite3 *other = NULL;
	ck_assert_int_eq(sqlite3_open(path, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(install_refresh_system(st), 0);
	ck_assert_int_eq(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
}
END_TEST

/* A newer osfs brings every tenant's system packages to its version. */
START_TEST(test_refresh_system)
{
	static const char old[] = "{\"manifest\": {\"id\": \"sys.files\", \"namespace\": \"sys\", \"version\": \"0.0.9\", "
				  "\"type\": \"module\", \"scope\": \"system\", \"name\": \"Files\"}, "
				  "\"objects\": [{\"name\": \"sys_file\", \"fields\": {}}]}";
	open_store(path, 0);
	int64_t t1 = tenant("t1");
	struct artifact a;
	struct diag d = DIAG_INIT;
	ck_assert_int_eq(artifact_load(&a, old, strlen(old), ARTIFACT_DEFAULT_MAX, ARTIFACT_SYSTEM, &d), 0);
	ck_assert_int_eq(artifact_render(&a), 0);
	/* pretend sys.files was installed by osfs 0.0.9 */
	struct db *db = store_acquire(st);
	int64_t art, was = row(t1, "sys.files").artifact;
	ck_assert_int_eq(db_begin(db), 0);
	struct art_rows ar;
	ck_assert_int_eq(artifact_rows(&a, &ar), 0);
	ck_assert_int_eq(artstore_put(db, &ar, 1, 1, &art), 0);
	artifact_rows_free(&ar);
	char *sql = uu_fmt("UPDATE installs SET artifact=%lld, version='0.0.9' WHERE tenant=%lld AND pkg='sys.files'",
			   (long long)art, (long long)t1);
	ck_assert_int_eq(sqlite3_exec(db->conn, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	ck_assert_int_eq(db_commit(db), 0);
	store_release(db);
	artifact_free(&a);
	diag_free(&d);
	ck_assert_str_eq(row(t1, "sys.files").version, "0.0.9");
	ck_assert_int_eq(install_refresh_system(st), 0);
	struct install_row r = row(t1, "sys.files");
	ck_assert_str_eq(r.version, OSFS_VERSION);
	ck_assert_int_eq(r.artifact, was);
	ck_assert_int_eq(r.system, 1);
	db = store_acquire(st);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM artifacts WHERE id=?1", art), 0); /* the old one is collected */
	char *h = qs(db, "SELECT action, from_version, to_version FROM history WHERE tenant=?1 AND pkg='sys.files' "
		     "ORDER BY id", t1);
	ck_assert_str_eq(h, "installed,-," OSFS_VERSION ";upgraded,0.0.9," OSFS_VERSION ";");
	free(h);
	struct tree_attr at;
	ck_assert_int_eq(uu_lookup(db, t1, "packages/sys.files@" OSFS_VERSION "/objects/sys_file.json", &at), 0);
	ck_assert_int_eq(uu_lookup(db, t1, "objects/sys_file.json", &at), 0);
	store_release(db);
}
END_TEST

/* ------------------------------------------------------------ concurrency */

struct bg_install {
	const char *tenant;
	char *bytes;
	size_t len;
	int rc;
	struct install_report r;
};

static void *bg_install(void *p)
{
	struct bg_install *b = p;
	struct install_opts o = { b->tenant, "test", NULL, ARTIFACT_DEFAULT_MAX, 0, 0 };
	b->rc = install_artifact(st, b->bytes, b->len, &o, &b->r);
	return NULL;
}

/* install_artifact() skips rendering when the bytes are stored already
 * (for another tenant), before it takes the write lock.  If the last
 * other install of those bytes goes while it waits for the lock, the
 * artifact is collected and must be stored again. */
START_TEST(test_install_while_the_artifact_is_collected)
{
	open_store(path, 0);
	tenant("t1");
	tenant("t2");
	ck_assert_int_eq(install_file("t1", CRM1), 0);
	struct bg_install b = { "t2", NULL, 0, 0, INSTALL_REPORT_INIT };
	b.bytes = uu_read_file(CRM1, &b.len);
	ck_assert_ptr_nonnull(b.bytes);
	/* another connection holds the write lock ... */
	struct db *x = store_acquire(st);
	ck_assert_int_eq(db_begin(x), 0);
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, bg_install, &b), 0);
	usleep(500000); /* ... while t2's install finds the bytes stored and waits for the lock */
	/* ... and removes t1's install, as install_remove() does */
	struct tenant_row t;
	struct install_row cur;
	struct install_report rr = INSTALL_REPORT_INIT;
	int64_t ts;
	ck_assert_int_eq(tenants_find(x, "t1", &t), 0);
	ck_assert_int_eq(installs_get(x, t.id, "com.acme.crm", &cur), 0);
	ck_assert_int_eq(db_now(x, 1 << 20, &ts), 0);
	ck_assert_int_eq(install_detach(x, &t, &cur, ts, &rr), 0);
	ck_assert_int_eq(q1(x, "SELECT count(*) FROM artifacts WHERE pkg='com.acme.crm'", 0), 0); /* collected */
	ck_assert_int_eq(db_commit(x), 0);
	store_release(x);
	install_report_free(&rr);
	pthread_join(th, NULL);
	int rc = b.rc;
	static char msg[8192];
	snprintf(msg, sizeof(msg), "%s", uu_diag_str(&b.r.diag));
	install_report_free(&b.r);
	free(b.bytes);
	teardown(); /* a failed test skips it when it runs in a child */
	/* Regression (was a bug): the install of t2 fails with "the store failed (Invalid
	 * argument)" [EINVAL]: install_apply() calls artstore_put() with an
	 * artifact that was never rendered (artstore_put: -EINVAL). */
	ck_assert_msg(rc == 0, "install into t2: %d:%s", rc, msg);
}
END_TEST

/* ------------------------------------------------------------ WAL */

/* What fs/keep.c does: a read snapshot taken as each write begins, held
 * until after its COMMIT (keep_changes() releases it). */
static struct db *held;

static void hold_on_begin(void *ctx, int phase)
{
	(void)ctx;
	if (phase != STORE_TX_BEGIN || held)
		return;
	held = store_acquire_read(st);
	ck_assert_ptr_nonnull(held);
	ck_assert_int_eq(db_hold_snapshot(held), 0);
}

/* The WAL starts again after 1000 frames although every write holds a
 * snapshot past its COMMIT and the next write begins at once (a
 * sequential rsync into data/).  SQLite's automatic checkpoint never
 * finished then, and a checkpoint on the syncer thread that the next
 * write did not wait for raced it: the WAL grew by every commit
 * (checkpoint.c). */
START_TEST(test_wal_starts_again_under_snapshots)
{
	open_store(path, 0);
	struct db *db = store_acquire(st);
	ck_assert_int_eq(sqlite3_exec(db->conn, "CREATE TABLE junk(x)", NULL, NULL, NULL), SQLITE_OK);
	store_on_begin(st, hold_on_begin, NULL);
	for (int i = 0; i < 1500; i++) {
		ck_assert_int_eq(db_begin_lazy(db), 0);
		ck_assert_int_eq(sqlite3_exec(db->conn, "INSERT INTO junk VALUES(randomblob(3000))", NULL, NULL, NULL),
				 SQLITE_OK);
		ck_assert_int_eq(db_commit(db), 0);
		store_release(held);
		held = NULL;
	}
	store_on_begin(st, NULL, NULL);
	store_release(db);
	char wal[160];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	struct stat sb;
	ck_assert_int_eq(stat(wal, &sb), 0);
	/* 1500 commits of 2 pages or more: 12 MB if never started again;
	 * 1000 frames (4 MB) and the commit that reached them if it is. */
	ck_assert_msg(sb.st_size < 5 * 1024 * 1024, "WAL of %lld bytes", (long long)sb.st_size);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("db");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dispatch_table_complete);
	tcase_add_test(tc, test_store_string_engine);
	tcase_add_test(tc, test_open_creates_schema);
	tcase_add_test(tc, test_open_failures);
	tcase_add_test(tc, test_memory_store);
	tcase_add_test(tc, test_upgrade_from_v1);
	tcase_add_test(tc, test_db_now);
	tcase_add_test(tc, test_wal_starts_again_under_snapshots);
	suite_add_tcase(s, tc);
	tc = tcase_create("tenants");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tenants_module);
	tcase_add_test(tc, test_tenant_recreate);
	tcase_add_test(tc, test_log_append);
	suite_add_tcase(s, tc);
	tc = tcase_create("identity");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_artifact_stored_once);
	tcase_add_test(tc, test_ids_never_reused);
	tcase_add_test(tc, test_tree_stable_across_reopen);
	tcase_add_test(tc, test_history);
	tcase_add_test(tc, test_refresh_system);
	tcase_add_test(tc, test_refresh_system_current_reads_only);
	suite_add_tcase(s, tc);
	tc = tcase_create("concurrency");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_install_while_the_artifact_is_collected);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
