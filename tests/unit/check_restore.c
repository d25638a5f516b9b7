/* check_restore: osfsctl restore's bundle (catalog/restore_bundle.h), the
 * install order (catalog/dep_order.h) and restore_tenant() on a private
 * in-memory store (catalog/restore.h, docs/restore.md): a bundle read back
 * is what was written, a damaged one is refused wherever it is cut; the
 * packages go in dependency order whatever their names, the records come
 * back with their bytes and times and no seed is applied; a tenant that is
 * not empty is refused unless force; any failure changes nothing. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UU_INSTALL
#include "tests/unit/unit_util.h"

#include "catalog/dep_order.h"
#include "catalog/restore.h"
#include "catalog/restore_bundle.h"
#include "store/installs.h"
#include "store/tenants.h"

/* A package of objects ns_thing, seeding record "s1" (kept). */
static const char *pkg(const char *id, const char *ns, const char *ver, const char *deps)
{
	char *sq = uu_fmt("{'manifest': {'id': '%s', 'namespace': '%s', 'version': '%s', 'dependencies': {%s}}, "
			  "'objects': [{'name': '%s_thing', 'label': 'T', 'fields': {'name': {'type': 'text'}}}], "
			  "'data': [{'object': '%s_thing', 'externalId': 'name', 'mode': 'upsert', 'records': "
			  "[{'name': 's1'}]}]}", id, ns, ver, deps, ns, ns);
	char *s = uu_json(sq);
	free(sq);
	return uu_keep(s);
}

static void add_pkg(struct buf *b, const char *file, const char *bytes, int64_t mtime)
{
	ck_assert_int_eq(restore_bundle_install(b, file, 0640, mtime, bytes, strlen(bytes)), 0);
}

static void add_rec(struct buf *b, const char *object, const char *stem, const char *bytes, int64_t mtime)
{
	ck_assert_int_eq(restore_bundle_record(b, object, stem, mtime, bytes, strlen(bytes)), 0);
}

START_TEST(test_bundle_roundtrip)
{
	struct buf b = BUF_INIT;
	struct restore_bundle rb;
	struct diag d = DIAG_INIT;
	ck_assert_int_eq(restore_bundle_begin(&b, "/tmp/a b", 1), 0);
	add_pkg(&b, "x y.json", "{\n}\nend\n", 5);
	add_rec(&b, "crm_account", "Globex%2FWest", "{\"a\": \"install 1 2 3\"}", -7);
	add_rec(&b, "crm_account", "a b,c", "", 9);
	ck_assert_int_eq(restore_bundle_end(&b), 0);
	ck_assert_int_eq(restore_bundle_parse(b.p, b.len, &rb, &d), 0);
	ck_assert_str_eq(rb.source, "/tmp/a b");
	ck_assert_int_eq(rb.has_data, 1);
	ck_assert_uint_eq(rb.ninst, 1);
	ck_assert_str_eq(rb.inst[0].name, "x y.json");
	ck_assert_uint_eq(rb.inst[0].mode, 0640);
	ck_assert_int_eq(rb.inst[0].mtime, 5);
	ck_assert_uint_eq(rb.inst[0].len, 8);
	ck_assert(!memcmp(rb.inst[0].bytes, "{\n}\nend\n", 8));
	ck_assert_uint_eq(rb.nrec, 2);
	ck_assert_str_eq(rb.rec[0].object, "crm_account");
	ck_assert_str_eq(rb.rec[0].stem, "Globex%2FWest");
	ck_assert_int_eq(rb.rec[0].mtime, -7);
	ck_assert_str_eq(rb.rec[1].stem, "a b,c");
	ck_assert_uint_eq(rb.rec[1].len, 0);
	restore_bundle_free(&rb);
	/* Names that cannot be carried. */
	ck_assert_int_eq(restore_bundle_install(&b, "a\nb", 0644, 0, "", 0), -EINVAL);
	ck_assert_int_eq(restore_bundle_install(&b, "a/b", 0644, 0, "", 0), -EINVAL);
	ck_assert_int_eq(restore_bundle_record(&b, "crm account", "k", 0, "", 0), -EINVAL);
	/* Cut anywhere, or with a byte added, it is refused with a sentence. */
	for (size_t cut = 0; cut < b.len; cut++) {
		ck_assert_msg(restore_bundle_parse(b.p, cut, &rb, &d) == -EINVAL, "cut at %zu", cut);
		restore_bundle_free(&rb);
	}
	buf_addc(&b, '\n');
	ck_assert_int_eq(restore_bundle_parse(b.p, b.len, &rb, &d), -EINVAL);
	restore_bundle_free(&rb);
	ck_assert(strstr(diag_first(&d), "not a restore bundle"));
	ck_assert(strstr(d.v[d.n - 1].msg, "damaged near byte"));
	diag_free(&d);
	buf_free(&b);
}
END_TEST

