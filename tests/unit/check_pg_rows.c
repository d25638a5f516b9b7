/* check_pg_rows: store/pg/tenants.c and log.c do what store/sqlite/'s
 * do.  The same steps run on a SQLite store and on a PostgreSQL store,
 * each writing what it got into a transcript; the transcripts must be the
 * same.  The tenant steps include a taken name inside a transaction that
 * then goes on (SQLite's -EEXIST leaves the transaction usable; a
 * PostgreSQL error would not, hence ON CONFLICT) and a name that is not
 * UTF-8; the log steps append lines (a hostile one among them) and read
 * them back from every offset with several sizes.  Run by `make unit-pg`.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "store/log.h"
#include "store/records.h"
#include "store/pg/pg.h"
#include "tests/unit/check_common.h"
#include "tests/unit/pg_util.h"

struct ops {
	struct db *(*acquire)(struct store *);
	void (*release)(struct db *);
	int (*begin)(struct db *);
	int (*commit)(struct db *);
	int (*find)(struct db *, const char *, struct tenant_row *);
	int (*get)(struct db *, int64_t, struct tenant_row *);
	int (*create)(struct db *, const char *, uid_t, gid_t, mode_t, int64_t, int64_t *);
	int (*count_owned)(struct db *, uid_t, int64_t *);
	int (*is_empty)(struct db *, int64_t);
	int (*has_packages)(struct db *, int64_t);
	int (*del)(struct db *, int64_t, int64_t);
	int (*touch)(struct db *, int64_t, int64_t);
	int (*set_owner)(struct db *, int64_t, int64_t, int64_t, int64_t, int64_t);
	int (*each)(struct db *, int (*)(void *, int64_t, const char *), void *);
	int (*log_append)(struct db *, int64_t, int64_t, const char *, struct changes *);
	int (*log_read)(struct db *, int64_t, uint64_t, size_t, struct buf *);
	int (*table)(struct db *, int64_t, const char *, int64_t, int64_t *, int *);
	int (*prune)(struct db *, int64_t, const char *, struct changes *);
	int (*rget)(struct db *, int64_t, const char *, int64_t *, struct buf *);
	int (*rput)(struct db *, int64_t, const char *, const char *, size_t, int64_t, int64_t);
	int (*set_mtime)(struct db *, int64_t, int64_t, const char *, int64_t);
	int (*table_done)(struct db *, int64_t, int64_t, int64_t);
	void (*rollback)(struct db *);
};

static const struct ops sq = { store_acquire, store_release, db_begin, db_commit, tenants_find, tenants_get,
			       tenants_create, tenants_count_owned, tenants_is_empty, tenants_has_packages,
			       tenants_delete, tenants_touch, tenants_set_owner, tenants_each, log_append, log_read, records_table, records_prune,
			       records_get, records_put, records_set_mtime, records_table_done, db_rollback };
static const struct ops pg = { pg_store_acquire, pg_store_release, pg_db_begin, pg_db_commit, pg_tenants_find,
			       pg_tenants_get, pg_tenants_create, pg_tenants_count_owned, pg_tenants_is_empty,
			       pg_tenants_has_packages, pg_tenants_delete, pg_tenants_touch, pg_tenants_set_owner,
			       pg_tenants_each, pg_log_append, pg_log_read, pg_records_table,
			       pg_records_prune, pg_records_get, pg_records_put, pg_records_set_mtime,
			       pg_records_table_done, pg_db_rollback };

static void put(struct buf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *o, const char *fmt, ...)
{
	char s[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	buf_add(o, s, strlen(s));
}

static void put_row(struct buf *o, const char *what, int rc, const struct tenant_row *t)
{
	put(o, "%s rc=%d", what, rc);
	if (rc == 0)
		put(o, " id=%lld uid=%u gid=%u mode=%o name=%s", (long long)t->id, (unsigned)t->uid, (unsigned)t->gid,
		    (unsigned)t->mode, t->name);
	put(o, "\n");
}

static int each_fn(void *ctx, int64_t id, const char *name)
{
	put(ctx, "  each %lld %s\n", (long long)id, name);
	return 0;
}

static int each_stop(void *ctx, int64_t id, const char *name)
{
	put(ctx, "  first %lld %s\n", (long long)id, name);
	return 1;
}

static char *transcript(struct store *st, const struct ops *o)
{
	struct buf b = BUF_INIT;
	struct db *db = o->acquire(st);
	struct tenant_row t;
	int64_t id = 0, n = 0, a = 0;
	put(&b, "begin %d\n", o->begin(db));
	put(&b, "create alpha %d", o->create(db, "alpha", 1000, 100, 040750, 10, &a));
	put(&b, " id=%lld\n", (long long)a);
	put(&b, "create beta %d", o->create(db, "beta", 1000, 100, 0700, 11, &id));
	put(&b, " id=%lld\n", (long long)id);
	put(&b, "create alpha again %d\n", o->create(db, "alpha", 1, 1, 0755, 12, &id));
	/* the transaction goes on after the refusal */
	put(&b, "create gamma %d", o->create(db, "gamma-ü", 1001, 101, 0755, 13, &id));
	put(&b, " id=%lld\n", (long long)id);
	put(&b, "commit %d\n", o->commit(db));
	put_row(&b, "find alpha", o->find(db, "alpha", &t), &t);
	put_row(&b, "find gamma", o->find(db, "gamma-ü", &t), &t);
	put_row(&b, "find nope", o->find(db, "nope", &t), &t);
	put_row(&b, "find not utf-8", o->find(db, "\xff\xfe", &t), &t);
	put_row(&b, "get alpha", o->get(db, a, &t), &t);
	put_row(&b, "get 999", o->get(db, 999, &t), &t);
	put(&b, "count 1000 %d", o->count_owned(db, 1000, &n));
	put(&b, " n=%lld\n", (long long)n);
	put(&b, "count 7 %d", o->count_owned(db, 7, &n));
	put(&b, " n=%lld\n", (long long)n);
	put(&b, "empty %d packages %d\n", o->is_empty(db, a), o->has_packages(db, a));
	put(&b, "begin %d\n", o->begin(db));
	put(&b, "touch %d\n", o->touch(db, a, 20));
	put(&b, "owner %d\n", o->set_owner(db, a, -1, 200, 0700, 21));
	put(&b, "owner %d\n", o->set_owner(db, id, 5, -1, -1, 22));
	put(&b, "commit %d\n", o->commit(db));
	put_row(&b, "get alpha", o->get(db, a, &t), &t);
	put_row(&b, "find gamma", o->find(db, "gamma-ü", &t), &t);
	put(&b, "each %d\n", o->each(db, each_fn, &b));
	put(&b, "each stopped %d\n", o->each(db, each_stop, &b));
	put(&b, "begin %d\n", o->begin(db));
	put(&b, "delete beta %d\n", o->del(db, a + 1, 30));
	put(&b, "commit %d\n", o->commit(db));
	put(&b, "each %d\n", o->each(db, each_fn, &b));
	put_row(&b, "find beta", o->find(db, "beta", &t), &t);
	o->release(db);
	buf_addc(&b, '\0');
	return buf_detach(&b, NULL);
}

