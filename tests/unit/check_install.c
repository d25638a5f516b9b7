/* check_install: install_artifact(), install_remove() and the tenant
 * operations of catalog/install.c, on a private in-memory store, checked
 * through the tree the FUSE layer serves (store/tree.h) and the store
 * modules.  The behaviour is docs/install.md: checks 6-8, uninstall,
 * re-install, upgrade, tenants; and that a refused operation changes
 * nothing.  Seeds, merging, the real fixtures and what an operation
 * writes besides the tree (log lines, cache changes, times) are in
 * check_seed.c.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define UU_INSTALL
#include "tests/unit/unit_util.h"

#include "store/installs.h"
#include "store/tenants.h"

#define CRM1 "tests/artifacts/acme-crm-1.0.0.json"
#define CRM11 "tests/artifacts/acme-crm-1.1.0.json"
#define CRM2 "tests/artifacts/acme-crm-2.0.0.json"
#define HD "tests/artifacts/acme-helpdesk-0.3.0.json"

#define HAS UU_HAS
#define FIRST UU_FIRST
#define OK UU_OK

/* Objects of the form {'name': N, 'fields': {F}}. */
#define OBJ(n, f) "{'name': '" n "', 'label': '" n "', 'fields': {" f "}}"
#define TEXT(f) "'" f "': {'type': 'text'}"
#define LOOKUP(f, ref) "'" f "': {'type': 'lookup', 'reference': '" ref "'}"

static const char *const system_pkgs[] = { "sys.identity", "sys.feeds", "sys.audit",
					   "sys.files", "sys.ai", "sys.settings" };

static struct install_row row(const char *pkg)
{
	struct install_row r;
	struct db *db = uu_db();
	int rc = installs_get(db, uu_tid, pkg, &r);
	store_release(db);
	ck_assert_msg(rc == 0, "%s is not installed (%d)", pkg, rc);
	return r;
}

static int installed(const char *pkg)
{
	struct install_row r;
	struct db *db = uu_db();
	int rc = installs_get(db, uu_tid, pkg, &r);
	store_release(db);
	ck_assert(rc == 0 || rc == -ENOENT);
	return rc == 0;
}

/* Refused operations change nothing: the tenant's tree (but the log) is
 * the same, node ids, sizes, times and contents included. */
#define UNCHANGED(before)                                                                         \
	do {                                                                                      \
		const char *after_ = uu_snap();                                                   \
		ck_assert_msg(!strcmp((before), after_), "the tree changed:\n--- before\n%.3000s\n--- after\n%.3000s", \
			      (before), after_);                                                  \
	} while (0)

/* ------------------------------------------------------------ tenants */

START_TEST(test_tenant_create)
{
	struct db *db = uu_db();
	struct tenant_row t;
	ck_assert_int_eq(tenants_find(db, "t1", &t), 0);
	store_release(db);
	ck_assert_int_eq(t.id, uu_tid);
	ck_assert_int_eq(t.uid, 1000);
	ck_assert_int_eq(t.gid, 1000);
	ck_assert_int_eq(t.mode, 0750);
	struct tree_attr a = uu_at("");
	ck_assert_int_eq(a.mode, S_IFDIR | 0750);
	ck_assert_int_eq(a.uid, 1000);
	ck_assert_str_eq(uu_ls(""), "install\npackages\nobjects\ndata\nlog\n");
	/* the system packages, in this order, at the osfs version */
	char want[512] = "";
	for (size_t i = 0; i < N(system_pkgs); i++) {
		strcat(want, system_pkgs[i]);
		strcat(want, "@" OSFS_VERSION "\n");
		struct install_row r = row(system_pkgs[i]);
		ck_assert_int_eq(r.system, 1);
		ck_assert_str_eq(r.version, OSFS_VERSION);
	}
	ck_assert_str_eq(uu_ls("packages"), want);
	ck_assert_int_eq(uu_cnt("install"), 0); /* system packages are in packages/ only */
	ck_assert_int_eq(uu_cnt("objects"), 15);
	ck_assert_int_eq(uu_cnt("data"), 15);   /* a folder per registered object */
	static const char *const objs[] = { "sys_user", "sys_organization", "sys_member", "sys_session",
		"sys_api_key", "sys_business_unit", "sys_team", "sys_comment", "sys_activity", "sys_attachment",
		"sys_audit_log", "sys_file", "ai_conversations", "ai_pending_actions", "sys_setting" };
	for (size_t i = 0; i < N(objs); i++) {
		char p[128];
		snprintf(p, sizeof(p), "objects/%s.json", objs[i]);
		ck_assert_msg(uu_ex(p), "%s", p);
		snprintf(p, sizeof(p), "data/%s", objs[i]);
		ck_assert_msg(uu_ex(p), "%s", p);
		ck_assert_int_eq(uu_cnt(p), 0);
	}
	ck_assert_str_eq(uu_j("objects/sys_member.json", "fields.user.reference"), "sys_user");
	ck_assert_str_eq(uu_rd("objects/sys_user.json"), uu_rd("packages/sys.identity@" OSFS_VERSION "/objects/sys_user.json"));
	ck_assert_str_eq(uu_j("packages/sys.ai@" OSFS_VERSION "/manifest.json", "namespace"), "ai");
	const char *log = uu_rd("log");
	ck_assert_ptr_nonnull(strstr(log, "created tenant t1 (owner uid 1000, gid 1000) with the system packages of osfs "
				     OSFS_VERSION "\n"));
	ck_assert_ptr_eq(strchr(log, '\n'), log + strlen(log) - 1); /* one line */
	/* a second tenant; a taken name */
	struct install_report r = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_create(uu_st, "t2", 0, 0, &r), 0);
	ck_assert_int_gt(r.tenant, uu_tid);
	install_report_free(&r);
	struct install_report r2 = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_create(uu_st, "t1", 0, 0, &r2), -EEXIST);
	ck_assert_int_ge(uu_diag_find(&r2.diag, EEXIST, "tenant t1 already exists"), 0);
	install_report_free(&r2);
}
END_TEST