START_TEST(test_dep_order)
{
	const char *src[] = { pkg("com.t.a", "aa", "1.0.0", "'com.t.m': '^1.0.0'"),
			      pkg("com.t.m", "mm", "1.0.0", "'com.t.z': '^1.0.0'"),
			      pkg("com.t.z", "zz", "1.0.0", ""), pkg("com.t.b", "bb", "1.0.0", "'sys.feeds': '*'") };
	struct artifact a[4];
	const struct artifact *p[4];
	const char *labels[4] = { "a", "m", "z", "b" };
	size_t order[4];
	struct diag d = DIAG_INIT;
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(artifact_load(&a[i], src[i], strlen(src[i]), ARTIFACT_DEFAULT_MAX, 0, &d), 0);
		p[i] = &a[i];
	}
	ck_assert_int_eq(dep_order(p, labels, 4, order, "t", &d), 0);
	/* z, then b (no dependency in the set) in the same pass, then m, then a */
	ck_assert_uint_eq(order[0], 2);
	ck_assert_uint_eq(order[1], 3);
	ck_assert_uint_eq(order[2], 1);
	ck_assert_uint_eq(order[3], 0);
	for (size_t i = 0; i < 4; i++)
		artifact_free(&a[i]);
	const char *cyc[] = { pkg("com.t.a", "aa", "1.0.0", "'com.t.m': '*'"), pkg("com.t.m", "mm", "1.0.0", "'com.t.a': '*'"),
			      pkg("com.t.z", "zz", "1.0.0", "") };
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(artifact_load(&a[i], cyc[i], strlen(cyc[i]), ARTIFACT_DEFAULT_MAX, 0, &d), 0);
		p[i] = &a[i];
	}
	ck_assert_int_eq(dep_order(p, labels, 3, order, "restore", &d), -ENOPKG);
	ck_assert_str_eq(diag_first(&d), "restore: these packages depend on each other in a cycle: com.t.a (a), "
			 "com.t.m (m)");
	for (size_t i = 0; i < 3; i++)
		artifact_free(&a[i]);
	diag_free(&d);
}
END_TEST

/* A bundle of a (needs m), m (needs z) and z, with data: z's seed s1 is
 * left out (deleted by the user), z_thing/u1 added, and a record of an
 * object no package has. */
static void three(struct buf *b, const char *a_ver_range)
{
	ck_assert_int_eq(restore_bundle_begin(b, "/copy", 1), 0);
	char *deps = uu_fmt("'com.t.m': '%s'", a_ver_range);
	add_pkg(b, "com.t.a.json", pkg("com.t.a", "aa", "1.0.0", deps), 1000000001);
	free(deps);
	add_pkg(b, "com.t.m.json", pkg("com.t.m", "mm", "1.0.0", "'com.t.z': '^1.0.0'"), 1000000002);
	add_pkg(b, "com.t.z.json", pkg("com.t.z", "zz", "1.0.0", ""), 1000000003);
	add_rec(b, "zz_thing", "u1", "{\n  \"name\": \"u1\"\n}\n", 1500000000123456789);
	add_rec(b, "mm_thing", "s1", "{\n  \"name\": \"s1\"\n}\n", 5);
	add_rec(b, "gone_thing", "g", "{\n  \"name\": \"g\"\n}\n", 6);
	ck_assert_int_eq(restore_bundle_end(b), 0);
}

static int restore(const struct buf *b, const char *tenant, int force, int create, struct restore_result *res)
{
	struct restore_opts o = { tenant, force, create, 1000, 1000, ARTIFACT_DEFAULT_MAX };
	uu_report_reset();
	return restore_tenant(uu_st, b->p, b->len, &o, &uu_r, res);
}