static char *log_transcript(struct store *st, const struct ops *o)
{
	struct buf b = BUF_INIT;
	struct db *db = o->acquire(st);
	int64_t t = 0, u = 0;
	struct changes ch = CHANGES_INIT;
	put(&b, "begin %d\n", o->begin(db));
	put(&b, "tenant %d\n", o->create(db, "logs", 1, 1, 0750, 1, &t));
	put(&b, "tenant %d\n", o->create(db, "other", 1, 1, 0750, 1, &u));
	static const char *const lines[] = { "installed com.acme.crm 1.0.0", "a name with\na newline and \x1b[31m",
					     "ünïcödé", "", "other tenant" };
	for (size_t i = 0; i < N(lines); i++)
		put(&b, "append %zu %d\n", i,
		    o->log_append(db, i == 4 ? u : t, 1796000000123456789 + (int64_t)i * 1000000, lines[i], &ch));
	put(&b, "append to no tenant %d\n", o->log_append(db, 999, 1, "x", NULL));
	put(&b, "commit %d\n", o->commit(db));
	put(&b, "changes %zu\n", ch.n);
	changes_free(&ch);
	static const size_t sizes[] = { 1, 7, 40, 4096 };
	for (uint64_t off = 0; off < 200; off += 3)
		for (size_t k = 0; k < N(sizes); k++) {
			struct buf r = BUF_INIT;
			int rc = o->log_read(db, t, off, sizes[k], &r);
			put(&b, "read %llu %zu rc=%d [", (unsigned long long)off, sizes[k], rc);
			buf_add(&b, r.p ? r.p : "", r.len);
			put(&b, "]\n");
			buf_free(&r);
		}
	o->release(db);
	buf_addc(&b, '\0');
	return buf_detach(&b, NULL);
}