START_TEST(test_tenant_names)
{
	static const char *const bad[] = { "", "A", "-a", "_a", "a/b", "a.b", "a b", "..", "t\xc3\xa9",
		"a234567890123456789012345678901234567890123456789012345678901234" /* 64 */ };
	static const char *const good[] = { "0", "a", "a_b-c9", "9-",
		"a23456789012345678901234567890123456789012345678901234567890123" /* 63 */ };
	for (size_t i = 0; i < N(bad); i++) {
		struct install_report r = INSTALL_REPORT_INIT;
		ck_assert_msg(install_tenant_create(uu_st, bad[i], 0, 0, &r) == -EINVAL, "\"%s\" accepted", bad[i]);
		ck_assert_int_ge(uu_diag_find(&r.diag, EINVAL, "is not a valid tenant name"), 0);
		install_report_free(&r);
		struct db *db = uu_db();
		struct tenant_row t;
		ck_assert_int_eq(tenants_find(db, bad[i], &t), -ENOENT);
		store_release(db);
	}
	for (size_t i = 0; i < N(good); i++) {
		struct install_report r = INSTALL_REPORT_INIT;
		ck_assert_msg(install_tenant_create(uu_st, good[i], 0, 0, &r) == 0, "\"%s\" refused", good[i]);
		install_report_free(&r);
	}
}
END_TEST

/* -o max_tenants_per_uid: a uid at its limit gets EDQUOT and a sentence
 * naming the option; root is not counted; an existing name stays EEXIST. */
START_TEST(test_tenant_quota)
{
	/* uu's setup made t1 for uid 1000: one more is allowed with max 2 */
	struct install_report r = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_create_max(uu_st, "q2", 1000, 1000, 2, &r), 0);
	install_report_free(&r);
	struct install_report r2 = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_create_max(uu_st, "q3", 1000, 1000, 2, &r2), -EDQUOT);
	ck_assert_int_ge(uu_diag_find(&r2.diag, EDQUOT, "uid 1000 owns 2 tenants, the most -o max_tenants_per_uid=2 "
				      "allows"), 0);
	install_report_free(&r2);
	struct db *db = uu_db();
	struct tenant_row t;
	ck_assert_int_eq(tenants_find(db, "q3", &t), -ENOENT);
	store_release(db);
	struct install_report r3 = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_create_max(uu_st, "q2", 1000, 1000, 2, &r3), -EEXIST);
	install_report_free(&r3);
	for (int i = 0; i < 3; i++) {
		char name[16]; /* room for any int: gcc -O1 checks the format */
		snprintf(name, sizeof(name), "r%d", i);
		struct install_report r4 = INSTALL_REPORT_INIT;
		ck_assert_int_eq(install_tenant_create_max(uu_st, name, 0, 0, 2, &r4), 0);
		install_report_free(&r4);
	}
	struct install_report r5 = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_create_max(uu_st, "o1", 1001, 1001, 2, &r5), 0);
	install_report_free(&r5);
}
END_TEST

START_TEST(test_tenant_remove)
{
	struct install_report r = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_create(uu_st, "t2", 0, 0, &r), 0);
	install_report_free(&r);
	struct install_report r2 = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_remove(uu_st, "t2", &r2), 0);
	install_report_free(&r2);
	struct db *db = uu_db();
	struct tenant_row t;
	struct tree_attr a;
	ck_assert_int_eq(tenants_find(db, "t2", &t), -ENOENT);
	ck_assert_int_eq(tree_lookup(db, tree_node(T_FIXED, TREE_TENANTS), "t2", &a), -ENOENT);
	ck_assert_int_eq(tree_lookup(db, tree_node(T_FIXED, TREE_TENANTS), "t1", &a), 0);
	store_release(db);
	struct install_report r3 = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_remove(uu_st, "nope", &r3), -ENOENT);
	ck_assert_int_ge(uu_diag_find(&r3.diag, ENOENT, "tenant nope does not exist"), 0);
	install_report_free(&r3);

	/* a package installed: ENOTEMPTY; uninstalled with records kept: still */
	OK(uu_inst_file(CRM1));
	struct install_report r4 = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_remove(uu_st, "t1", &r4), -ENOTEMPTY);
	ck_assert_int_ge(uu_diag_find(&r4.diag, ENOTEMPTY, "tenant t1 still has packages installed or records kept"), 0);
	install_report_free(&r4);
	OK(uu_rm("com.acme.crm"));
	struct install_report r5 = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_remove(uu_st, "t1", &r5), -ENOTEMPTY);
	install_report_free(&r5);
	ck_assert(uu_ex("data/crm_account/Acme Corp.json"));

	/* a package without records: empty again once it is gone */
	struct install_report r6 = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_create(uu_st, "t3", 0, 0, &r6), 0);
	install_report_free(&r6);
	char *s = uu_json("{'manifest': {'id': 'com.t.alpha', 'version': '1.0.0'}, 'objects': [" OBJ("alpha_a", TEXT("x"))
			  "]}");
	ck_assert_int_eq(uu_install_in("t3", s, strlen(s)), 0);
	free(s);
	struct install_report r7 = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_remove(uu_st, "t3", &r7), -ENOTEMPTY);
	install_report_free(&r7);
	struct install_report r8 = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_remove(uu_st, "t3", "com.t.alpha", &r8), 0);
	install_report_free(&r8);
	struct install_report r9 = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_remove(uu_st, "t3", &r9), 0);
	install_report_free(&r9);
}
END_TEST

/* ------------------------------------------------------------ install */

