/* pg_seeds.h: check_pg_records' scenario of schema version 5 (seeds'
 * records, secrets, the unique index record_keys and fsck's checks of
 * them), run on both engines like the others; included by
 * tests/unit/check_pg_records.c after its transcript helpers (T,
 * report_line, sorted, sql_on), in a file of its own to keep that one
 * short. */
#ifndef OSFS_TESTS_PG_SEEDS_H
#define OSFS_TESTS_PG_SEEDS_H

/* Schema 5: seeds' records (seeded until a user's write replaces them),
 * secrets (kept apart, gone with their record and their tenant), and the
 * unique index (record_keys) kept by every write after a field's first
 * check, then gone with its table (prune) and its tenant. */
static void secret_out(struct buf *out, const struct store_backend *be, struct db *db, int64_t tbl, const char *key,
		       const char *field)
{
	struct buf v = BUF_INIT;
	int rc = be->records_secret_get(db, tbl, key, field, &v);
	T("secret %s.%s: %d %s\n", key, field, rc, buf_str(&v));
	buf_free(&v);
}

static void unique_out(struct buf *out, const struct store_backend *be, struct db *db, int64_t tbl, const char *key,
		       const char *field, const char *str, const double *num)
{
	struct buf h = BUF_INIT;
	int rc = be->records_unique_holder(db, tbl, key, field, str, num, &h);
	T("unique %s.%s=%s%s: %d %s\n", key, field, str ? str : "", num ? "(num)" : "", rc, buf_str(&h));
	buf_free(&h);
}

#define LIT(s) s, sizeof(s) - 1 /* a body and its length */

/* Statements of the test's own on e's store (the same SQL on both). */
static void raw_sql(struct engine *e, const char *q)
{
	if (e->sqlite_path[0]) {
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "sqlite3 %s", e->sqlite_path);
		FILE *p = popen(cmd, "w");
		ck_assert_ptr_nonnull(p);
		fprintf(p, "%s\n", q);
		ck_assert_int_eq(pclose(p), 0);
	} else {
		char sq[1024];
		snprintf(sq, sizeof(sq), "SET search_path=osfs; %s", q);
		sql_on(uri, sq);
	}
}

