/* check_pg_store: the PostgreSQL backend's foundation (store/pg/db.c,
 * schema.c, conninfo.c, query.c) against a throwaway PostgreSQL 15 that
 * tests/pg/server.sh starts for this binary and stops at its end: the
 * schema created once and checked after, migration by daemons that start
 * together, a newer store refused, transactions, calls after commit only,
 * the store clock across connections, broken connections, connection
 * strings and passfiles.  It is that backend's test: it may look at the
 * database with libpq (store/pg/pg.h).  Run by `make unit-pg`.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/pg/pg.h"
#include "tests/unit/check_common.h"
#include "tests/unit/pg_util.h"

static struct store *st;

static void setup(void)
{
	pgu_sql("DROP SCHEMA IF EXISTS osfs CASCADE");
	st = NULL;
}

static void teardown(void)
{
	pg_store_close(st);
	st = NULL;
}

static struct store *open_ok(int readonly)
{
	char err[512] = "";
	struct store *s = NULL;
	int rc = pg_store_open(&s, pgu_uri, readonly, err, sizeof(err));
	ck_assert_msg(rc == 0, "pg_store_open: %d %s", rc, err);
	return s;
}

START_TEST(test_schema_created_once)
{
	st = open_ok(0);
	ck_assert_int_eq(st->migrated, 1);
	ck_assert_int_eq(pgu_q1("SELECT value FROM osfs.meta WHERE key='schema_version'"), PG_SCHEMA_VERSION);
	ck_assert_int_eq(pgu_q1("SELECT count(*) FROM osfs.meta WHERE key IN "
			    "('created','tenants_mtime','clock','catalog_mtime') AND value > 1700000000000000000"),
			 4);
	/* the tables of store/sqlite/schema.c, versions 1 to 5, and
	 * PostgreSQL's own of version 6 (gens, changes: coherence) */
	ck_assert_int_eq(pgu_q1("SELECT count(*) FROM pg_tables WHERE schemaname='osfs'"), 25);
	ck_assert_int_eq(pgu_q1("SELECT count(*) FROM pg_tables WHERE schemaname='osfs' AND tablename IN "
			    "('gens','changes')"), 2);
	ck_assert_int_eq(pgu_q1("SELECT count(*) FROM pg_trigger WHERE tgname IN ('records_keys_add','records_keys_drop')"),
			 2);
	ck_assert_int_eq(pgu_q1("SELECT count(*) FROM pg_indexes WHERE schemaname='osfs' AND indexname IN "
			    "('installs_pkg','tenants_uid')"),
			 2);
	long long created = pgu_q1("SELECT value FROM osfs.meta WHERE key='created'");
	pg_store_close(st);
	st = open_ok(0);
	ck_assert_int_eq(st->migrated, 0); /* the second open only checks */
	ck_assert_int_eq(pgu_q1("SELECT value FROM osfs.meta WHERE key='created'"), created);
	/* names sort by their bytes, as in SQLite */
	ck_assert_int_eq(pgu_q1("SELECT count(*) FROM information_schema.columns WHERE table_schema='osfs' "
			    "AND data_type='text' AND collation_name IS DISTINCT FROM 'C'"),
			 0);
}
END_TEST

struct opener {
	pthread_barrier_t *go;
	struct store *st;
	int rc, migrated;
	char err[256];
};

static void *open_thread(void *arg)
{
	struct opener *o = arg;
	pthread_barrier_wait(o->go);
	o->rc = pg_store_open(&o->st, pgu_uri, 0, o->err, sizeof(o->err));
	o->migrated = o->st ? o->st->migrated : -1;
	return NULL;
}

