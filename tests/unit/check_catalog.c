/* check_catalog: the local catalog (catalog/catalog_local.c) and the
 * queries the daemon and installs ask of it (store/sqlite/catalogdb.c), on a
 * private in-memory store: adds, the immutability of versions, removal,
 * what a remote entry becomes when its bytes arrive, the update a tenant
 * is offered and the hint a missing dependency gets.  The HTTP side is
 * tested against a real server in tests/integration/t_catalog.sh.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UU_INSTALL
#include "tests/unit/unit_util.h"

#include "catalog/catalog.h"
#include "store/catalogdb.h"

#define CRM1 "tests/artifacts/acme-crm-1.0.0.json"
#define CRM11 "tests/artifacts/acme-crm-1.1.0.json"
#define CRM2 "tests/artifacts/acme-crm-2.0.0.json"
#define HD "tests/artifacts/acme-helpdesk-0.3.0.json"

#define FIRST UU_FIRST

static int add_bytes(const char *bytes, size_t len)
{
	uu_report_reset();
	return catalog_add(uu_st, bytes, len, ARTIFACT_DEFAULT_MAX, "test", &uu_r);
}

static int add(const char *path)
{
	size_t len;
	const char *s = uu_file(path, &len);
	return add_bytes(s, len);
}

static int get(const char *pkg, const char *version, struct catalog_row *row)
{
	struct db *db = uu_db();
	int rc = catdb_get(db, pkg, version, row);
	store_release(db);
	return rc;
}

static const char *newer(const char *pkg, const char *above)
{
	static char out[SEMVER_MAX_LENGTH + 1];
	struct db *db = uu_db();
	int rc = catalog_newer(db, pkg, above, out, sizeof(out));
	store_release(db);
	return rc == 0 ? out : rc == -ENOENT ? "none" : "error";
}

/* Two versions added one after the other are both there, each with its
 * bytes (the second once went missing: an uninitialised row was taken for
 * a remote entry awaiting its bytes). */
START_TEST(test_add_versions)
{
	struct catalog_row a, b;
	UU_OK(add(CRM1));
	ck_assert_int_eq(uu_r.unchanged, 0);
	ck_assert_int_gt((int)uu_r.changes.n, 0);
	UU_OK(add(CRM11));
	ck_assert_int_eq(uu_r.unchanged, 0);
	ck_assert_int_eq(get("com.acme.crm", "1.0.0", &a), 0);
	ck_assert_int_eq(get("com.acme.crm", "1.1.0", &b), 0);
	ck_assert_int_gt(a.artifact, 0);
	ck_assert_int_gt(b.artifact, 0);
	ck_assert_int_ne(a.artifact, b.artifact);
	ck_assert_str_eq(a.origin, "local");
	ck_assert_str_eq(uu_r.label, "com.acme.crm@1.1.0");
}
END_TEST

START_TEST(test_versions_are_immutable)
{
	size_t len;
	const char *s = uu_file(CRM1, &len);
	UU_OK(add(CRM1));
	UU_OK(add(CRM1));
	ck_assert_int_eq(uu_r.unchanged, 1);
	char *other = uu_fmt("%s\n", s);
	ck_assert_int_eq(add_bytes(other, len + 1), -EEXIST);
	free(other);
	FIRST(EEXIST, "com.acme.crm@1.0.0 is already in the catalog with other bytes: versions are immutable");
	ck_assert_int_eq(add_bytes("{", 1), -EINVAL);
}
END_TEST

START_TEST(test_remove)
{
	struct catalog_row row;
	UU_OK(add(CRM1));
	UU_OK(add(CRM11));
	UU_OK(uu_inst_file(CRM1));
	uu_report_reset();
	ck_assert_int_eq(catalog_remove(uu_st, "com.acme.crm", "1.0.0", &uu_r), -EBUSY);
	FIRST(EBUSY, "com.acme.crm@1.0.0 is installed in tenant t1: uninstall it there first");
	UU_OK(uu_rm("com.acme.crm"));
	uu_report_reset();
	UU_OK(catalog_remove(uu_st, "com.acme.crm", "1.0.0", &uu_r));
	ck_assert_int_eq(get("com.acme.crm", "1.0.0", &row), -ENOENT);
	uu_report_reset();
	ck_assert_int_eq(catalog_remove(uu_st, "com.acme.crm", "1.0.0", &uu_r), -ENOENT);
	uu_report_reset();
	ck_assert_int_eq(catalog_remove_dir(uu_st, "com.acme.crm", &uu_r), -ENOTEMPTY);
	uu_report_reset();
	UU_OK(catalog_remove(uu_st, "com.acme.crm", "1.1.0", &uu_r));
	uu_report_reset();
	UU_OK(catalog_remove_dir(uu_st, "com.acme.crm", &uu_r));
	/* What the catalog held is gone from the store with it. */
	UU_OK(add(CRM1));
	ck_assert_int_eq(get("com.acme.crm", "1.0.0", &row), 0);
}
END_TEST