static void seeds_scenario(struct engine *e, struct buf *out)
{
	const struct store_backend *be = e->be;
	struct db *db = be->store_acquire(e->st);
	int64_t tid, tid2, tbl, tbl2, id = 0, id2 = 0;
	const double five = 5, six = 6;
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(be->db_begin(db), 0);
	ck_assert_int_eq(be->tenants_create(db, "acme", 1000, 1000, 0755, 10, &tid), 0);
	ck_assert_int_eq(be->tenants_create(db, "beta", 1001, 1001, 0755, 10, &tid2), 0);
	ck_assert_int_eq(be->records_table(db, tid, "crm", 11, &tbl, NULL), 0);
	ck_assert_int_eq(be->records_table(db, tid2, "crm", 11, &tbl2, NULL), 0);
	const char *s1 = "{\"name\":\"One\",\"n\":5,\"pw\":\"********\"}";
	T("seed s1: %d\n", be->records_put_seed(db, tbl, "s1", s1, strlen(s1), 20, 0));
	T("seed s1 again: %d\n", be->records_put_seed(db, tbl, "s1", s1, strlen(s1), 21, 0));
	T("put u1: %d\n", be->records_put(db, tbl, "u1", LIT("{\"name\":\"Two\",\"n\":5.0}"), 22, 0));
	T("put x: %d\n", be->records_put(db, tbl2, "x", LIT("{\"name\":\"One\"}"), 22, 0));
	T("done: %d %d\n", be->records_table_done(db, tbl, 2, 23), be->records_table_done(db, tbl2, 1, 23));
	T("get s1: %d\n", be->records_get(db, tbl, "s1", &id, NULL));
	T("get u1: %d\n", be->records_get(db, tbl, "u1", &id2, NULL));
	T("seed_written s1: %d u1: %d gone: %d\n", be->records_seed_written(db, id), be->records_seed_written(db, id2),
	  be->records_seed_written(db, 99999));
	T("secret put: %d", be->records_secret_put(db, tbl, "s1", "pw", "hunter2"));
	T(" replaced: %d", be->records_secret_put(db, tbl, "s1", "pw", "hunter3"));
	T(" %d", be->records_secret_put(db, tbl, "s1", "tok", "é\tx"));
	T(" %d\n", be->records_secret_put(db, tbl2, "x", "pw", "other"));
	T("commit: %d\n", be->db_commit(db));
	secret_out(out, be, db, tbl, "s1", "pw");
	secret_out(out, be, db, tbl, "s1", "tok");
	secret_out(out, be, db, tbl, "s1", "none");
	secret_out(out, be, db, tbl, "u1", "pw");
	secret_out(out, be, db, tbl2, "x", "pw");

	ck_assert_int_eq(be->db_begin(db), 0);
	/* a seed's rewrite stays a seed's; a user's write makes it the user's */
	T("seed over s1: %d\n", be->records_put_seed(db, tbl, "s1", s1, strlen(s1), 30, id));
	T("get s1: %d", be->records_get(db, tbl, "s1", &id, NULL));
	T(" seeded=%d\n", be->records_seed_written(db, id));
	/* the first unique checks build the index of the field */
	unique_out(out, be, db, tbl, "new", "name", "One", NULL);
	unique_out(out, be, db, tbl, "s1", "name", "One", NULL);
	unique_out(out, be, db, tbl, "new", "n", NULL, &five);
	unique_out(out, be, db, tbl, "s1", "n", NULL, &five);
	unique_out(out, be, db, tbl, "new", "n", "5", NULL);
	/* writes after: the index follows them */
	T("user over s1: %d\n", be->records_put(db, tbl, "s1", LIT("{\"name\":\"Uno\",\"n\":6}"), 31, id));
	T("get s1: %d", be->records_get(db, tbl, "s1", &id, NULL));
	T(" seeded=%d\n", be->records_seed_written(db, id));
	secret_out(out, be, db, tbl, "s1", "pw"); /* a new row keeps the record's secrets */
	unique_out(out, be, db, tbl, "new", "name", "One", NULL);
	unique_out(out, be, db, tbl, "new", "name", "Uno", NULL);
	unique_out(out, be, db, tbl, "new", "n", NULL, &six);
	unique_out(out, be, db, tbl, "new", "n", NULL, &five);
	T("put a0: %d\n", be->records_put(db, tbl, "a0", LIT("{\"name\":\"Uno\",\"n\":true}"), 32, 0));
	T("done: %d\n", be->records_table_done(db, tbl, 1, 32));
	unique_out(out, be, db, tbl, "new", "name", "Uno", NULL);
	unique_out(out, be, db, tbl, "a0", "name", "Uno", NULL);
	T("secret drop one: %d", be->records_secret_drop(db, tbl, "s1", "tok"));
	T(" none: %d\n", be->records_secret_drop(db, tbl, "s1", "tok"));
	secret_out(out, be, db, tbl, "s1", "tok");
	T("secret drop all u1: %d\n", be->records_secret_drop(db, tbl, "u1", NULL));
	T("delete s1: %d\n", be->records_delete(db, tbl, "s1", 33));
	secret_out(out, be, db, tbl, "s1", "pw");
	unique_out(out, be, db, tbl, "new", "name", "Uno", NULL);
	unique_out(out, be, db, tbl, "new", "n", NULL, &six);
	T("commit: %d\n", be->db_commit(db));

	struct buf got = BUF_INIT;
	T("fsck: %d\n", be->store_fsck(e->st, report_line, &got));
	sorted(out, got.p ? got.p : (char[]){ 0 });
	buf_free(&got);

	/* fsck's checks of schema 5: a secret with no record, and record_keys
	 * out of step with the records both ways */
	char q[512];
	snprintf(q, sizeof(q),
		 "INSERT INTO record_secrets(tbl, key, field, value) VALUES(%lld, 'ghost', 'pw', 'x'); "
		 "DELETE FROM record_keys WHERE key='a0' AND field='name'; "
		 "INSERT INTO record_keys(tbl, field, value, key) VALUES(%lld, 'name', %s, 'u1');",
		 (long long)tbl, (long long)tbl, e->sqlite_path[0] ? "'Bogus'" : "'\"Bogus\"'::jsonb");
	raw_sql(e, q);
	got = (struct buf)BUF_INIT;
	T("fsck broken: %d\n", be->store_fsck(e->st, report_line, &got));
	sorted(out, got.p ? got.p : (char[]){ 0 });
	buf_free(&got);

	/* a tenant's removal takes its secrets and its index */
	ck_assert_int_eq(be->db_begin(db), 0);
	unique_out(out, be, db, tbl2, "y", "name", "One", NULL);
	T("delete tenant beta: %d\n", be->tenants_delete(db, tid2, 40));
	T("commit: %d\n", be->db_commit(db));
	secret_out(out, be, db, tbl2, "x", "pw");
	got = (struct buf)BUF_INIT;
	T("fsck: %d\n", be->store_fsck(e->st, report_line, &got));
	sorted(out, got.p ? got.p : (char[]){ 0 });
	buf_free(&got);
	be->store_release(db);
}

#endif