START_TEST(test_install_basic)
{
	size_t len;
	const char *bytes = uu_file(CRM1, &len);
	OK(uu_install_in("t1", bytes, len));
	ck_assert_int_eq(uu_r.tenant, uu_tid);
	ck_assert_str_eq(uu_r.label, "com.acme.crm@1.0.0");
	ck_assert_str_eq(uu_ls("install"), "com.acme.crm.json\n");
	struct tree_attr a = uu_at("install/com.acme.crm.json");
	ck_assert_int_eq(a.node.type, T_INSTFILE);
	ck_assert_int_eq(a.mode, S_IFREG | 0644);
	ck_assert_uint_eq(a.size, len);
	ck_assert_str_eq(uu_rd("install/com.acme.crm.json"), bytes);
	ck_assert_str_eq(uu_rd("packages/com.acme.crm@1.0.0/objectstack.json"), bytes);
	ck_assert_str_eq(uu_ls("packages/com.acme.crm@1.0.0"), "objectstack.json\nmanifest.json\nobjects\nactions\nviews\ndata\n");
	ck_assert_str_eq(uu_ls("packages/com.acme.crm@1.0.0/objects"), "crm_account.json\ncrm_contact.json\n");
	ck_assert_str_eq(uu_ls("packages/com.acme.crm@1.0.0/views"), "crm_account.json\n");
	ck_assert_str_eq(uu_ls("packages/com.acme.crm@1.0.0/data"), "crm_account.json\ncrm_contact.json\n");
	ck_assert_str_eq(uu_rd("packages/com.acme.crm@1.0.0/actions/crm_assign_owner.json"),
			 "{\n  \"name\": \"crm_assign_owner\",\n  \"label\": \"Assign owner\",\n  \"type\": \"script\"\n}\n");
	ck_assert_str_eq(uu_rd("packages/com.acme.crm@1.0.0/manifest.json"),
			 "{\n  \"id\": \"com.acme.crm\",\n  \"namespace\": \"crm\",\n  \"version\": \"1.0.0\",\n"
			 "  \"type\": \"app\",\n  \"name\": \"Acme CRM\"\n}\n");
	/* without extensions, the merged object is the package's */
	ck_assert_str_eq(uu_rd("objects/crm_account.json"), uu_rd("packages/com.acme.crm@1.0.0/objects/crm_account.json"));
	ck_assert_int_eq(uu_cnt("objects"), 17);
	ck_assert_int_eq(uu_cnt("data"), 17);
	ck_assert_str_eq(uu_ls("data/crm_account"), "Acme Corp.json\nGlobex%2FWest.json\n");
	ck_assert_str_eq(uu_rd("data/crm_contact/ada@acme.example.json"),
			 "{\n  \"email\": \"ada@acme.example\",\n  \"account\": \"Acme Corp\"\n}\n");
	ck_assert_str_eq(uu_j("data/crm_account/Globex%2FWest.json", "name"), "Globex/West");
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "installed com.acme.crm@1.0.0 from test: 2 objects, 3 records seeded"));
	struct install_row r = row("com.acme.crm");
	ck_assert_str_eq(r.version, "1.0.0");
	ck_assert_int_eq(r.system, 0);
	ck_assert_uint_eq(uu_at("packages/com.acme.crm@1.0.0").node.id, (uint64_t)r.id);
	ck_assert_uint_eq(a.node.id, (uint64_t)r.id);
}
END_TEST

START_TEST(test_install_options)
{
	size_t len;
	const char *bytes = uu_file(CRM1, &len);
	const char *before = uu_snap();
	ck_assert_int_eq(uu_install_opts("nope", bytes, len, NULL, ARTIFACT_DEFAULT_MAX, 0, 0), -ENOENT);
	FIRST(ENOENT, "tenant nope does not exist");
	ck_assert_int_eq(uu_install_opts("t1", bytes, len, "com.acme.other", ARTIFACT_DEFAULT_MAX, 0, 0), -EINVAL);
	FIRST(EINVAL, "install/com.acme.other.json can only hold com.acme.other, but these bytes are com.acme.crm@1.0.0");
	ck_assert_int_eq(uu_install_opts("t1", bytes, len, NULL, len - 1, 0, 0), -EFBIG);
	FIRST(EFBIG, "the limit is");
	UNCHANGED(before);
	/* the refusals are in the log, with their errno */
	const char *log = uu_rd("log");
	ck_assert_ptr_nonnull(strstr(log, "error: cannot install com.acme.crm@1.0.0 from test: install/com.acme.other.json "
				     "can only hold com.acme.other"));
	ck_assert_ptr_nonnull(strstr(log, "[EINVAL]\n"));
	ck_assert_ptr_nonnull(strstr(log, "error: cannot install the file from test: the file is"));
	ck_assert_ptr_nonnull(strstr(log, "[EFBIG]\n"));
	/* mode and mtime as written; the same id is accepted */
	OK(uu_install_opts("t1", bytes, len, "com.acme.crm", ARTIFACT_DEFAULT_MAX, 0600, 1234567890));
	struct tree_attr a = uu_at("install/com.acme.crm.json");
	ck_assert_int_eq(a.mode, S_IFREG | 0600);
	ck_assert_int_eq(a.mtime, 1234567890);
	ck_assert_int_gt(a.ctime, 1234567890);
}
END_TEST

/* ------------------------------------------------------------ rule 6 */