static void put_get(struct buf *b, const struct ops *o, struct db *db, int64_t tbl, const char *key)
{
	struct buf body = BUF_INIT;
	int64_t id = 0;
	int rc = o->rget(db, tbl, key, &id, &body);
	put(b, "get %s rc=%d id=%lld [", key, rc, (long long)id);
	buf_add(b, body.p ? body.p : "", body.len);
	put(b, "]\n");
	buf_free(&body);
}

static char *records_transcript(struct store *st, const struct ops *o)
{
	struct buf b = BUF_INIT;
	struct db *db = o->acquire(st);
	int64_t t = 0, tbl = 0, tbl2 = 0;
	int created = -1;
	struct changes ch = CHANGES_INIT;
	put(&b, "begin %d\n", o->begin(db));
	put(&b, "tenant %d\n", o->create(db, "recs", 1, 1, 0750, 1, &t));
	put(&b, "table %d", o->table(db, t, "crm_account", 5, &tbl, &created));
	put(&b, " id=%lld created=%d\n", (long long)tbl, created);
	put(&b, "table again %d", o->table(db, t, "crm_account", 6, &tbl2, &created));
	put(&b, " id=%lld created=%d\n", (long long)tbl2, created);
	put(&b, "table 2 %d", o->table(db, t, "crm_contact", 6, &tbl2, NULL));
	put(&b, " id=%lld\n", (long long)tbl2);
	static const char body[] = "{\"a\": 1, \"z\": \"\\u0000\"}\n";
	put(&b, "put a %d\n", o->rput(db, tbl, "a", body, sizeof(body) - 1, 10, 0));
	put(&b, "put b %d\n", o->rput(db, tbl, "b\xc3\xa9", "{}", 2, 11, 0));
	put(&b, "put a taken %d\n", o->rput(db, tbl, "a", "{}", 2, 12, 0));
	put(&b, "put c %d\n", o->rput(db, tbl, "c", "", 0, 13, 0)); /* the transaction goes on */
	put(&b, "done %d\n", o->table_done(db, tbl, 3, 14));
	put(&b, "commit %d\n", o->commit(db));
	put_get(&b, o, db, tbl, "a");
	put_get(&b, o, db, tbl, "b\xc3\xa9");
	put_get(&b, o, db, tbl, "c");
	put_get(&b, o, db, tbl, "nope");
	put_get(&b, o, db, tbl, "\xff");
	put_get(&b, o, db, tbl2, "a");
	put(&b, "begin %d\n", o->begin(db));
	int64_t old = 0;
	struct buf ignore = BUF_INIT;
	put(&b, "get a %d\n", o->rget(db, tbl, "a", &old, &ignore));
	buf_free(&ignore);
	put(&b, "replace a %d\n", o->rput(db, tbl, "a", "{\"a\": 2}", 8, 20, old));
	put(&b, "mtime by key %d\n", o->set_mtime(db, 0, tbl, "c", 21));
	put(&b, "mtime by key, none %d\n", o->set_mtime(db, 0, tbl, "nope", 22));
	put(&b, "mtime by id, none %d\n", o->set_mtime(db, 99999, 0, NULL, 23));
	put(&b, "mtime by old id %d\n", o->set_mtime(db, old, 0, NULL, 24));
	put(&b, "prune full %d n=%zu\n", o->prune(db, t, "crm_account", &ch), ch.n);
	put(&b, "prune empty %d n=%zu\n", o->prune(db, t, "crm_contact", &ch), ch.n);
	put(&b, "commit %d\n", o->commit(db));
	put_get(&b, o, db, tbl, "a");
	int64_t again = 0;
	put(&b, "table 2 again %d", o->table(db, t, "crm_contact", 30, &again, &created));
	put(&b, " new id=%d created=%d\n", again > tbl2, created);
	o->rollback(db);
	changes_free(&ch);
	o->release(db);
	buf_addc(&b, '\0');
	return buf_detach(&b, NULL);
}