/* Daemons started together: every one opens, exactly one migrates. */
START_TEST(test_concurrent_migration_once)
{
	enum { K = 4 };
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, K);
	struct opener o[K];
	pthread_t t[K];
	memset(o, 0, sizeof(o));
	for (int i = 0; i < K; i++) {
		o[i].go = &go;
		ck_assert_int_eq(pthread_create(&t[i], NULL, open_thread, &o[i]), 0);
	}
	int migrated = 0;
	for (int i = 0; i < K; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(o[i].rc == 0, "open %d: %d %s", i, o[i].rc, o[i].err);
		migrated += o[i].migrated;
		pg_store_close(o[i].st);
	}
	pthread_barrier_destroy(&go);
	ck_assert_int_eq(migrated, 1);
	ck_assert_int_eq(pgu_q1("SELECT count(*) FROM osfs.meta WHERE key='created'"), 1);
}
END_TEST

START_TEST(test_newer_schema_refused)
{
	pg_store_close(open_ok(0));
	char sql[128], want[128];
	snprintf(sql, sizeof(sql), "UPDATE osfs.meta SET value=%d WHERE key='schema_version'", PG_SCHEMA_VERSION + 1);
	pgu_sql(sql);
	char err[512] = "";
	int rc = pg_store_open(&st, pgu_uri, 0, err, sizeof(err));
	ck_assert_int_eq(rc, -EPROTO);
	ck_assert_ptr_null(st);
	snprintf(want, sizeof(want), "the store has schema version %d; this osfs knows up to %d: use a newer osfs",
		 PG_SCHEMA_VERSION + 1, PG_SCHEMA_VERSION);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(pgu_q1("SELECT value FROM osfs.meta WHERE key='schema_version'"), PG_SCHEMA_VERSION + 1);
}
END_TEST

/* The indexes that were each the prefix of a unique one (they led the
 * planner into scanning a whole table per seed record: store/pg/schema.c)
 * are not made, and a store that has them loses them at its next
 * read-write open, not at a read-only one. */
#define STALE_IDX "SELECT count(*) FROM pg_indexes WHERE schemaname='osfs' AND indexname IN " \
		  "('records_tbl','tables_tenant','registry_tenant')"
START_TEST(test_stale_indexes_dropped)
{
	pg_store_close(open_ok(0));
	ck_assert_int_eq(pgu_q1(STALE_IDX), 0);
	pgu_sql("CREATE INDEX records_tbl ON osfs.records(tbl); CREATE INDEX tables_tenant ON osfs.tables(tenant); "
		"CREATE INDEX registry_tenant ON osfs.registry(tenant)");
	ck_assert_int_eq(pgu_q1(STALE_IDX), 3);
	pg_store_close(open_ok(1));
	ck_assert_int_eq(pgu_q1(STALE_IDX), 3);
	st = open_ok(0);
	ck_assert_int_eq(st->migrated, 0);
	ck_assert_int_eq(pgu_q1(STALE_IDX), 0);
	ck_assert_int_eq(pgu_q1("SELECT count(*) FROM pg_indexes WHERE schemaname='osfs' AND indexname IN "
			    "('records_tbl_key_key','tables_tenant_name_key','registry_tenant_name_key')"),
			 3);
}
END_TEST

START_TEST(test_readonly)
{
	char err[512] = "";
	ck_assert_int_eq(pg_store_open(&st, pgu_uri, 1, err, sizeof(err)), -EROFS);
	ck_assert_str_eq(err, "the store is not initialized and it is opened read-only");
	ck_assert_int_eq(pgu_q1("SELECT count(*) FROM pg_namespace WHERE nspname='osfs'"), 0);
	pg_store_close(open_ok(0));
	st = open_ok(1);
	struct db *db = pg_store_acquire(st);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(pg_db_begin(db), 0);
	ck_assert_int_eq(pg_db_set_meta(db, "x", 1), -EROFS);
	ck_assert_int_eq(pg_db_commit(db), -EROFS);
	pg_store_release(db);
}
END_TEST

static long long meta(const char *key)
{
	char q[128];
	snprintf(q, sizeof(q), "SELECT value FROM osfs.meta WHERE key='%s'", key);
	return pgu_q1(q);
}

