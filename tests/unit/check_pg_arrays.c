/* check_pg_arrays: store/pg/arrays.c's binary array parameters come back
 * from the server's unnest() exactly as given (text with quotes,
 * backslashes, braces, commas, newlines, UTF-8, the empty string and
 * NULL; bytes with NULs; integers and doubles at their limits), text that
 * is not UTF-8 is refused before sending, and pg_artstore_put() stores
 * every row of an artifact larger than one batch (PG_BATCH_ROWS) with
 * its indexes in order, as the one-row-per-statement code did.
 * Run by `make unit-pg`. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/artstore.h"
#include "store/pg/pg.h"
#include "tests/unit/check_common.h"
#include "tests/unit/pg_util.h"

static const char *const texts[] = { "plain", "", "a \"quoted\" word", "back\\slash", "{braces,comma}",
				     "NULL", "line\nbreak\ttab", "ünïcödé ✓ 𝄞", "'single'", " lead and trail " };
#define NTEXTS (sizeof(texts) / sizeof(texts[0]))

START_TEST(test_round_trip)
{
	char err[512];
	struct store *st = NULL;
	pgu_sql("DROP SCHEMA IF EXISTS osfs CASCADE");
	ck_assert_msg(pg_store_open(&st, pgu_uri, 0, err, sizeof(err)) == 0, "%s", err);
	struct db *db = pg_store_acquire(st);
	ck_assert_ptr_nonnull(db);
	struct pg_array t, b, i, f;
	pg_array_init(&t, PG_TEXTOID, PG_TEXTARRAYOID);
	pg_array_init(&b, PG_BYTEAOID, PG_BYTEAARRAYOID);
	pg_array_init(&i, PG_INT8OID, PG_INT8ARRAYOID);
	pg_array_init(&f, PG_FLOAT8OID, PG_FLOAT8ARRAYOID);
	const int64_t ints[] = { 0, -1, INT64_MAX, INT64_MIN, 42 };
	const double dbls[] = { 0.5, -0.0, 1e308, -2.5e-300, 3 };
	size_t n = NTEXTS + 1; /* and a NULL */
	for (size_t k = 0; k < n; k++) {
		pg_array_text(&t, k < NTEXTS ? texts[k] : NULL);
		if (k == 3)
			pg_array_bytes(&b, NULL, 0);
		else
			pg_array_bytes(&b, "\0x\0y", k % 5);
		pg_array_i64(&i, ints[k % 5]);
		pg_array_f64(&f, dbls[k % 5]);
	}
	ck_assert_int_eq(t.err | b.err | i.err | f.err, 0);
	PGresult *r;
	int rc = pg_query(db,
			  "SELECT u.n, u.t, u.b, u.i, u.f FROM unnest($1::text[], $2::bytea[], $3::bigint[], $4::float8[]) "
			  "WITH ORDINALITY AS u(t, b, i, f, n) ORDER BY u.n",
			  PG_ARGS(pg_array_arg(&t), pg_array_arg(&b), pg_array_arg(&i), pg_array_arg(&f)), &r);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(PQntuples(r), (int)n);
	for (size_t k = 0; k < n; k++) {
		ck_assert_int_eq(pg_get_i64(r, (int)k, 0), (int64_t)k + 1);
		if (k < NTEXTS)
			ck_assert_str_eq(pg_get_text(r, (int)k, 1), texts[k]);
		else
			ck_assert(pg_is_null(r, (int)k, 1));
		size_t len;
		const void *p = pg_get_bytes(r, (int)k, 2, &len);
		if (k == 3) {
			ck_assert(pg_is_null(r, (int)k, 2));
		} else {
			ck_assert_uint_eq(len, k % 5);
			ck_assert(len == 0 || !memcmp(p, "\0x\0y", len));
		}
		ck_assert(pg_get_i64(r, (int)k, 3) == ints[k % 5]);
		double d = pg_get_f64(r, (int)k, 4);
		ck_assert(d == dbls[k % 5] && signbit(d) == signbit(dbls[k % 5]));
	}
	PQclear(r);

	/* Empty, after a reset: no rows.  Text that is not UTF-8: refused. */
	pg_array_reset(&t);
	ck_assert_int_eq(pg_query(db, "SELECT count(*) FROM unnest($1::text[])", PG_ARGS(pg_array_arg(&t)), &r), 0);
	ck_assert_int_eq(pg_get_i64(r, 0, 0), 0);
	PQclear(r);
	pg_array_text(&t, "ok");
	pg_array_text(&t, "bad \xff byte");
	ck_assert_int_eq(t.err, -EILSEQ);
	pg_array_free(&t);
	pg_array_free(&b);
	pg_array_free(&i);
	pg_array_free(&f);
	pg_store_release(db);
	pg_store_close(st);
}
END_TEST

/* An artifact of more rows than one batch: every row, idx 0..n-1. */
START_TEST(test_artstore_batches)
{
	char err[512];
	struct store *st = NULL;
	pgu_sql("DROP SCHEMA IF EXISTS osfs CASCADE");
	ck_assert_msg(pg_store_open(&st, pgu_uri, 0, err, sizeof(err)) == 0, "%s", err);
	struct db *db = pg_store_acquire(st);
	size_t n = PG_BATCH_ROWS * 2 + 7;
	struct art_rows a;
	memset(&a, 0, sizeof(a));
	a.pkg = "com.test.batch";
	a.version = "1.0.0";
	a.ns = "tb";
	a.bytes = "{}";
	a.len = 2;
	a.manifest = "{}";
	a.manifest_len = 2;
	struct art_rows_kind kind = { "objects", "objects", 1 };
	a.kinds = &kind;
	a.nkinds = 1;
	struct art_rows_item *items = calloc(n, sizeof(*items));
	struct art_rows_def *objects = calloc(n, sizeof(*objects));
	char (*names)[32] = calloc(n, 32);
	ck_assert(items && objects && names);
	for (size_t k = 0; k < n; k++) {
		snprintf(names[k], 32, "tb_o%zu", k);
		items[k].kind = 0;
		items[k].file = names[k];
		items[k].name = k % 2 ? names[k] : NULL;
		items[k].body = names[k];
		items[k].body_len = strlen(names[k]);
		objects[k].name = names[k];
		objects[k].item = k;
	}
	a.items = items;
	a.objects = objects;
	a.nitems = a.nobjects = n;
	int64_t id = 0;
	ck_assert_int_eq(pg_db_begin(db), 0);
	ck_assert_int_eq(pg_artstore_put(db, &a, 0, 1000, &id), 0);
	ck_assert_int_eq(pg_db_commit(db), 0);
	char q[256];
	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM osfs.items i JOIN osfs.art_objects o ON o.artifact=i.artifact AND o.item=i.idx "
		 "WHERE i.artifact=%lld AND i.file=o.name AND convert_from(i.body, 'UTF8')=o.name "
		 "AND i.idx=substr(o.name, 5)::bigint AND (i.name IS NULL) = (i.idx %% 2 = 0)",
		 (long long)id);
	ck_assert_int_eq(pgu_q1(q), (long long)n);
	snprintf(q, sizeof(q), "SELECT max(idx) FROM osfs.items WHERE artifact=%lld", (long long)id);
	ck_assert_int_eq(pgu_q1(q), (long long)n - 1);
	free(items);
	free(objects);
	free(names);
	pg_store_release(db);
	pg_store_close(st);
}
END_TEST

int main(void)
{
	pgu_start();
	Suite *s = suite_create("pg_arrays");
	TCase *tc = tcase_create("arrays");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_artstore_batches);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pgu_stop();
	return failed ? 1 : 0;
}