START_TEST(test_records_same_as_sqlite)
{
	char dir[64] = "/tmp/osfs-check-pgrows.XXXXXX", path[128], err[512];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	struct store *s = NULL, *p = NULL;
	ck_assert_msg(store_open(&s, path, 0, err, sizeof(err)) == 0, "%s", err);
	char *want = records_transcript(s, &sq);
	store_close(s);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	ck_assert_int_eq(system(err), 0);

	pgu_sql("DROP SCHEMA IF EXISTS osfs CASCADE");
	ck_assert_msg(pg_store_open(&p, pgu_uri, 0, err, sizeof(err)) == 0, "%s", err);
	char *got = records_transcript(p, &pg);
	pg_store_close(p);
	ck_assert_msg(!strcmp(want, got), "sqlite:\n%s\npg:\n%s", want, got);
	ck_assert_ptr_nonnull(strstr(want, "put a taken -17\nput c 0\n"));
	free(want);
	free(got);
}
END_TEST

START_TEST(test_log_same_as_sqlite)
{
	char dir[64] = "/tmp/osfs-check-pgrows.XXXXXX", path[128], err[512];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	struct store *s = NULL, *p = NULL;
	ck_assert_msg(store_open(&s, path, 0, err, sizeof(err)) == 0, "%s", err);
	char *want = log_transcript(s, &sq);
	store_close(s);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	ck_assert_int_eq(system(err), 0);

	pgu_sql("DROP SCHEMA IF EXISTS osfs CASCADE");
	ck_assert_msg(pg_store_open(&p, pgu_uri, 0, err, sizeof(err)) == 0, "%s", err);
	char *got = log_transcript(p, &pg);
	pg_store_close(p);
	ck_assert_msg(!strcmp(want, got), "sqlite:\n%s\npg:\n%s", want, got);
	ck_assert_ptr_nonnull(strstr(want, "read 0 4096 rc=0 [2026-"));
	ck_assert_ptr_nonnull(strstr(want, "ünïcödé"));
	free(want);
	free(got);
}
END_TEST

START_TEST(test_same_as_sqlite)
{
	char dir[64] = "/tmp/osfs-check-pgrows.XXXXXX", path[128], err[512];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	struct store *s = NULL, *p = NULL;
	ck_assert_msg(store_open(&s, path, 0, err, sizeof(err)) == 0, "%s", err);
	char *want = transcript(s, &sq);
	store_close(s);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	ck_assert_int_eq(system(err), 0);

	pgu_sql("DROP SCHEMA IF EXISTS osfs CASCADE");
	ck_assert_msg(pg_store_open(&p, pgu_uri, 0, err, sizeof(err)) == 0, "%s", err);
	char *got = transcript(p, &pg);
	ck_assert_int_eq(pgu_q1("SELECT value FROM osfs.meta WHERE key = 'tenants_mtime'"), 30);
	pg_store_close(p);
	ck_assert_msg(!strcmp(want, got), "sqlite:\n%s\npg:\n%s", want, got);
	ck_assert_ptr_nonnull(strstr(want, "create alpha again -17\ncreate gamma 0 id=3\n"));
	free(want);
	free(got);
}
END_TEST

int main(void)
{
	pgu_start();
	Suite *s = suite_create("pg_rows");
	TCase *tc = tcase_create("same");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_same_as_sqlite);
	tcase_add_test(tc, test_log_same_as_sqlite);
	tcase_add_test(tc, test_records_same_as_sqlite);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pgu_stop();
	return failed ? 1 : 0;
}