/* A remote entry is listed before its bytes are known; the same bytes
 * added locally complete it, other bytes are refused. */
START_TEST(test_remote_entry_gets_bytes)
{
	size_t len;
	const char *s = uu_file(CRM1, &len);
	struct artifact a;
	struct diag d = DIAG_INIT;
	ck_assert_int_eq(artifact_load(&a, s, len, ARTIFACT_DEFAULT_MAX, 0, &d), 0);
	struct catalog_row row = { 0 }, got;
	snprintf(row.pkg, sizeof(row.pkg), "com.acme.crm");
	snprintf(row.version, sizeof(row.version), "1.0.0");
	row.size = len;
	row.xxh3 = a.xxh3;
	snprintf(row.origin, sizeof(row.origin), "remote");
	snprintf(row.url, sizeof(row.url), "http://127.0.0.1:1/packages/com.acme.crm/1.0.0.json");
	struct db *db = uu_db();
	int64_t ts;
	ck_assert_int_eq(db_begin(db), 0);
	ck_assert_int_eq(db_now(db, 0, &ts), 0);
	ck_assert_int_eq(catdb_remote(db, &row, ts, &uu_r.changes), 0);
	ck_assert_int_eq(db_commit(db), 0);
	store_release(db);
	ck_assert_int_eq(get("com.acme.crm", "1.0.0", &got), 0);
	ck_assert_int_eq(got.artifact, 0);
	char *other = uu_fmt("%s\n", s);
	ck_assert_int_eq(add_bytes(other, len + 1), -EEXIST);
	free(other);
	UU_OK(add(CRM1));
	ck_assert_int_eq(get("com.acme.crm", "1.0.0", &got), 0);
	ck_assert_int_gt(got.artifact, 0);
	ck_assert_str_eq(got.origin, "remote");
	artifact_free(&a);
	diag_free(&d);
}
END_TEST

/* The update offered is the highest version above the installed one; a
 * prerelease is an update only of a prerelease. */
START_TEST(test_updates)
{
	ck_assert_str_eq(newer("com.acme.crm", "1.0.0"), "none");
	UU_OK(add(CRM1));
	ck_assert_str_eq(newer("com.acme.crm", "1.0.0"), "none");
	UU_OK(add(CRM2));
	UU_OK(add(CRM11));
	ck_assert_str_eq(newer("com.acme.crm", "1.0.0"), "2.0.0");
	ck_assert_str_eq(newer("com.acme.crm", "2.0.0"), "none");
	char *pre = uu_json("{'manifest': {'id': 'com.acme.crm', 'namespace': 'crm', 'version': '3.0.0-beta.1'}}");
	UU_OK(add_bytes(pre, strlen(pre)));
	free(pre);
	ck_assert_str_eq(newer("com.acme.crm", "2.0.0"), "none");
	ck_assert_str_eq(newer("com.acme.crm", "3.0.0-alpha"), "3.0.0-beta.1");
	ck_assert_str_eq(newer("com.acme.other", "1.0.0"), "none");
	char best[SEMVER_MAX_LENGTH + 1], err[128];
	struct semver_range *r = semver_range_parse("^1.0.0", err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	struct db *db = uu_db();
	ck_assert_int_eq(catalog_best(db, "com.acme.crm", r, NULL, best, sizeof(best)), 0);
	store_release(db);
	ck_assert_str_eq(best, "1.1.0");
	semver_range_free(r);
}
END_TEST

/* A missing dependency names the catalog version that would satisfy it. */
START_TEST(test_dependency_hint)
{
	ck_assert_int_eq(uu_inst_file(HD), -ENOPKG);
	ck_assert_ptr_null(strstr(diag_first(&uu_r.diag), "the catalog has"));
	UU_OK(add(CRM2));
	ck_assert_int_eq(uu_inst_file(HD), -ENOPKG);
	ck_assert_ptr_null(strstr(diag_first(&uu_r.diag), "the catalog has")); /* 2.0.0 is not ^1.0.0 */
	UU_OK(add(CRM1));
	UU_OK(add(CRM11));
	ck_assert_int_eq(uu_inst_file(HD), -ENOPKG);
	FIRST(ENOPKG, "install com.acme.crm first (the catalog has com.acme.crm@1.1.0: catalog/com.acme.crm/1.1.0.json)");
	UU_OK(uu_inst_file(CRM1));
	UU_OK(uu_rm("com.acme.crm"));
}
END_TEST

static Suite *catalog_suite(void)
{
	Suite *s = suite_create("catalog");
	TCase *tc = tcase_create("local");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, uu_setup, uu_teardown);
	tcase_add_test(tc, test_add_versions);
	tcase_add_test(tc, test_versions_are_immutable);
	tcase_add_test(tc, test_remove);
	tcase_add_test(tc, test_remote_entry_gets_bytes);
	tcase_add_test(tc, test_updates);
	tcase_add_test(tc, test_dependency_hint);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(catalog_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