START_TEST(test_rule6_dependencies)
{
	size_t len;
	const char *hd = uu_file(HD, &len);
	const char *before = uu_snap();
	ck_assert_int_eq(uu_install_in("t1", hd, len), -ENOPKG);
	FIRST(ENOPKG, "dependency com.acme.crm ^1.0.0 is not installed in tenant t1 (no version of com.acme.crm is "
		      "installed): install com.acme.crm first");
	ck_assert_int_eq(uu_diag_find(&uu_r.diag, ENOPKG, NULL), 0); /* rule 6 first ... */
	HAS(EINVAL, "field hd_ticket.account refers to object crm_account, which exists neither"); /* ... then rule 7 */
	UNCHANGED(before);
	ck_assert_ptr_nonnull(strstr(uu_rd("log"), "error: cannot install com.acme.helpdesk@0.3.0 from test: dependency "
				     "com.acme.crm ^1.0.0 is not installed in tenant t1 (no version of com.acme.crm is "
				     "installed): install com.acme.crm first [ENOPKG]\n"));

	OK(uu_inst_file(CRM2));
	ck_assert_int_eq(uu_install_in("t1", hd, len), -ENOPKG);
	FIRST(ENOPKG, "dependency com.acme.crm ^1.0.0 is not satisfied: com.acme.crm@2.0.0 is installed in tenant t1; "
		      "install a version of com.acme.crm that matches ^1.0.0");
	ck_assert(!installed("com.acme.helpdesk"));

	/* system packages: always there, at the osfs version */
	OK(uu_pkg("com.t.a", "ta", "1.0.0", "'sys.identity': '^" OSFS_VERSION "', 'sys.ai': '*', 'sys.feeds': '<1'", ""));
	ck_assert_int_eq(uu_pkg("com.t.b", "tb", "1.0.0", "'sys.feeds': '>=1.0.0'", ""), -ENOPKG);
	/* ... which no install can change: the sentence says so rather than
	 * "install sys.feeds" (issue 12 point 11) */
	FIRST(ENOPKG, "dependency sys.feeds >=1.0.0 is not satisfied: sys.feeds is a system package at " OSFS_VERSION
		      ", part of osfs; no range other than one matching " OSFS_VERSION " can be met");
	ck_assert_ptr_null(strstr(diag_first(&uu_r.diag), "install"));
	ck_assert_int_eq(uu_pkg("com.t.b", "tb", "1.0.0", "'sys.nothing': '*'", ""), -ENOPKG);
	FIRST(ENOPKG, "dependency sys.nothing * cannot be met: ids starting with sys. are reserved for the system "
		      "packages of osfs, and osfs " OSFS_VERSION " has no sys.nothing (its system packages are "
		      "sys.identity, sys.feeds, sys.audit, sys.files, sys.ai, sys.settings)");
	/* every unmet dependency is reported */
	ck_assert_int_eq(uu_pkg("com.t.b", "tb", "1.0.0", "'com.t.x': '1', 'com.t.a': '^2', 'com.t.y': '*'", ""), -ENOPKG);
	ck_assert_uint_eq(uu_r.diag.nerr, 3);
	/* ranges use npm semantics: prereleases only when the range names them */
	OK(uu_pkg("com.t.pre", "tpre", "2.0.0-rc.1", "", ""));
	ck_assert_int_eq(uu_pkg("com.t.b", "tb", "1.0.0", "'com.t.pre': '>=1.0.0'", ""), -ENOPKG);
	OK(uu_pkg("com.t.b", "tb", "1.0.0", "'com.t.pre': '>=2.0.0-rc.0'", ""));
}
END_TEST

/* ------------------------------------------------------------ rule 7 */

#define ALPHA_REST                                                                                   \
	"'objects': [" OBJ("alpha_a", TEXT("x")) ", " OBJ("alpha_b_x", TEXT("x")) "], "          \
	"'actions': [{'name': 'shared_act'}], 'plugins': [{'name': 'stub:p'}], 'translations': [{'en': {}}]"

START_TEST(test_rule7_collisions)
{
	OK(uu_pkg("com.t.alpha", "alpha", "1.0.0", "", ALPHA_REST));
	const char *before = uu_snap();
	ck_assert_int_eq(uu_pkg("com.t.beta", "alpha", "1.0.0", "", ""), -EEXIST);
	FIRST(EEXIST, "namespace \"alpha\" of com.t.beta is already used by com.t.alpha in tenant t1");
	ck_assert_int_eq(uu_pkg("com.t.beta", "ai", "1.0.0", "", ""), -EEXIST);
	FIRST(EEXIST, "namespace \"ai\" of com.t.beta is already used by sys.ai");
	ck_assert_int_eq(uu_pkg("com.t.beta", "alpha_b", "1.0.0", "", "'objects': [" OBJ("alpha_b_x", "") "]"), -EEXIST);
	FIRST(EEXIST, "object \"alpha_b_x\" of com.t.beta is already defined by com.t.alpha in tenant t1: rename it in one "
		      "of the two packages");
	ck_assert_int_eq(uu_pkg("com.t.beta", "beta", "1.0.0", "", "'actions': [{'name': 'shared_act'}]"), -EEXIST);
	FIRST(EEXIST, "actions item \"shared_act\" of com.t.beta is already defined by com.t.alpha");
	/* all of them at once */
	ck_assert_int_eq(uu_pkg("com.t.beta", "alpha", "1.0.0", "",
				"'objects': [" OBJ("alpha_b_x", "") "], 'actions': [{'name': 'shared_act'}]"), -EEXIST);
	ck_assert_uint_eq(uu_r.diag.nerr, 3);
	UNCHANGED(before);
	/* plugins and translations define nothing; other collections are other names */
	OK(uu_pkg("com.t.beta", "beta", "1.0.0", "",
		  "'plugins': [{'name': 'stub:p'}], 'translations': [{'en': {}}], 'flows': [{'name': 'shared_act'}]"));
	/* a package keeps its own names across versions */
	OK(uu_pkg("com.t.alpha", "alpha", "1.1.0", "", ALPHA_REST));
	/* and gives them up when it goes */
	OK(uu_rm("com.t.alpha"));
	OK(uu_pkg("com.t.gamma", "alpha", "1.0.0", "", "'actions': [{'name': 'shared_act'}]"));
}
END_TEST