START_TEST(test_restore_new_tenant)
{
	struct buf b = BUF_INIT;
	struct restore_result res;
	three(&b, "^1.0.0");
	UU_OK(restore(&b, "t1", 0, 0, &res));
	ck_assert_uint_eq(res.packages, 3);
	ck_assert_uint_eq(res.records, 3);
	ck_assert_uint_eq(res.orphans, 1);
	ck_assert_str_eq(uu_ls("data/zz_thing"), "u1.json\n");
	ck_assert_str_eq(uu_ls("data/aa_thing"), "");
	ck_assert_str_eq(uu_rd("data/gone_thing/g.json"), "{\n  \"name\": \"g\"\n}\n");
	ck_assert_int_eq(uu_at("data/zz_thing/u1.json").mtime, 1500000000123456789);
	ck_assert_int_eq(uu_at("install/com.t.z.json").mtime, 1000000003);
	ck_assert_uint_eq(uu_at("install/com.t.z.json").mode & 07777, 0640);
	ck_assert(strstr(uu_last_log(), "restored from /copy: 3 packages, 3 records (1 of objects not installed; no "
			 "seed applied"));
	const char *log = uu_rd("log");
	const char *z = strstr(log, "installed com.t.z@"), *m = strstr(log, "installed com.t.m@"),
		   *a = strstr(log, "installed com.t.a@");
	ck_assert(z && m && a && z < m && m < a);
	/* Not empty now: refused, unchanged; force merges. */
	const char *before = uu_snap();
	ck_assert_int_eq(restore(&b, "t1", 0, 0, &res), -ENOTEMPTY);
	UU_FIRST(ENOTEMPTY, "tenant t1 is not empty");
	ck_assert_str_eq(uu_snap(), before);
	UU_OK(restore(&b, "t1", 1, 0, &res));
	/* --store: a tenant that does not exist is made; without create, said. */
	ck_assert_int_eq(restore(&b, "t2", 0, 0, &res), -ENOENT);
	UU_OK(restore(&b, "t2", 0, 1, &res));
	buf_free(&b);
}
END_TEST

START_TEST(test_restore_failure_changes_nothing)
{
	struct buf b = BUF_INIT;
	struct restore_result res;
	const char *before = uu_snap();
	/* a needs m 2: z and m go in, then a fails; all of it rolls back. */
	three(&b, "^2.0.0");
	ck_assert_int_eq(restore(&b, "t1", 0, 0, &res), -ENOPKG);
	UU_FIRST(ENOPKG, "/copy/install/com.t.a.json (com.t.a@1.0.0) cannot be installed");
	ck_assert_uint_eq(res.packages, 0);
	ck_assert_str_eq(uu_snap(), before);
	ck_assert(strstr(uu_last_log(), "error: cannot restore from /copy:"));
	buf_free(&b);
	/* A record that is not a JSON object, a bad file name, a bad artifact. */
	const char *bad[][3] = { { "zz_thing", "k", "[1]" }, { "zz_thing", "k", "{bad" }, { "zz_thing", "%41", "{}" },
				 { "Zz", "k", "{}" } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct buf c = BUF_INIT;
		ck_assert_int_eq(restore_bundle_begin(&c, "/c", 1), 0);
		add_pkg(&c, "z.json", pkg("com.t.z", "zz", "1.0.0", ""), 1);
		add_rec(&c, bad[i][0], bad[i][1], bad[i][2], 1);
		restore_bundle_end(&c);
		ck_assert_int_eq(restore(&c, "t1", 0, 0, &res), -EINVAL);
		ck_assert_str_eq(uu_snap(), before);
		buf_free(&c);
	}
	struct buf c = BUF_INIT;
	restore_bundle_begin(&c, "/c", 0);
	add_pkg(&c, "z.json", pkg("com.t.z", "zz", "1.0.0", ""), 1);
	add_pkg(&c, "z2.json", pkg("com.t.z", "zz", "1.1.0", ""), 1);
	restore_bundle_end(&c);
	ck_assert_int_eq(restore(&c, "t1", 0, 0, &res), -EINVAL);
	UU_FIRST(EINVAL, "install/z.json and install/z2.json both hold com.t.z");
	ck_assert_str_eq(uu_snap(), before);
	buf_free(&c);
}
END_TEST

START_TEST(test_restore_without_data_seeds)
{
	struct buf b = BUF_INIT;
	struct restore_result res;
	restore_bundle_begin(&b, "/c", 0);
	add_pkg(&b, "z.json", pkg("com.t.z", "zz", "1.0.0", ""), 1);
	restore_bundle_end(&b);
	UU_OK(restore(&b, "t1", 0, 0, &res));
	ck_assert_str_eq(uu_ls("data/zz_thing"), "s1.json\n");
	ck_assert(strstr(uu_last_log(), "the copy has no data/ folder, so the packages were seeded"));
	buf_free(&b);
}
END_TEST

static Suite *restore_suite(void)
{
	Suite *s = suite_create("restore");
	TCase *tc = tcase_create("bundle");
	tcase_add_checked_fixture(tc, uu_setup, uu_teardown);
	tcase_add_test(tc, test_bundle_roundtrip);
	tcase_add_test(tc, test_dep_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("restore");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, uu_setup, uu_teardown);
	tcase_add_test(tc, test_restore_new_tenant);
	tcase_add_test(tc, test_restore_failure_changes_nothing);
	tcase_add_test(tc, test_restore_without_data_seeds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(restore_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