START_TEST(test_commit_rollback)
{
	st = open_ok(0);
	struct db *db = pg_store_acquire(st);
	ck_assert_int_eq(pg_db_begin(db), 0);
	ck_assert_int_eq(pg_db_set_meta(db, "t", 1), 0);
	ck_assert_int_eq(meta("t"), -1); /* not seen outside before the commit */
	pg_db_rollback(db);
	ck_assert_int_eq(meta("t"), -1);
	ck_assert_int_eq(pg_db_begin(db), 0);
	ck_assert_int_eq(pg_db_set_meta(db, "t", 2), 0);
	ck_assert_int_eq(pg_db_commit(db), 0);
	ck_assert_int_eq(meta("t"), 2);
	/* a transaction left open is rolled back by the release */
	ck_assert_int_eq(pg_db_begin(db), 0);
	ck_assert_int_eq(pg_db_set_meta(db, "t", 3), 0);
	pg_store_release(db);
	ck_assert_int_eq(meta("t"), 2);
}
END_TEST

/* A read transaction is one snapshot: a commit made meanwhile is not seen. */
START_TEST(test_read_snapshot)
{
	st = open_ok(0);
	struct db *w = pg_store_acquire(st);
	ck_assert_int_eq(pg_db_set_meta(w, "snap", 1), 0);
	struct db *r = pg_store_acquire_read(st);
	ck_assert_int_eq(r->in_read, 1);
	static const char q[] = "SELECT value FROM meta WHERE key = $1";
	PGresult *res;
	ck_assert_int_eq(pg_query(r, q, PG_ARGS(pg_text("snap")), &res), 0);
	ck_assert_int_eq(pg_get_i64(res, 0, 0), 1);
	PQclear(res);
	ck_assert_int_eq(pg_db_begin(w), 0);
	ck_assert_int_eq(pg_db_set_meta(w, "snap", 2), 0);
	ck_assert_int_eq(pg_db_commit(w), 0);
	ck_assert_int_eq(pg_query(r, q, PG_ARGS(pg_text("snap")), &res), 0);
	ck_assert_int_eq(pg_get_i64(res, 0, 0), 1);
	PQclear(res);
	/* and it writes nothing */
	ck_assert_int_eq(pg_db_set_meta(r, "snap", 3), -EROFS);
	pg_store_release(r);
	pg_store_release(w);
	ck_assert_int_eq(meta("snap"), 2);
	/* the connection went back to the pool in a usable state */
	r = pg_store_acquire_read(st);
	ck_assert_int_eq(pg_query(r, q, PG_ARGS(pg_text("snap")), &res), 0);
	ck_assert_int_eq(pg_get_i64(res, 0, 0), 2);
	PQclear(res);
	pg_store_release(r);
}
END_TEST

static int told;
static char told_a[32], told_b[32];

static void tell(const char *a, const char *b)
{
	told++;
	snprintf(told_a, sizeof(told_a), "%s", a ? a : "(null)");
	snprintf(told_b, sizeof(told_b), "%s", b ? b : "(null)");
}

START_TEST(test_after_commit)
{
	st = open_ok(0);
	struct db *db = pg_store_acquire(st);
	told = 0;
	ck_assert_int_eq(pg_db_after_commit(db, tell, "now", NULL), 0); /* outside a transaction: at once */
	ck_assert_int_eq(told, 1);
	ck_assert_str_eq(told_a, "now");

	char a[8] = "one";
	ck_assert_int_eq(pg_db_begin(db), 0);
	ck_assert_int_eq(pg_db_after_commit(db, tell, a, "b"), 0);
	strcpy(a, "xxx"); /* copied */
	ck_assert_int_eq(pg_db_set_meta(db, "n", 1), 0);
	ck_assert_int_eq(told, 1);
	ck_assert_int_eq(pg_db_commit(db), 0);
	ck_assert_int_eq(told, 2);
	ck_assert_str_eq(told_a, "one");
	ck_assert_str_eq(told_b, "b");

	ck_assert_int_eq(pg_db_begin(db), 0);
	ck_assert_int_eq(pg_db_after_commit(db, tell, "rolled", "back"), 0);
	pg_db_rollback(db);
	ck_assert_int_eq(told, 2);

	/* a statement fails: the commit fails with its errno and tells nothing */
	ck_assert_int_eq(pg_db_begin(db), 0);
	ck_assert_int_eq(pg_db_after_commit(db, tell, "failed", NULL), 0);
	ck_assert_int_eq(pg_exec(db, "INSERT INTO meta(key, value) VALUES('clock', 0)", PG_NOARGS), -EEXIST);
	ck_assert_int_eq(pg_db_set_meta(db, "n", 2), -EEXIST); /* the first error, not 25P02's */
	ck_assert_int_eq(pg_db_commit(db), -EEXIST);
	ck_assert_int_eq(told, 2);
	ck_assert_int_eq(meta("n"), 1);
	pg_store_release(db);
}
END_TEST