START_TEST(test_rule7_references)
{
	OK(uu_pkg("com.t.alpha", "alpha", "1.0.0", "", "'objects': [" OBJ("alpha_a", TEXT("x")) "]"));
	const char *before = uu_snap();
	ck_assert_int_eq(uu_pkg("com.t.beta", "beta", "1.0.0", "", "'objects': [" OBJ("beta_a", LOOKUP("ref", "nope_x")) "]"),
			 -EINVAL);
	FIRST(EINVAL, "field beta_a.ref refers to object nope_x, which exists neither in com.t.beta, nor in its "
		      "dependencies, nor in the system packages");
	ck_assert_int_eq(uu_pkg("com.t.beta", "beta", "1.0.0", "", "'objects': [" OBJ("beta_a",
				"'m': {'type': 'master_detail', 'reference': 'alpha_a'}") "]"), -EINVAL);
	FIRST(EINVAL, "field beta_a.m refers to object alpha_a of com.t.alpha, which com.t.beta does not declare as a "
		      "dependency: add \"com.t.alpha\" to manifest.dependencies");
	ck_assert_int_eq(uu_pkg("com.t.beta", "beta", "1.0.0", "", "'objectExtensions': [{'extend': 'alpha_a'}]"), -EINVAL);
	FIRST(EINVAL, "objectExtensions[0] extends object alpha_a of com.t.alpha, which com.t.beta does not declare");
	ck_assert_int_eq(uu_pkg("com.t.beta", "beta", "1.0.0", "", "'objectExtensions': [{'extend': 'nope'}]"), -EINVAL);
	FIRST(EINVAL, "objectExtensions[0] extends object nope, which exists neither");
	ck_assert_int_eq(uu_pkg("com.t.beta", "beta", "1.0.0", "'com.t.alpha': '*'",
				"'objectExtensions': [{'extend': 'alpha_a', 'fields': {" LOOKUP("l", "nope") "}}]"), -EINVAL);
	FIRST(EINVAL, "field alpha_a.l refers to object nope");
	ck_assert_int_eq(uu_pkg("com.t.beta", "beta", "1.0.0", "",
				"'data': [{'object': 'alpha_a', 'records': [{'name': 'r'}]}]"), -EINVAL);
	FIRST(EINVAL, "data[0] seeds records into object alpha_a of com.t.alpha, which com.t.beta does not declare");
	ck_assert_int_eq(uu_pkg("com.t.beta", "beta", "1.0.0", "", "'data': [{'object': 'beta_none', 'records': []}]"),
			 -EINVAL);
	FIRST(EINVAL, "data[0] seeds records into object beta_none, which exists neither");
	/* every reference problem is reported */
	ck_assert_int_eq(uu_pkg("com.t.beta", "beta", "1.0.0", "", "'objects': [" OBJ("beta_a", LOOKUP("a", "n1") ", "
				LOOKUP("b", "alpha_a")) "], 'objectExtensions': [{'extend': 'n2'}], "
				"'data': [{'object': 'n3', 'records': []}]"), -EINVAL);
	ck_assert_uint_eq(uu_r.diag.nerr, 4);
	UNCHANGED(before);
	/* declared, own, system: fine */
	OK(uu_pkg("com.t.beta", "beta", "1.0.0", "'com.t.alpha': '^1'",
		  "'objects': [" OBJ("beta_a", LOOKUP("a", "alpha_a") ", " LOOKUP("own", "beta_b") ", " LOOKUP("u", "sys_user"))
		  ", " OBJ("beta_b", "") "], 'objectExtensions': [{'extend': 'alpha_a', 'fields': {" LOOKUP("beta_l", "beta_b")
		  "}}, {'extend': 'sys_user', 'fields': {" TEXT("beta_nick") "}}], "
		  "'data': [{'object': 'alpha_a', 'records': [{'name': 'ra'}]}, "
		  "{'object': 'sys_business_unit', 'externalId': 'id', 'records': [{'id': 'bu_beta', 'name': 'Beta'}]}]"));
	ck_assert_str_eq(uu_j("objects/sys_user.json", "fields.beta_nick.type"), "text");
	ck_assert(uu_ex("data/sys_business_unit/bu_beta.json"));
	ck_assert(uu_ex("data/alpha_a/ra.json"));
	/* transitive dependencies: gamma -> beta -> alpha */
	OK(uu_pkg("com.t.gamma", "gamma", "1.0.0", "'com.t.beta': '*'",
		  "'objects': [" OBJ("gamma_a", LOOKUP("a", "alpha_a") ", " LOOKUP("b", "beta_a")) "], "
		  "'objectExtensions': [{'extend': 'alpha_a'}]"));
	/* but not the other way round */
	ck_assert_int_eq(uu_pkg("com.t.delta", "delta", "1.0.0", "'com.t.alpha': '*'",
				"'objects': [" OBJ("delta_a", LOOKUP("g", "gamma_a")) "]"), -EINVAL);
	FIRST(EINVAL, "refers to object gamma_a of com.t.gamma, which com.t.delta does not declare");
}
END_TEST

/* ------------------------------------------------------------ rule 8 */

START_TEST(test_rule8_ranges)
{
	OK(uu_inst_file(CRM1));
	OK(uu_inst_file(HD));
	const char *before = uu_snap();
	ck_assert_int_eq(uu_inst_file(CRM2), -EBUSY);
	FIRST(EBUSY, "cannot change com.acme.crm from 1.0.0 to 2.0.0: com.acme.helpdesk@0.3.0 depends on com.acme.crm "
		     "^1.0.0, which 2.0.0 does not satisfy; upgrade or remove com.acme.helpdesk first");
	ck_assert_uint_eq(uu_r.diag.nerr, 1);
	UNCHANGED(before);
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "[EBUSY]"));
	ck_assert_str_eq(row("com.acme.crm").version, "1.0.0");
	OK(uu_inst_file(CRM11));
	/* a downgrade below a dependent's range */
	OK(uu_pkg("com.t.user", "tuser", "1.0.0", "'com.acme.crm': '>=1.1.0'", ""));
	ck_assert_int_eq(uu_inst_file(CRM1), -EBUSY);
	FIRST(EBUSY, "cannot change com.acme.crm from 1.1.0 to 1.0.0: com.t.user@1.0.0 depends on com.acme.crm >=1.1.0");
	ck_assert_str_eq(row("com.acme.crm").version, "1.1.0");
}
END_TEST

