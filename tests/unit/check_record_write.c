/* check_record_write: records written and removed through the store
 * (catalog/record_write.c, store/records_write.c; docs/records.md), with
 * the real crm fixture: create, replace, no-op, references, unique values,
 * read-only and computed fields, objects no longer installed, the log. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UU_INSTALL
#include "tests/unit/unit_util.h"

#include "catalog/record_write.h"

#define CRM "tests/fixtures/real/app-crm/objectstack.json"

/* Writes single-quoted JSON as data/<object>/<stem>.json of t1. */
static int wr(const char *object, const char *stem, const char *sq)
{
	char *s = uu_json(sq);
	uu_report_reset();
	int rc = record_write(uu_st, "t1", object, stem, s, strlen(s), &uu_r);
	free(s);
	return rc;
}

/* The same, checked only (record_write_check). */
static int wr_check(const char *object, const char *stem, const char *sq)
{
	char *s = uu_json(sq);
	uu_report_reset();
	int rc = record_write_check(uu_st, "t1", object, stem, s, strlen(s), &uu_r);
	free(s);
	return rc;
}

static int rm_rec(const char *object, const char *stem)
{
	uu_report_reset();
	return record_remove(uu_st, "t1", object, stem, &uu_r);
}

#define REFUSED(rc, err, needle) \
	do { \
		ck_assert_msg((rc) == -(err), "expected %s, got %d: %s", #err, (rc), uu_diag_str(&uu_r.diag)); \
		ck_assert_msg(uu_diag_find(&uu_r.diag, err, needle) >= 0, "no \"%s\" in:%s", needle, \
			      uu_diag_str(&uu_r.diag)); \
		ck_assert_msg(strstr(uu_last_log(), needle), "log lacks \"%s\": %s", needle, uu_last_log()); \
	} while (0)

START_TEST(test_create_replace)
{
	ck_assert_int_eq(uu_inst_file(CRM), 0);
	ck_assert_int_eq(wr("crm_account", "Umbrella", "{'name': 'Umbrella', 'industry': 'technology', "
			    "'annual_revenue': 100.5, 'website': 'https://umbrella.example'}"), 0);
	ck_assert_str_eq(uu_last_log() + 25, "created crm_account/Umbrella: 5 fields");
	const char *body = uu_rd("data/crm_account/Umbrella.json");
	ck_assert_ptr_nonnull(strstr(body, "\"id\": \"Umbrella\""));
	struct tree_attr a1 = uu_at("data/crm_account/Umbrella.json");
	/* the same bytes again: nothing changes (rsync -a's second run) */
	ck_assert_int_eq(wr("crm_account", "Umbrella", "{'name': 'Umbrella', 'industry': 'technology', "
			    "'annual_revenue': 100.5, 'website': 'https://umbrella.example', 'id': 'Umbrella'}"), 0);
	struct tree_attr a2 = uu_at("data/crm_account/Umbrella.json");
	ck_assert_uint_eq(a1.node.id, a2.node.id);
	/* a change: a new inode, a later time, one log line */
	ck_assert_int_eq(wr("crm_account", "Umbrella", "{'name': 'Umbrella', 'industry': 'finance', "
			    "'annual_revenue': 200, 'website': 'https://umbrella.example'}"), 0);
	ck_assert_str_eq(uu_last_log() + 25, "updated crm_account/Umbrella: 2 fields");
	struct tree_attr a3 = uu_at("data/crm_account/Umbrella.json");
	ck_assert_uint_ne(a1.node.id, a3.node.id);
	ck_assert_int_gt(a3.mtime, a1.mtime);
	/* a seeded record, as it reads back, can be written back */
	const char *acme = uu_rd("data/crm_opportunity/Acme \u2014 Q3 Platform Renewal.json");
	ck_assert_ptr_nonnull(acme);
	struct tree_attr o1 = uu_at("data/crm_opportunity/Acme \u2014 Q3 Platform Renewal.json");
	uu_report_reset();
	ck_assert_int_eq(record_write(uu_st, "t1", "crm_opportunity", "Acme \u2014 Q3 Platform Renewal", acme,
				      strlen(acme), &uu_r), 0);
	ck_assert_uint_eq(uu_at("data/crm_opportunity/Acme \u2014 Q3 Platform Renewal.json").node.id, o1.node.id);
	/* and edited: its CEL close_date and its computed fields stay */
	const char *p = strstr(acme, "\"proposal\"");
	ck_assert_ptr_nonnull(p);
	char *edited = uu_fmt("%.*s\"closed_won\"%s", (int)(p - acme), acme, p + strlen("\"proposal\""));
	uu_report_reset();
	ck_assert_msg(record_write(uu_st, "t1", "crm_opportunity", "Acme \u2014 Q3 Platform Renewal", edited,
				      strlen(edited), &uu_r) == 0, "%s", uu_diag_str(&uu_r.diag));
	free(edited);
	ck_assert_str_eq(uu_last_log() + 25, "updated crm_opportunity/Acme \u2014 Q3 Platform Renewal: 1 field");
}
END_TEST

START_TEST(test_refused)
{
	ck_assert_int_eq(uu_inst_file(CRM), 0);
	REFUSED(wr("crm_account", "X", "{'name': 'X', 'website': 'javascript:alert(1)'}"), EINVAL,
		"crm_account.website must be a url");
	ck_assert(!uu_ex("data/crm_account/X.json"));
	REFUSED(wr("crm_account", "X", "{'name': 'X', 'colour': 'red'}"), EINVAL, "unknown field");
	REFUSED(wr("crm_account", "X", "{'industry': 'finance'}"), EINVAL, "crm_account.name is required");
	REFUSED(wr("crm_account", "X", "{'name': 'X', 'annual_revenue': 1.005}"), EINVAL, "(scale)");
	REFUSED(wr("crm_account", "X", "{'id': 'Y', 'name': 'X'}"), EINVAL, "the file name says");
	REFUSED(wr("crm_account", "X", "[1]"), EINVAL, "a record must be a JSON object");
	uu_report_reset();
	ck_assert_int_eq(record_write(uu_st, "t1", "crm_account", "X", "{\"name\": ", 9, &uu_r), -EINVAL);
	ck_assert_int_ge(uu_diag_find(&uu_r.diag, EINVAL, "crm_account: not JSON: line 1"), 0);
	uu_report_reset();
	ck_assert_int_eq(record_write(uu_st, "t1", "crm_account", "a%2f", "{}", 2, &uu_r), -EINVAL);
	/* references */
	REFUSED(wr("crm_contact", "c1", "{'last_name': 'Doe', 'account': 'Nobody Inc'}"), EINVAL,
		"crm_contact.account names record \"Nobody Inc\" of crm_account, and there is none");
	ck_assert_int_eq(wr("crm_contact", "c1", "{'last_name': 'Doe', 'account': 'Acme Corp'}"), 0);
	ck_assert_int_eq(wr("crm_contact", "c2", "{'last_name': 'Doe', 'account': ''}"), 0);
	/* computed and read-only fields */
	REFUSED(wr("crm_contact", "c3", "{'last_name': 'Doe', 'full_name': 'John Doe'}"), EACCES,
		"crm_contact.full_name is a formula");
	REFUSED(wr("crm_opportunity", "o1", "{'name': 'o1', 'account': 'Acme Corp', 'stage': 'prospecting', "
		   "'approval_status': 'approved'}"), EACCES, "crm_opportunity.approval_status is read-only");
	ck_assert_str_eq(uu_rd("data/crm_contact/c1.json"),
			 "{\n  \"last_name\": \"Doe\",\n  \"account\": \"Acme Corp\",\n  \"id\": \"c1\"\n}\n");
}
END_TEST

/* record_write_check (the check at the write that completes a record,
 * SPEC 13): the answer record_write gives, and nothing written, not
 * even the log. */
START_TEST(test_check_only)
{
	ck_assert_int_eq(uu_inst_file(CRM), 0);
	static const struct { const char *object, *stem, *rec; int err; } cases[] = {
		{ "crm_account", "X", "{'name': 'X', 'colour': 'red'}", EINVAL },
		{ "crm_account", "X", "{'industry': 'finance'}", EINVAL },
		{ "crm_contact", "c1", "{'last_name': 'Doe', 'account': 'Nobody Inc'}", EINVAL },
		{ "crm_contact", "c3", "{'last_name': 'Doe', 'full_name': 'John Doe'}", EACCES },
		{ "crm_account", "X", "{'name': 'X'}", 0 },
		{ "crm_contact", "c1", "{'last_name': 'Doe', 'account': 'X'}", 0 },
		{ "crm_contact", "c1", "{'last_name': 'Doe', 'account': 'X'}", 0 }, /* the same again */
	};
	for (size_t i = 0; i < N(cases); i++) {
		const char *before = uu_snap(), *log = uu_rd("log");
		int rc = wr_check(cases[i].object, cases[i].stem, cases[i].rec);
		ck_assert_msg(rc == -cases[i].err, "case %zu: %d:%s", i, rc, uu_diag_str(&uu_r.diag));
		ck_assert_str_eq(uu_snap(), before);
		ck_assert_str_eq(uu_rd("log"), log);
		ck_assert_msg(wr(cases[i].object, cases[i].stem, cases[i].rec) == rc, "case %zu: the write disagrees:%s", i,
			      uu_diag_str(&uu_r.diag));
	}
	ck_assert(uu_ex("data/crm_account/X.json"));
}
END_TEST

START_TEST(test_unique)
{
	ck_assert_msg(uu_pkg("com.t.uq", "uq", "1.0.0", "",
				"'objects': [{'name': 'uq_item', 'fields': {'code': {'type': 'text', 'unique': true}, "
				"'n': {'type': 'number', 'unique': true}}}]") == 0, "%s", uu_diag_str(&uu_r.diag));
	ck_assert_int_eq(wr("uq_item", "a", "{'code': 'C1', 'n': 1}"), 0);
	REFUSED(wr("uq_item", "b", "{'code': 'C1'}"), EEXIST, "uq_item.code is unique, and record a.json already holds");
	REFUSED(wr("uq_item", "b", "{'n': 1}"), EEXIST, "uq_item.n is unique");
	ck_assert_int_eq(wr("uq_item", "b", "{'code': 'C2', 'n': 2}"), 0);
	ck_assert_int_eq(wr("uq_item", "a", "{'code': 'C1', 'n': 3}"), 0); /* its own value */
}
END_TEST

START_TEST(test_autonumber_assigned)
{
	ck_assert_msg(uu_pkg("com.t.an", "an", "1.0.0", "",
			     "'objects': [{'name': 'an_inv', 'fields': {'no': {'type': 'autonumber', "
			     "'autonumberFormat': 'INV-{0000}'}, 'seq': {'type': 'autonumber'}, 'n': {'type': 'text'}}}]") == 0,
		      "%s", uu_diag_str(&uu_r.diag));
	ck_assert_int_eq(wr("an_inv", "a", "{'n': 'x'}"), 0);
	ck_assert_int_eq(wr("an_inv", "b", "{'n': 'y'}"), 0);
	ck_assert_ptr_nonnull(strstr(uu_rd("data/an_inv/a.json"), "\"no\": \"INV-0001\""));
	ck_assert_ptr_nonnull(strstr(uu_rd("data/an_inv/b.json"), "\"no\": \"INV-0002\""));
	ck_assert_ptr_nonnull(strstr(uu_rd("data/an_inv/b.json"), "\"seq\": \"2\""));
	ck_assert_str_eq(uu_last_log() + 25, "created an_inv/b: 4 fields");
	/* kept on replace, refused when changed */
	ck_assert_int_eq(wr("an_inv", "a", "{'n': 'z'}"), 0);
	ck_assert_ptr_nonnull(strstr(uu_rd("data/an_inv/a.json"), "\"no\": \"INV-0001\""));
	ck_assert_int_eq(wr("an_inv", "a", "{'n': 'z', 'no': 'INV-0009'}"), -EACCES);
}
END_TEST

START_TEST(test_not_installed_remove)
{
	ck_assert_int_eq(uu_inst_file(CRM), 0);
	ck_assert_int_eq(wr("crm_lead", "l1", "{'name': 'L'}"), 0);
	ck_assert_ptr_nonnull(strstr(uu_rd("data/crm_lead/l1.json"), "\"status\": \"new\"")); /* defaultValue */
	ck_assert_int_eq(uu_rm("com.example.crm"), 0);
	REFUSED(wr("crm_lead", "l1", "{'name': 'M'}"), EROFS,
		"crm_lead is not installed in tenant t1: its records are kept read-only");
	uu_report_reset();
	ck_assert_int_eq(record_writable(uu_st, "t1", "crm_lead", &uu_r), -EROFS);
	ck_assert_int_eq(rm_rec("crm_lead", "l1"), 0);
	ck_assert_str_eq(uu_last_log() + 25, "deleted crm_lead/l1");
	ck_assert(!uu_ex("data/crm_lead/l1.json"));
	ck_assert_int_eq(rm_rec("crm_lead", "l1"), -ENOENT);
	/* the last record of an object no longer installed takes its folder */
	long n = uu_cnt("data/crm_lead");
	ck_assert_int_gt(n, 0);
	const char *names = uu_ls("data/crm_lead");
	char *copy = strdup(names);
	for (char *save = NULL, *s = strtok_r(copy, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
		s[strlen(s) - 5] = '\0';
		ck_assert_int_eq(rm_rec("crm_lead", s), 0);
	}
	free(copy);
	ck_assert(uu_ex("data/crm_lead")); /* until rmdir, rm -r's last step */
	uu_report_reset();
	ck_assert_int_eq(record_rmdir(uu_st, "t1", "crm_lead", &uu_r), 0);
	ck_assert(!uu_ex("data/crm_lead"));
	/* an installed object's folder stays; one with records is not empty */
	ck_assert_int_eq(uu_inst_file(CRM), 0);
	uu_report_reset();
	ck_assert_int_eq(record_rmdir(uu_st, "t1", "crm_account", &uu_r), -ENOTEMPTY);
	ck_assert_int_eq(wr("crm_lead", "l2", "{'name': 'L'}"), 0);
	ck_assert_int_eq(rm_rec("crm_lead", "l2"), 0);
	uu_report_reset();
	ck_assert_int_eq(record_rmdir(uu_st, "t1", "crm_lead", &uu_r), 0);
	ck_assert(uu_ex("data/crm_lead"));
}
END_TEST

START_TEST(test_delete_behavior)
{
	ck_assert_int_eq(uu_inst_file(CRM), 0);
	/* set_null: crm's lookups to an account */
	ck_assert_int_eq(wr("crm_contact", "c1", "{'last_name': 'Doe', 'account': 'Initech'}"), 0);
	ck_assert_int_eq(rm_rec("crm_account", "Initech"), 0);
	ck_assert(!uu_ex("data/crm_account/Initech.json"));
	ck_assert_ptr_nonnull(strstr(uu_rd("data/crm_contact/c1.json"), "\"account\": null"));
	ck_assert_ptr_nonnull(strstr(uu_rd("log"), "updated crm_contact/c1: 1 field (account cleared: crm_account/Initech "
						   "was deleted)"));
	/* cascade: an opportunity's line items (master_detail) */
	ck_assert_int_eq(wr("crm_opportunity", "Big", "{'name': 'Big', 'account': 'Acme Corp', 'stage': 'proposal'}"), 0);
	ck_assert_int_eq(wr("crm_opportunity_line_item", "l1", "{'opportunity': 'Big', 'product': 'P', 'quantity': 1}"), 0);
	ck_assert_int_eq(wr("crm_opportunity_line_item", "l2", "{'opportunity': 'Big', 'product': 'Q', 'quantity': 2}"), 0);
	ck_assert_int_eq(rm_rec("crm_opportunity", "Big"), 0);
	ck_assert(!uu_ex("data/crm_opportunity_line_item/l1.json"));
	ck_assert(!uu_ex("data/crm_opportunity_line_item/l2.json"));
	ck_assert_ptr_nonnull(strstr(uu_rd("log"), "deleted crm_opportunity_line_item/l2 (cascade: crm_opportunity/Big "
						   "was deleted)"));
	/* restrict (a field that says nothing), and set_null of a multiple */
	ck_assert_msg(uu_pkg("com.t.rs", "rs", "1.0.0", "",
			     "'objects': [{'name': 'rs_a', 'fields': {'n': {'type': 'text'}}}, "
			     "{'name': 'rs_b', 'fields': {'a': {'type': 'lookup', 'reference': 'rs_a'}, "
			     "'many': {'type': 'lookup', 'multiple': true, 'reference': 'rs_a', 'deleteBehavior': 'set_null'}, "
			     "'up': {'type': 'tree', 'deleteBehavior': 'cascade'}}}]") == 0, "%s", uu_diag_str(&uu_r.diag));
	ck_assert_int_eq(wr("rs_a", "a1", "{'n': 'x'}"), 0);
	ck_assert_int_eq(wr("rs_a", "a2", "{'n': 'y'}"), 0);
	ck_assert_int_eq(wr("rs_b", "b1", "{'a': 'a1', 'many': ['a1', 'a2']}"), 0);
	ck_assert_int_eq(rm_rec("rs_a", "a1"), -EBUSY);
	ck_assert_int_ge(uu_diag_find(&uu_r.diag, EBUSY, "rs_a/a1 is referenced by rs_b/b1 (a), whose deleteBehavior is "
				      "restrict"), 0);
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "error: cannot rm data/rs_a/a1.json: rs_a/a1 is referenced by rs_b/b1"));
	ck_assert(uu_ex("data/rs_a/a1.json"));
	ck_assert_int_eq(rm_rec("rs_a", "a2"), 0);
	ck_assert_msg(strstr(uu_rd("data/rs_b/b1.json"), "\"a1\"\n  ]"), "%s", uu_rd("data/rs_b/b1.json"));
	ck_assert(!strstr(uu_rd("data/rs_b/b1.json"), "a2"));
	/* a tree cascading through its children, and a cycle */
	ck_assert_int_eq(wr("rs_b", "b2", "{'up': 'b1'}"), 0);
	ck_assert_int_eq(wr("rs_b", "b3", "{'up': 'b2'}"), 0);
	ck_assert_int_eq(wr("rs_b", "b1", "{'a': 'a1', 'many': ['a1'], 'up': 'b3'}"), 0);
	ck_assert_int_eq(rm_rec("rs_b", "b2"), 0);
	ck_assert(!uu_ex("data/rs_b/b1.json"));
	ck_assert(!uu_ex("data/rs_b/b3.json"));
	ck_assert_int_eq(rm_rec("rs_a", "a1"), 0); /* nothing points at it any more */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("record_write");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, uu_setup, uu_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_create_replace);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_check_only);
	tcase_add_test(tc, test_unique);
	tcase_add_test(tc, test_autonumber_assigned);
	tcase_add_test(tc, test_not_installed_remove);
	tcase_add_test(tc, test_delete_behavior);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