enum { NOW_THREADS = 3, NOW_EACH = 150, NOW_SPAN = 3 };
static struct store *now_st;
static int64_t now_vals[NOW_THREADS][NOW_EACH];

static void *now_thread(void *arg)
{
	int64_t *out = arg;
	for (int i = 0; i < NOW_EACH; i++) {
		struct db *db = pg_store_acquire(now_st);
		if (!db || pg_db_begin(db) || pg_db_now(db, NOW_SPAN, &out[i]) || pg_db_commit(db))
			out[i] = -1;
		pg_store_release(db);
	}
	return NULL;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Times from several connections at once: each after the previous one's
 * span, whichever connection asked. */
START_TEST(test_now_strictly_increasing)
{
	st = now_st = open_ok(0);
	pthread_t t[NOW_THREADS];
	for (int i = 0; i < NOW_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, now_thread, now_vals[i]), 0);
	for (int i = 0; i < NOW_THREADS; i++)
		pthread_join(t[i], NULL);
	static int64_t all[NOW_THREADS * NOW_EACH];
	for (int i = 0; i < NOW_THREADS; i++)
		for (int j = 0; j < NOW_EACH; j++) {
			REQUIRE_MSG(now_vals[i][j] > 0, "thread %d call %d failed", i, j);
			REQUIRE_MSG(j == 0 || now_vals[i][j] > now_vals[i][j - 1] + NOW_SPAN, "thread %d went back", i);
			all[i * NOW_EACH + j] = now_vals[i][j];
		}
	qsort(all, N(all), sizeof(*all), cmp64);
	for (size_t k = 1; k < N(all); k++)
		REQUIRE_MSG(all[k] > all[k - 1] + NOW_SPAN, "times %lld and %lld overlap", (long long)all[k - 1],
			    (long long)all[k]);
	ck_assert_int_ge(st->nconn, 2);
	ck_assert_int_gt(meta("clock"), all[N(all) - 1] + NOW_SPAN - 1);
	/* a clock that went back (or a store written by a machine whose clock
	 * is ahead): times continue after the last one, not from the clock */
	pgu_sql("UPDATE osfs.meta SET value = value + 3600000000000 WHERE key = 'clock'");
	long long last = meta("clock");
	struct db *db = pg_store_acquire(st);
	int64_t ts;
	ck_assert_int_eq(pg_db_begin(db), 0);
	ck_assert_int_eq(pg_db_now(db, 0, &ts), 0);
	ck_assert_int_eq(pg_db_commit(db), 0);
	pg_store_release(db);
	ck_assert_int_eq(ts, last + 1);
}
END_TEST

/* A connection that breaks is dropped from the pool, not lent again. */
START_TEST(test_broken_connection)
{
	st = open_ok(0);
	struct db *db = pg_store_acquire(st);
	PGresult *r;
	ck_assert_int_eq(pg_query(db, "SELECT pg_terminate_backend(pg_backend_pid())", PG_NOARGS, &r), -EIO);
	ck_assert_ptr_null(r);
	pg_store_release(db);
	ck_assert_int_eq(st->nconn, 0);
	db = pg_store_acquire(st);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(pg_db_set_meta(db, "after", 7), 0);
	pg_store_release(db);
	ck_assert_int_eq(meta("after"), 7);
}
END_TEST