START_TEST(test_rule8_dropped_objects)
{
	OK(uu_inst_file(CRM11));
	OK(uu_pkg("com.t.user", "tuser", "1.0.0", "'com.acme.crm': '*'", "'objects': [" OBJ("tuser_a", LOOKUP("c", "crm_contact")) "]"));
	const char *before = uu_snap();
	ck_assert_int_eq(uu_inst_file(CRM2), -EBUSY);
	FIRST(EBUSY, "cannot change com.acme.crm from 1.1.0 to 2.0.0: 2.0.0 drops object crm_contact, which com.t.user still "
		     "uses; upgrade or remove com.t.user first");
	UNCHANGED(before);
	OK(uu_rm("com.t.user"));
	/* an extension is a use too */
	OK(uu_pkg("com.t.ext", "text", "1.0.0", "'com.acme.crm': '*'", "'objectExtensions': [{'extend': 'crm_contact'}]"));
	ck_assert_int_eq(uu_inst_file(CRM2), -EBUSY);
	FIRST(EBUSY, "drops object crm_contact, which com.t.ext still uses");
	OK(uu_rm("com.t.ext"));
	/* and so is one through a transitive dependency */
	OK(uu_pkg("com.t.mid", "tmid", "1.0.0", "'com.acme.crm': '*'", ""));
	OK(uu_pkg("com.t.top", "ttop", "1.0.0", "'com.t.mid': '*'", "'objects': [" OBJ("ttop_a", LOOKUP("c", "crm_contact")) "]"));
	ck_assert_int_eq(uu_inst_file(CRM2), -EBUSY);
	FIRST(EBUSY, "drops object crm_contact, which com.t.top still uses");
	OK(uu_rm("com.t.top"));
	OK(uu_inst_file(CRM2));
}
END_TEST

/* ------------------------------------------------------------ uninstall */

START_TEST(test_uninstall)
{
	OK(uu_inst_file(CRM1));
	const char *crm_account = uu_rd("objects/crm_account.json");
	OK(uu_inst_file(HD));
	ck_assert_str_eq(uu_j("objects/crm_account.json", "fields.hd_tier.label"), "Support tier");
	const char *before = uu_snap();
	ck_assert_int_eq(uu_rm("com.acme.crm"), -EBUSY);
	FIRST(EBUSY, "com.acme.helpdesk@0.3.0 depends on com.acme.crm (^1.0.0): remove com.acme.helpdesk first");
	UNCHANGED(before);
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "error: cannot remove com.acme.crm@1.0.0: com.acme.helpdesk@0.3.0 "
					"depends on com.acme.crm (^1.0.0)"));
	OK(uu_rm("com.acme.helpdesk"));
	ck_assert_str_eq(uu_last_log() + 25, "removed com.acme.helpdesk@0.3.0: its objects are unregistered, its records "
			 "are kept");
	/* the extension is un-merged, its objects and files are gone ... */
	ck_assert_str_eq(uu_rd("objects/crm_account.json"), crm_account);
	ck_assert(!uu_ex("objects/hd_ticket.json"));
	ck_assert(!uu_ex("packages/com.acme.helpdesk@0.3.0"));
	ck_assert(!uu_ex("install/com.acme.helpdesk.json"));
	ck_assert(!installed("com.acme.helpdesk"));
	/* ... its records stay */
	ck_assert_str_eq(uu_ls("data/hd_ticket"), "Printer on fire.json\n");
	ck_assert(uu_ex("data/sys_business_unit/bu_support.json"));
	ck_assert_int_eq(uu_cnt("objects"), 17);

	ck_assert_int_eq(uu_rm("com.t.nope"), -ENOENT);
	FIRST(ENOENT, "com.t.nope is not installed in tenant t1");
	ck_assert_int_eq(uu_rm("sys.identity"), -EPERM);
	FIRST(EPERM, "sys.identity is a system package of tenant t1: system packages cannot be removed");
	uu_report_reset();
	ck_assert_int_eq(install_remove(uu_st, "nope", "com.acme.crm", &uu_r), -ENOENT);
	FIRST(ENOENT, "tenant nope does not exist");
}
END_TEST

START_TEST(test_uninstall_prunes_tables)
{
	OK(uu_pkg("com.t.alpha", "alpha", "1.0.0", "",
		  "'objects': [" OBJ("alpha_a", "") ", " OBJ("alpha_b", "") "], "
		  "'data': [{'object': 'alpha_b', 'records': [{'name': 'kept'}]}]"));
	ck_assert_str_eq(uu_ls("data/alpha_a"), "");
	ck_assert(uu_ex("data/alpha_b/kept.json"));
	ck_assert_int_eq(uu_cnt("data"), 17);
	OK(uu_rm("com.t.alpha"));
	ck_assert(!uu_ex("data/alpha_a")); /* empty and unregistered: gone */
	ck_assert(uu_ex("data/alpha_b/kept.json"));
	ck_assert_int_eq(uu_cnt("data"), 16);
	ck_assert_int_eq(uu_cnt("objects"), 15);
	ck_assert_int_eq(uu_cnt("packages"), 6);
	ck_assert_int_eq(uu_cnt("install"), 0);
}
END_TEST

/* ------------------------------------------------------------ re-install */

#define SEEDED "'objects': [" OBJ("alpha_a", "") "], 'data': [{'object': 'alpha_a', 'mode': 'insert', " \
	"'records': [{'name': 'r1', 'v': 1}]}]"

START_TEST(test_reinstall_does_not_reseed)
{
	OK(uu_pkg("com.t.alpha", "alpha", "1.0.0", "", SEEDED));
	struct tree_attr rec = uu_at("data/alpha_a/r1.json");
	int64_t first_id = row("com.t.alpha").id;
	OK(uu_rm("com.t.alpha"));
	ck_assert(uu_ex("data/alpha_a/r1.json"));
	/* mode insert would fail if the seed ran again */
	OK(uu_pkg("com.t.alpha", "alpha", "1.0.0", "", SEEDED));
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "installed com.t.alpha@1.0.0 from test: 1 object, seed data not "
				     "applied again (records are kept from the first install)"));
	struct tree_attr rec2 = uu_at("data/alpha_a/r1.json");
	ck_assert_uint_eq(rec2.node.id, rec.node.id);
	ck_assert_int_eq(rec2.mtime, rec.mtime);
	ck_assert_int_gt(row("com.t.alpha").id, first_id); /* never reused */
	struct db *db = uu_db();
	int64_t first_at;
	int seeded;
	ck_assert_int_eq(installs_state_get(db, uu_tid, "com.t.alpha", &first_at, &seeded), 0);
	store_release(db);
	ck_assert_int_eq(seeded, 1);
}
END_TEST

START_TEST(test_identical_reinstall)
{
	size_t len;
	const char *bytes = uu_file(CRM1, &len);
	OK(uu_install_in("t1", bytes, len));
	int64_t id = row("com.acme.crm").id;
	const char *before = uu_snap();
	OK(uu_install_in("t1", bytes, len));
	ck_assert_int_eq(row("com.acme.crm").id, id);
	UNCHANGED(before);
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "unchanged com.acme.crm@1.0.0 from test: this exact artifact is "
				     "already installed"));
	/* checks 6-8 are not run again: nothing changes */
	ck_assert_uint_eq(uu_r.diag.n, 0);
	/* written again with cp -p: the install file takes the new attributes */
	OK(uu_install_opts("t1", bytes, len, NULL, ARTIFACT_DEFAULT_MAX, 0640, 42));
	struct tree_attr a = uu_at("install/com.acme.crm.json");
	ck_assert_int_eq(a.mode, S_IFREG | 0640);
	ck_assert_int_eq(a.mtime, 42);
	ck_assert_int_eq(row("com.acme.crm").id, id);
}
END_TEST

START_TEST(test_upgrade_downgrade)
{
	OK(uu_inst_file(CRM1));
	struct install_row r1 = row("com.acme.crm");
	struct tree_attr acc = uu_at("objects/crm_account.json");
	struct tree_attr inst = uu_at("install/com.acme.crm.json");
	OK(uu_inst_file(CRM11));
	struct install_row r2 = row("com.acme.crm");
	ck_assert_int_gt(r2.id, r1.id);
	ck_assert_str_eq(r2.version, "1.1.0");
	ck_assert_str_eq(uu_ls("install"), "com.acme.crm.json\n");
	ck_assert(uu_at("install/com.acme.crm.json").node.id != inst.node.id); /* a new file */
	ck_assert(!uu_ex("packages/com.acme.crm@1.0.0"));
	ck_assert(uu_ex("packages/com.acme.crm@1.1.0/objects/crm_lead.json"));
	ck_assert(uu_ex("objects/crm_lead.json"));
	ck_assert_str_eq(uu_ls("data/crm_lead"), "");
	/* an unchanged object keeps its file (inode) */
	ck_assert_uint_eq(uu_at("objects/crm_account.json").node.id, acc.node.id);
	/* seeds are not applied again: Initech is only in 1.1.0's seed */
	ck_assert(!uu_ex("data/crm_account/Initech.json"));
	ck_assert_str_eq(uu_last_log() + 25, "upgraded com.acme.crm@1.1.0 (was 1.0.0) from test: 3 objects, seed data not "
			 "applied again (records are kept from the first install)");
	OK(uu_inst_file(CRM2));
	ck_assert(!uu_ex("objects/crm_contact.json")); /* dropped: leaves the registry */
	ck_assert(!uu_ex("objects/crm_contact.json"));
	ck_assert_str_eq(uu_ls("data/crm_contact"), "ada@acme.example.json\n"); /* records kept */
	ck_assert_int_eq(uu_cnt("objects"), 17);
	OK(uu_inst_file(CRM1));
	ck_assert_str_eq(row("com.acme.crm").version, "1.0.0");
	ck_assert(uu_ex("objects/crm_contact.json"));
	ck_assert(!uu_ex("objects/crm_lead.json"));
	ck_assert(!uu_ex("data/crm_lead")); /* empty and unregistered */
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "downgraded com.acme.crm@1.0.0 (was 2.0.0)"));
	/* the same version with other bytes: re-installed */
	size_t len;
	const char *bytes = uu_file(CRM1, &len);
	char *other = uu_fmt("%s\n", bytes);
	int rc = uu_install_in("t1", other, len + 1);
	free(other);
	OK(rc);
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "reinstalled com.acme.crm@1.0.0 (was 1.0.0)"));
	ck_assert_uint_eq(uu_at("install/com.acme.crm.json").size, len + 1);
}
END_TEST