START_TEST(test_where_version_statvfs)
{
	st = open_ok(0);
	ck_assert_str_eq(pg_store_where(st), pgu_uri);
	ck_assert_msg(!strncmp(pg_store_engine_version(), "PostgreSQL (libpq 15.", 21), "%s",
		      pg_store_engine_version());
	struct statvfs sv;
	ck_assert_int_eq(pg_store_statvfs(st, &sv), 0);
	ck_assert_uint_eq(sv.f_bsize, 4096);
	ck_assert_uint_gt(sv.f_bavail, 0);
	ck_assert_uint_gt(sv.f_blocks, sv.f_bfree); /* the database's own size is used */
	ck_assert_int_eq(st->nconn, 1);              /* the connection went back to the pool */
}
END_TEST

/* A pooled connection whose server side ended while it was idle (a
 * restart, a failover): the next request still gets its answer. */
START_TEST(test_idle_connection_ended)
{
	st = open_ok(0);
	for (int round = 0; round < 2; round++) {
		struct db *db = pg_store_acquire(st);
		PGresult *r;
		ck_assert_int_eq(pg_query(db, "SELECT pg_backend_pid()", PG_NOARGS, &r), 0);
		char q[64];
		snprintf(q, sizeof(q), "SELECT pg_terminate_backend(%lld)", (long long)pg_get_i64(r, 0, 0));
		PQclear(r);
		pg_store_release(db);
		pgu_sql(q);
		/* round 0: a read request; round 1: a write */
		db = round ? pg_store_acquire(st) : pg_store_acquire_read(st);
		if (round) {
			ck_assert_int_eq(pg_db_begin(db), 0);
			ck_assert_int_eq(pg_db_set_meta(db, "after_end", 1), 0);
			ck_assert_int_eq(pg_db_commit(db), 0);
		} else {
			ck_assert_int_eq(db->in_read, 1);
			ck_assert_int_eq(pg_query(db, "SELECT pg_backend_pid()", PG_NOARGS, &r), 0);
			PQclear(r);
		}
		pg_store_release(db);
	}
	ck_assert_int_eq(pgu_q1("SELECT value FROM osfs.meta WHERE key = 'after_end'"), 1);
}
END_TEST

START_TEST(test_unreachable)
{
	char err[512] = "";
	int rc = pg_store_open(&st, "postgresql://osfs@127.0.0.1:1/osfs", 0, err, sizeof(err));
	ck_assert_int_eq(rc, -EIO);
	ck_assert_msg(!strncmp(err, "the store at 127.0.0.1:1 cannot be reached: ", 44), "%s", err);
}
END_TEST

START_TEST(test_password_refused)
{
	static const char *const bad[] = {
		"postgresql://osfs:secret@127.0.0.1:1/osfs",
		"postgres://osfs:secret@127.0.0.1/osfs?sslmode=disable",
		"postgresql://osfs@127.0.0.1/osfs?password=secret",
		"host=127.0.0.1 dbname=osfs password=secret",
		"host=127.0.0.1 dbname=osfs password='secret'",
	};
	for (size_t i = 0; i < N(bad); i++) {
		char err[512] = "";
		ck_assert_int_eq(pg_store_open(&st, bad[i], 0, err, sizeof(err)), -EINVAL);
		ck_assert_ptr_null(st);
		ck_assert_str_eq(err, "-o store: a password in the connection string shows in ps; "
				      "put it in ~/.pgpass or -o store_passfile=FILE");
	}
	char err[512] = "";
	ck_assert_int_eq(pg_store_open(&st, "host=127.0.0.1 dbname='osfs", 0, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "not a PostgreSQL connection string"), "%s", err);
}
END_TEST

static int open_with(const char *pf, char *err, size_t errlen)
{
	struct store *s = NULL;
	int rc = pg_store_open_with(&s, pgu_uri, pf, 0, err, errlen);
	pg_store_close(s);
	return rc;
}

START_TEST(test_passfile)
{
	char pf[160], err[1024], cmd[1024];
	snprintf(pf, sizeof(pf), "%s/pf-test", pgu_dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 600 %s", pgu_passfile, pf, pf);
	ck_assert_int_eq(system(cmd), 0);
	/* the right file lets libpq log in without PGPASSFILE */
	unsetenv("PGPASSFILE");
	ck_assert_msg(open_with(pf, err, sizeof(err)) == 0, "%s", err);
	static const mode_t modes[] = { 0640, 0604, 0660, 0644, 0601 };
	for (size_t i = 0; i < N(modes); i++) {
		ck_assert_int_eq(chmod(pf, modes[i]), 0);
		ck_assert_int_eq(open_with(pf, err, sizeof(err)), -EPERM);
		char want[1024];
		snprintf(want, sizeof(want), "-o store_passfile=%s has mode %04o; a password file must have no group or "
			 "other bits (chmod 600 %s)", pf, (unsigned)modes[i], pf);
		ck_assert_str_eq(err, want);
	}
	ck_assert_int_eq(chmod(pf, 0600), 0);
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(pf, 65534, 65534), 0);
		ck_assert_int_eq(open_with(pf, err, sizeof(err)), -EPERM);
		ck_assert_msg(strstr(err, "is owned by uid 65534; it must be owned by the daemon's user (uid 0)"), "%s",
			      err);
		ck_assert_int_eq(chown(pf, 0, 0), 0);
	}
	char ln[200];
	snprintf(ln, sizeof(ln), "%s.link", pf);
	ck_assert_int_eq(symlink(pf, ln), 0);
	ck_assert_int_eq(open_with(ln, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "is not a regular file"), "%s", err);
	ck_assert_int_eq(open_with(pgu_dir, err, sizeof(err)), -EINVAL);
	unlink(ln);
	unlink(pf);
	ck_assert_int_eq(open_with(pf, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "No such file"), "%s", err);
	/* a passfile= in the string itself is held to the same rule */
	snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 644 %s", pgu_passfile, pf, pf);
	ck_assert_int_eq(system(cmd), 0);
	char s[1024];
	snprintf(s, sizeof(s), "%s?passfile=%s", pgu_uri, pf);
	ck_assert_int_eq(pg_store_open(&st, s, 0, err, sizeof(err)), -EPERM);
	ck_assert_msg(strstr(err, "has mode 0644"), "%s", err);
	unlink(pf);
	setenv("PGPASSFILE", pgu_passfile, 1); /* for the tests after this one (CK_FORK=no) */
}
END_TEST

START_TEST(test_is_conninfo)
{
	ck_assert(pg_is_conninfo("postgresql://db1,db2/osfs?target_session_attrs=read-write"));
	ck_assert(pg_is_conninfo("postgres://osfs@127.0.0.1/osfs"));
	ck_assert(pg_is_conninfo("host=db dbname=osfs"));
	ck_assert(pg_is_conninfo("  dbname = osfs"));
	ck_assert(pg_is_conninfo("service=osfs"));
	ck_assert(!pg_is_conninfo("/var/lib/osfs/store.db"));
	ck_assert(!pg_is_conninfo("./a=b.db"));
	ck_assert(!pg_is_conninfo("store.db"));
	ck_assert(!pg_is_conninfo(":memory:"));
	ck_assert(!pg_is_conninfo("Host=x"));
	ck_assert(!pg_is_conninfo(""));
	ck_assert(!pg_is_conninfo(NULL));
}
END_TEST