/* Everything refused leaves the tenant as it was, whatever the check. */
START_TEST(test_failed_install_changes_nothing)
{
	OK(uu_inst_file(CRM1));
	OK(uu_inst_file(HD));
	OK(uu_pkg("com.t.alpha", "alpha", "1.0.0", "", SEEDED));
	static const struct { const char *id, *ns, *ver, *deps, *rest; int err; } cases[] = {
		{ "com.t.beta", "beta", "1.0.0", "'com.t.none': '*'", "'objects': [" OBJ("beta_a", "") "]", ENOPKG },
		{ "com.t.beta", "hd", "1.0.0", "", "'objects': [" OBJ("hd_x", "") "]", EEXIST },
		{ "com.t.beta", "beta", "1.0.0", "", "'objects': [" OBJ("beta_a", LOOKUP("x", "crm_account")) "]", EINVAL },
		{ "com.acme.crm", "crm", "3.0.0", "", "'objects': [" OBJ("crm_account", "") "]", EBUSY },
		{ "com.t.beta", "beta", "1.0.0", "'com.t.alpha': '*'",
		  "'objects': [" OBJ("beta_a", "") "], 'data': [{'object': 'beta_a', 'records': [{'name': 'new'}]}, "
		  "{'object': 'alpha_a', 'mode': 'insert', 'records': [{'name': 'r2'}, {'name': 'r1'}]}], "
		  "'objectExtensions': [{'extend': 'alpha_a', 'fields': {" TEXT("beta_f") "}}]", EEXIST },
		{ "com.t.alpha", "alpha", "2.0.0", "", "'objects': [" OBJ("alpha_a", "") ", " OBJ("alpha_b", "") "], "
		  "'actions': [{'name': 'crm_assign_owner'}]", EEXIST },
		{ "com.t.beta", "beta", "1.0.0", "", "'objects': [{'name': 'Beta'}]", EINVAL },
		{ "sys.beta", "beta", "1.0.0", "", "", EPERM },
	};
	for (size_t i = 0; i < N(cases); i++) {
		const char *before = uu_snap();
		ck_assert_msg(uu_pkg(cases[i].id, cases[i].ns, cases[i].ver, cases[i].deps, cases[i].rest) == -cases[i].err,
			      "case %zu:%s", i, uu_diag_str(&uu_r.diag));
		UNCHANGED(before);
		ck_assert_msg(strstr(uu_last_log(), diag_errname(cases[i].err)), "case %zu: %s", i, uu_last_log());
	}
	ck_assert_str_eq(uu_ls("data/alpha_a"), "r1.json\n");
	ck_assert(!uu_ex("data/beta_a"));
	ck_assert_str_eq(row("com.acme.crm").version, "1.0.0");
	ck_assert_str_eq(row("com.t.alpha").version, "1.0.0");
	/* after all that, a good install still goes through */
	OK(uu_pkg("com.t.beta", "beta", "1.0.0", "'com.t.alpha': '*'",
		  "'objects': [" OBJ("beta_a", "") "], 'data': [{'object': 'beta_a', 'records': [{'name': 'new'}]}]"));
	ck_assert(uu_ex("data/beta_a/new.json"));
}
END_TEST

/* install_artifact_check (the check at the write that completes a
 * document, SPEC 4): the same answer as install_artifact, and nothing
 * written, not even the log. */
static int check_pkg(const char *id, const char *ns, const char *ver, const char *deps, const char *rest)
{
	char *t = uu_fmt("{'manifest': {'id': '%s', 'namespace': '%s', 'version': '%s', 'dependencies': {%s}}%s%s}",
			 id, ns, ver, deps, rest[0] ? ", " : "", rest);
	char *s = uu_json(t);
	struct install_opts o = { "t1", "test", NULL, ARTIFACT_DEFAULT_MAX, 0, 0 };
	uu_report_reset();
	int rc = install_artifact_check(uu_st, s, strlen(s), &o, &uu_r);
	free(s);
	free(t);
	return rc;
}

START_TEST(test_check_only)
{
	OK(uu_inst_file(CRM1));
	static const struct { const char *id, *ns, *ver, *deps, *rest; int err; } cases[] = {
		{ "com.t.beta", "beta", "1.0.0", "'com.t.none': '*'", "", ENOPKG },
		{ "com.t.beta", "crm", "1.0.0", "", "", EEXIST },
		{ "com.t.beta", "beta", "1.0.0", "", "'objects': [" OBJ("beta_a", LOOKUP("x", "nope_x")) "]", EINVAL },
		{ "com.acme.crm", "crm", "3.0.0", "", "'objects': [" OBJ("crm_account", "") "]", 0 },
		{ "com.t.beta", "beta", "x", "", "", EINVAL },
		{ "com.t.beta", "beta", "1.0.0", "'com.acme.crm': '>=1.0.0'", "'objects': [" OBJ("beta_a", "") "]", 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		const char *before = uu_snap(), *log = uu_rd("log");
		int rc = check_pkg(cases[i].id, cases[i].ns, cases[i].ver, cases[i].deps, cases[i].rest);
		ck_assert_msg(rc == -cases[i].err, "case %zu: %d:%s", i, rc, uu_diag_str(&uu_r.diag));
		UNCHANGED(before);
		ck_assert_str_eq(uu_rd("log"), log);
		ck_assert_msg(uu_pkg(cases[i].id, cases[i].ns, cases[i].ver, cases[i].deps, cases[i].rest) == rc,
			      "case %zu: the install disagrees:%s", i, uu_diag_str(&uu_r.diag));
	}
	ck_assert(installed("com.t.beta"));
	ck_assert_str_eq(row("com.acme.crm").version, "3.0.0");
	/* the identical artifact: accepted, as its install is */
	OK(check_pkg("com.t.beta", "beta", "1.0.0", "'com.acme.crm': '>=1.0.0'", "'objects': [" OBJ("beta_a", "") "]"));
}
END_TEST

static Suite *install_suite(void)
{
	Suite *s = suite_create("install");
	TCase *tc = tcase_create("tenants");
	tcase_add_checked_fixture(tc, uu_setup, uu_teardown);
	tcase_add_test(tc, test_tenant_create);
	tcase_add_test(tc, test_tenant_names);
	tcase_add_test(tc, test_tenant_quota);
	tcase_add_test(tc, test_tenant_remove);
	suite_add_tcase(s, tc);
	tc = tcase_create("checks");
	tcase_add_checked_fixture(tc, uu_setup, uu_teardown);
	tcase_add_test(tc, test_install_basic);
	tcase_add_test(tc, test_install_options);
	tcase_add_test(tc, test_rule6_dependencies);
	tcase_add_test(tc, test_rule7_collisions);
	tcase_add_test(tc, test_rule7_references);
	tcase_add_test(tc, test_rule8_ranges);
	tcase_add_test(tc, test_rule8_dropped_objects);
	suite_add_tcase(s, tc);
	tc = tcase_create("lifecycle");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, uu_setup, uu_teardown);
	tcase_add_test(tc, test_uninstall);
	tcase_add_test(tc, test_uninstall_prunes_tables);
	tcase_add_test(tc, test_reinstall_does_not_reseed);
	tcase_add_test(tc, test_identical_reinstall);
	tcase_add_test(tc, test_upgrade_downgrade);
	tcase_add_test(tc, test_failed_install_changes_nothing);
	tcase_add_test(tc, test_check_only);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(install_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