START_TEST(test_errno_of_sqlstate)
{
	ck_assert_int_eq(pg_sqlstate_errno("23505"), -EEXIST);
	ck_assert_int_eq(pg_sqlstate_errno("23503"), -EEXIST);
	ck_assert_int_eq(pg_sqlstate_errno("40001"), -EAGAIN);
	ck_assert_int_eq(pg_sqlstate_errno("40P01"), -EAGAIN);
	ck_assert_int_eq(pg_sqlstate_errno("55P03"), -EAGAIN);
	ck_assert_int_eq(pg_sqlstate_errno("25006"), -EROFS);
	ck_assert_int_eq(pg_sqlstate_errno("53100"), -ENOSPC);
	ck_assert_int_eq(pg_sqlstate_errno("53200"), -ENOMEM);
	ck_assert_int_eq(pg_sqlstate_errno("42501"), -EACCES);
	ck_assert_int_eq(pg_sqlstate_errno("57014"), -ETIMEDOUT);
	ck_assert_int_eq(pg_sqlstate_errno("08006"), -EIO);
	ck_assert_int_eq(pg_sqlstate_errno("57P01"), -EIO);
	ck_assert_int_eq(pg_sqlstate_errno(NULL), -EIO);
}
END_TEST

/* Values of every type the helpers bind, back through binary results. */
START_TEST(test_binding_roundtrip)
{
	st = open_ok(0);
	struct db *db = pg_store_acquire(st);
	PGresult *r;
	static const char blob[] = { 0, 1, '\\', 'x', (char)0xff, 0 };
	ck_assert_int_eq(pg_query(db, "SELECT $1::bigint, $2::text COLLATE \"C\", $3::bytea, $4::text IS NULL, "
				      "length($3), 2.5::float8",
				  PG_ARGS(pg_i64(INT64_MIN), pg_text("na'me é"), pg_bytes(blob, sizeof(blob)), pg_null()),
				  &r),
			 0);
	ck_assert_int_eq(pg_get_i64(r, 0, 0), INT64_MIN);
	ck_assert_str_eq(pg_get_text(r, 0, 1), "na'me é");
	size_t n;
	const void *p = pg_get_bytes(r, 0, 2, &n);
	ck_assert_uint_eq(n, sizeof(blob));
	ck_assert_int_eq(memcmp(p, blob, n), 0);
	ck_assert_int_eq(pg_get_i64(r, 0, 3), 1);
	ck_assert_int_eq(pg_get_i64(r, 0, 4), (int64_t)sizeof(blob));
	ck_assert(pg_get_f64(r, 0, 5) == 2.5);
	PQclear(r);
	/* byte order, as SQLite: 'B' < 'a' < 'é' */
	ck_assert_int_eq(pg_query(db, "SELECT string_agg(x, '' ORDER BY x) FROM "
				      "(VALUES ('a'::text COLLATE \"C\"), ('B'), ('é')) v(x)",
				  PG_NOARGS, &r),
			 0);
	ck_assert_str_eq(pg_get_text(r, 0, 0), "Baé");
	PQclear(r);
	pg_store_release(db);
}
END_TEST

static Suite *pg_suite(void)
{
	Suite *s = suite_create("pg_store");
	TCase *tc = tcase_create("schema");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_schema_created_once);
	tcase_add_test(tc, test_concurrent_migration_once);
	tcase_add_test(tc, test_newer_schema_refused);
	tcase_add_test(tc, test_readonly);
	tcase_add_test(tc, test_stale_indexes_dropped);
	suite_add_tcase(s, tc);
	tc = tcase_create("transactions");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_commit_rollback);
	tcase_add_test(tc, test_read_snapshot);
	tcase_add_test(tc, test_after_commit);
	tcase_add_test(tc, test_now_strictly_increasing);
	tcase_add_test(tc, test_broken_connection);
	tcase_add_test(tc, test_binding_roundtrip);
	suite_add_tcase(s, tc);
	tc = tcase_create("connection");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_where_version_statvfs);
	tcase_add_test(tc, test_idle_connection_ended);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_password_refused);
	tcase_add_test(tc, test_passfile);
	tcase_add_test(tc, test_is_conninfo);
	tcase_add_test(tc, test_errno_of_sqlstate);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	pgu_start();
	SRunner *sr = srunner_create(pg_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pgu_stop();
	return failed ? 1 : 0;
}
