/* check_seed: seed data and extension merging through install_artifact()
 * (catalog/seed.c, catalog/merge.c, catalog/install_apply.c), the three
 * real fixtures installed into one tenant, and the effects of an operation
 * besides the tree: log lines (at most 20 errors, control characters),
 * echo, install_note(), the changes for the kernel's caches, and distinct
 * ctimes.  The behaviour is docs/install.md ("Seeds", "Merging",
 * "Messages") and docs/tree.md ("log", "Inode numbers and times").  See
 * check_install.c for the checks and the lifecycle.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define UU_INSTALL
#include "tests/unit/unit_util.h"

#include "catalog/record_write.h"
#include "store/installs.h"

#define HAS UU_HAS
#define FIRST UU_FIRST
#define OK UU_OK

#define CRM1 "tests/artifacts/acme-crm-1.0.0.json"
#define CRM11 "tests/artifacts/acme-crm-1.1.0.json"
#define HD "tests/artifacts/acme-helpdesk-0.3.0.json"

#define OBJ(n, f) "{'name': '" n "', 'label': '" n "', 'fields': {" f "}}"
#define TEXT(f) "'" f "': {'type': 'text'}"

static int installed(const char *pkg)
{
	struct install_row r;
	struct db *db = uu_db();
	int rc = installs_get(db, uu_tid, pkg, &r);
	store_release(db);
	return rc == 0;
}

/* ------------------------------------------------------------ seeds */

/* alpha owns alpha_a with records r1 {a: 1, b: 'x'} and r2; beta then seeds
 * r1 {b: 'y', c: true} and r3 {b: 'z'} into it with the given mode. */
static void seed_alpha(void)
{
	OK(uu_pkg("com.t.alpha", "alpha", "1.0.0", "",
		  "'objects': [" OBJ("alpha_a", TEXT("name")) "], "
		  "'data': [{'object': 'alpha_a', 'records': [{'name': 'r1', 'a': 1, 'b': 'x'}, {'name': 'r2'}]}]"));
	ck_assert_str_eq(uu_rd("data/alpha_a/r1.json"), "{\n  \"name\": \"r1\",\n  \"a\": 1,\n  \"b\": \"x\"\n}\n");
}

static int seed_beta(const char *mode)
{
	char *rest = uu_fmt("'data': [{'object': 'alpha_a', 'mode': '%s', "
			    "'records': [{'name': 'r1', 'b': 'y', 'c': true}, {'name': 'r3', 'b': 'z'}]}]", mode);
	int rc = uu_pkg("com.t.beta", "beta", "1.0.0", "'com.t.alpha': '*'", rest);
	free(rest);
	return rc;
}

#define R1_MERGED "{\n  \"name\": \"r1\",\n  \"a\": 1,\n  \"b\": \"y\",\n  \"c\": true\n}\n"
#define R1_SEED "{\n  \"name\": \"r1\",\n  \"b\": \"y\",\n  \"c\": true\n}\n"
#define R1_OLD "{\n  \"name\": \"r1\",\n  \"a\": 1,\n  \"b\": \"x\"\n}\n"
#define R3 "{\n  \"name\": \"r3\",\n  \"b\": \"z\"\n}\n"

START_TEST(test_seed_insert_conflict)
{
	seed_alpha();
	const char *before = uu_snap();
	ck_assert_int_eq(seed_beta("insert"), -EEXIST);
	FIRST(EEXIST, "data[0] (alpha_a): record \"r1\" already exists and the dataset's mode is insert: use mode upsert "
		      "or ignore, or give the record another key");
	/* the whole install is rolled back */
	const char *after = uu_snap();
	ck_assert_str_eq(before, after);
	ck_assert(!installed("com.t.beta"));
	ck_assert(!uu_ex("data/alpha_a/r3.json"));
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "error: cannot install com.t.beta@1.0.0 from test: data[0] (alpha_a): "
				     "record \"r1\" already exists"));
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "[EEXIST]"));
	/* a key twice in one insert dataset: the second sees the first */
	ck_assert_int_eq(uu_pkg("com.t.gamma", "gamma", "1.0.0", "",
				"'objects': [" OBJ("gamma_a", "") "], 'data': [{'object': 'gamma_a', 'mode': 'insert', "
				"'records': [{'name': 'k'}, {'name': 'k'}]}]"), -EEXIST);
	ck_assert(!uu_ex("data/gamma_a"));
	/* no conflict: inserted */
	OK(uu_pkg("com.t.gamma", "gamma", "1.0.0", "'com.t.alpha': '*'",
		  "'data': [{'object': 'alpha_a', 'mode': 'insert', 'records': [{'name': 'r9'}]}]"));
	ck_assert(uu_ex("data/alpha_a/r9.json"));
}
END_TEST

START_TEST(test_seed_update)
{
	seed_alpha();
	struct tree_attr old = uu_at("data/alpha_a/r1.json");
	OK(seed_beta("update"));
	ck_assert_str_eq(uu_rd("data/alpha_a/r1.json"), R1_MERGED); /* the seed's fields over the record's */
	ck_assert(uu_at("data/alpha_a/r1.json").node.id != old.node.id);  /* a changed record is a new inode */
	ck_assert(!uu_ex("data/alpha_a/r3.json"));                         /* absent: skipped */
	ck_assert_str_eq(uu_ls("data/alpha_a"), "r2.json\nr1.json\n");
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "installed com.t.beta@1.0.0 from test: 0 objects, 1 record seeded, "
				     "some skipped by their mode"));
}
END_TEST

START_TEST(test_seed_upsert)
{
	seed_alpha();
	OK(seed_beta("upsert"));
	ck_assert_str_eq(uu_rd("data/alpha_a/r1.json"), R1_MERGED);
	ck_assert_str_eq(uu_rd("data/alpha_a/r3.json"), R3);
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "2 records seeded"));
	/* upsert is the default */
	OK(uu_pkg("com.t.gamma", "gamma", "1.0.0", "'com.t.alpha': '*'",
		  "'data': [{'object': 'alpha_a', 'records': [{'name': 'r2', 'v': 2}, {'name': 'r4'}]}]"));
	ck_assert_str_eq(uu_rd("data/alpha_a/r2.json"), "{\n  \"name\": \"r2\",\n  \"v\": 2\n}\n");
	ck_assert(uu_ex("data/alpha_a/r4.json"));
}
END_TEST

START_TEST(test_seed_replace)
{
	seed_alpha();
	OK(seed_beta("replace"));
	ck_assert_str_eq(uu_rd("data/alpha_a/r1.json"), R1_SEED); /* the seed record as it is */
	ck_assert_str_eq(uu_rd("data/alpha_a/r3.json"), R3);
}
END_TEST

START_TEST(test_seed_ignore)
{
	seed_alpha();
	struct tree_attr old = uu_at("data/alpha_a/r1.json");
	OK(seed_beta("ignore"));
	ck_assert_str_eq(uu_rd("data/alpha_a/r1.json"), R1_OLD); /* kept as it was */
	struct tree_attr now = uu_at("data/alpha_a/r1.json");
	ck_assert_uint_eq(now.node.id, old.node.id);
	ck_assert_int_eq(now.mtime, old.mtime);
	ck_assert_str_eq(uu_rd("data/alpha_a/r3.json"), R3);
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "1 record seeded, some skipped by their mode"));
}
END_TEST

/* A seed never overwrites a record a user changed (SPEC 13): r1, seeded
 * by alpha, is written by a user (b left out); beta's seed, in each mode,
 * then meets it.  r2, as alpha's seed wrote it, is still a seed's. */
#define R1_USER "{\n  \"name\": \"r1\",\n  \"a\": 1\n}\n"
static const char *const modes[] = { "update", "upsert", "replace", "ignore", "insert" };

START_TEST(test_seed_user_changed)
{
	const char *mode = modes[_i];
	seed_alpha();
	const char *rec = "{\"name\": \"r1\", \"a\": 1}";
	ck_assert_int_eq(record_write(uu_st, "t1", "alpha_a", "r1", rec, strlen(rec), &uu_r), 0);
	install_report_free(&uu_r);
	ck_assert_str_eq(uu_rd("data/alpha_a/r1.json"), R1_USER);
	struct tree_attr user = uu_at("data/alpha_a/r1.json");
	int rc = seed_beta(mode);
	if (!strcmp(mode, "insert")) { /* insert refuses a key that is there, whoever wrote it */
		ck_assert_int_eq(rc, -EEXIST);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(uu_rd("data/alpha_a/r1.json"), R1_USER); /* kept as the user wrote it */
	ck_assert_uint_eq(uu_at("data/alpha_a/r1.json").node.id, user.node.id);
	ck_assert_int_eq(uu_at("data/alpha_a/r1.json").mtime, user.mtime);
	if (strcmp(mode, "ignore"))
		ck_assert_ptr_nonnull(strstr(uu_last_log(), ", 1 kept as a user changed them"));
	ck_assert_int_eq(uu_ex("data/alpha_a/r3.json"), strcmp(mode, "update") != 0); /* update skips a new key */
	/* a record as a seed wrote it is still a seed's: gamma's upsert merges over r2 */
	OK(uu_pkg("com.t.gamma", "gamma", "1.0.0", "'com.t.alpha': '*'",
		  "'data': [{'object': 'alpha_a', 'records': [{'name': 'r2', 'v': 2}]}]"));
	ck_assert_str_eq(uu_rd("data/alpha_a/r2.json"), "{\n  \"name\": \"r2\",\n  \"v\": 2\n}\n");
}
END_TEST

START_TEST(test_seed_values_and_keys)
{
	OK(uu_pkg("com.t.alpha", "alpha", "1.0.0", "",
		  "'objects': [" OBJ("alpha_a", "") ", " OBJ("alpha_m", "") "], "
		  "'data': [{'object': 'alpha_a', 'env': ['prod'], 'records': ["
		  "{'name': 'cel', 'due': {'dialect': 'cel', 'source': 'daysAgo(2)'}, 'n': 1.0, 'big': 1e21, "
		  "'s': '\\u00e9\\n'}, {'name': 'Globex/West'}, {'name': '.dot'}, {'id': 42, 'name': 'by id'}]}, "
		  "{'object': 'alpha_m', 'externalId': ['team', 'project'], 'mode': 'ignore', 'records': ["
		  "{'team': 'Platform', 'project': 'Data Platform'}, {'team': 'a,b', 'project': 'c'}]}]"));
	/* values are stored as given (pretty-printed) */
	ck_assert_str_eq(uu_rd("data/alpha_a/cel.json"),
			 "{\n  \"name\": \"cel\",\n  \"due\": {\n    \"dialect\": \"cel\",\n    \"source\": \"daysAgo(2)\"\n"
			 "  },\n  \"n\": 1,\n  \"big\": 1e+21,\n  \"s\": \"\xc3\xa9\\n\"\n}\n");
	ck_assert_str_eq(uu_ls("data/alpha_a"), "cel.json\nGlobex%2FWest.json\n%2Edot.json\n42.json\n");
	ck_assert_str_eq(uu_ls("data/alpha_m"), "Platform,Data Platform.json\na%2Cb,c.json\n");
	ck_assert_str_eq(uu_j("data/alpha_a/42.json", "name"), "by id");
	/* the data folder of a seeded object that is not registered */
	OK(uu_pkg("com.t.beta", "beta", "1.0.0", "",
		  "'data': [{'object': 'sys_setting', 'externalId': 'key', 'records': [{'key': 'theme', 'value': 'dark'}]}]"));
	ck_assert_str_eq(uu_j("data/sys_setting/theme.json", "value"), "dark");
}
END_TEST

/* ------------------------------------------------------------ merging */

#define BASE_OBJ                                                                                              \
	"{'name': 'alpha_a', 'label': 'Alpha A', 'description': 'base', 'fields': {'x': {'type': 'text', 'label': " \
	"'Base'}, 'y': {'type': 'number'}}, 'validations': [{'name': 'v0'}], 'options': {'k1': 1, 'k2': 1}}"

static void install_base(void)
{
	OK(uu_pkg("com.t.alpha", "alpha", "1.0.0", "", "'objects': [" BASE_OBJ "]"));
}

#define OBJ_A "objects/alpha_a.json"

START_TEST(test_merge_priority)
{
	install_base();
	const char *base = uu_rd(OBJ_A);
	struct tree_attr a0 = uu_at(OBJ_A);
	/* beta, priority 300, is installed first; gamma, 250, second */
	OK(uu_pkg("com.t.beta", "beta", "1.0.0", "'com.t.alpha': '*'",
		  "'objectExtensions': [{'extend': 'alpha_a', 'name': 'beta_ext', 'label': 'Beta Overlay', 'priority': 300, "
		  "'description': 'from beta', 'fields': {'x': {'label': 'B'}, 'bz': {'type': 'text'}}, "
		  "'validations': [{'name': 'vb'}], 'options': {'k2': 'b'}}]"));
	ck_assert(uu_at(OBJ_A).node.id != a0.node.id); /* a changed object is a new inode */
	OK(uu_pkg("com.t.gamma", "gamma", "1.0.0", "'com.t.alpha': '*'",
		  "'objectExtensions': [{'extend': 'alpha_a', 'priority': 250, 'description': 'from gamma', "
		  "'fields': {'x': {'label': 'C', 'required': true}, 'gz': {'type': 'text'}}, "
		  "'validations': [{'name': 'vg'}], 'options': {'k3': 'g'}}]"));
	/* lowest priority first, so the highest wins */
	ck_assert_str_eq(uu_j(OBJ_A, "fields.x.label"), "B");
	ck_assert_str_eq(uu_j(OBJ_A, "fields.x.required"), "true");
	ck_assert_str_eq(uu_j(OBJ_A, "fields.x.type"), "text");
	ck_assert_str_eq(uu_j(OBJ_A, "description"), "from beta");
	ck_assert_str_eq(uu_j(OBJ_A, "validations"), "[{\"name\":\"v0\"},{\"name\":\"vg\"},{\"name\":\"vb\"}]");
	ck_assert_str_eq(uu_j(OBJ_A, "options"), "{\"k1\":1,\"k2\":\"b\",\"k3\":\"g\"}");
	/* name, label, extend and priority describe the extension: not merged */
	ck_assert_str_eq(uu_j(OBJ_A, "name"), "alpha_a");
	ck_assert_str_eq(uu_j(OBJ_A, "label"), "Alpha A");
	ck_assert_ptr_null(uu_j(OBJ_A, "extend"));
	ck_assert_ptr_null(uu_j(OBJ_A, "priority"));
	ck_assert_str_eq(uu_j(OBJ_A, "fields.bz.type"), "text");
	ck_assert_str_eq(uu_j(OBJ_A, "fields.gz.type"), "text");
	/* the package's own copy is untouched */
	ck_assert_str_eq(uu_rd("packages/com.t.alpha@1.0.0/objects/alpha_a.json"), base);
	/* uninstalling un-merges */
	OK(uu_rm("com.t.beta"));
	ck_assert_str_eq(uu_j(OBJ_A, "fields.x.label"), "C");
	ck_assert_str_eq(uu_j(OBJ_A, "description"), "from gamma");
	ck_assert_ptr_null(uu_j(OBJ_A, "fields.bz"));
	ck_assert_str_eq(uu_j(OBJ_A, "validations"), "[{\"name\":\"v0\"},{\"name\":\"vg\"}]");
	OK(uu_rm("com.t.gamma"));
	ck_assert_str_eq(uu_rd(OBJ_A), base);
}
END_TEST

START_TEST(test_merge_ties_and_upgrades)
{
	install_base();
	/* equal priorities (the default, 200): install order, the later wins */
	OK(uu_pkg("com.t.beta", "beta", "1.0.0", "'com.t.alpha': '*'",
		  "'objectExtensions': [{'extend': 'alpha_a', 'description': 'beta'}]"));
	OK(uu_pkg("com.t.gamma", "gamma", "1.0.0", "'com.t.alpha': '*'",
		  "'objectExtensions': [{'extend': 'alpha_a', 'priority': 200, 'description': 'gamma'}]"));
	ck_assert_str_eq(uu_j(OBJ_A, "description"), "gamma");
	/* re-installing beta (new bytes) makes it the later one */
	OK(uu_pkg("com.t.beta", "beta", "1.0.1", "'com.t.alpha': '*'",
		  "'objectExtensions': [{'extend': 'alpha_a', 'description': 'beta'}]"));
	ck_assert_str_eq(uu_j(OBJ_A, "description"), "beta");
	/* several extensions in one artifact apply in their order */
	OK(uu_pkg("com.t.delta", "delta", "1.0.0", "'com.t.alpha': '*'",
		  "'objectExtensions': [{'extend': 'alpha_a', 'priority': 900, 'description': 'd1'}, "
		  "{'extend': 'alpha_a', 'priority': 900, 'description': 'd2'}]"));
	ck_assert_str_eq(uu_j(OBJ_A, "description"), "d2");
	/* the base object changes under its extensions: re-merged */
	OK(uu_pkg("com.t.alpha", "alpha", "1.1.0", "", "'objects': [{'name': 'alpha_a', 'description': 'base 1.1', "
		  "'fields': {'x': {'type': 'text', 'label': 'New base'}}}]"));
	ck_assert_str_eq(uu_j(OBJ_A, "fields.x.label"), "New base");
	ck_assert_str_eq(uu_j(OBJ_A, "description"), "d2");
	/* an upgrade of the extending package drops its old extension */
	OK(uu_pkg("com.t.delta", "delta", "2.0.0", "'com.t.alpha': '*'", ""));
	ck_assert_str_eq(uu_j(OBJ_A, "description"), "beta");
}
END_TEST

START_TEST(test_merge_system_object)
{
	const char *sys_user = uu_rd("objects/sys_user.json");
	OK(uu_pkg("com.t.beta", "beta", "1.0.0", "",
		  "'objectExtensions': [{'extend': 'sys_user', 'fields': {'name': {'label': 'Full name'}, "
		  "'beta_nick': {'type': 'text'}}}]"));
	ck_assert_str_eq(uu_j("objects/sys_user.json", "fields.name.label"), "Full name");
	ck_assert_str_eq(uu_j("objects/sys_user.json", "fields.name.type"), "text");
	ck_assert_str_eq(uu_j("objects/sys_user.json", "fields.beta_nick.type"), "text");
	OK(uu_rm("com.t.beta"));
	ck_assert_str_eq(uu_rd("objects/sys_user.json"), sys_user);
}
END_TEST

/* ------------------------------------------------------------ real fixtures */

static long records_under(const char *prefix)
{
	/* the sum of the records of every data/<object> whose name starts with prefix */
	const char *tables = uu_ls("data");
	char *copy = strdup(tables), *save = NULL;
	long n = 0;
	for (char *t = strtok_r(copy, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
		if (strncmp(t, prefix, strlen(prefix)))
			continue;
		char path[300];
		snprintf(path, sizeof(path), "data/%s", t);
		n += uu_cnt(path);
	}
	free(copy);
	return n;
}

START_TEST(test_real_fixtures)
{
	static const char *const apps[] = { "app-todo", "app-crm", "app-showcase" };
	for (size_t i = 0; i < N(apps); i++) {
		char path[128];
		snprintf(path, sizeof(path), "tests/fixtures/real/%s/objectstack.json", apps[i]);
		OK(uu_inst_file(path));
		ck_assert_msg(uu_r.diag.nerr == 0, "%s:%s", apps[i], uu_diag_str(&uu_r.diag));
	}
	/* install/ lists the newest install first: dependents before what
	 * they depend on, the order rm -r needs (docs/tree.md). */
	ck_assert_str_eq(uu_ls("install"), "com.example.showcase.json\ncom.example.crm.json\ncom.example.todo.json\n");
	ck_assert_int_eq(uu_cnt("objects"), 15 + 1 + 6 + 24);
	ck_assert_int_eq(records_under("todo_"), 8);
	ck_assert_int_eq(records_under("crm_"), 28);
	ck_assert_int_eq(records_under("showcase_"), 132 - 5);
	ck_assert_int_eq(uu_cnt("data/sys_business_unit"), 5);
	ck_assert(uu_ex("data/sys_business_unit/bu_acme.json"));
	ck_assert(uu_ex("data/showcase_project_membership/Experience,Website Relaunch.json"));
	ck_assert_str_eq(uu_j("data/todo_task/Learn ObjectStack.json", "completed_date.dialect"), "cel");
	/* the extension is merged into showcase_account */
	ck_assert_str_eq(uu_j("objects/showcase_account.json", "fields.loyalty_tier.type"), "select");
	ck_assert_ptr_null(uu_j("packages/com.example.showcase@0.1.0/objects/showcase_account.json", "fields.loyalty_tier"));
	ck_assert_str_eq(uu_j("objects/showcase_account.json", "label"),
			 uu_j("packages/com.example.showcase@0.1.0/objects/showcase_account.json", "label"));
	/* layout of the package folders */
	ck_assert(uu_ex("packages/com.example.showcase@0.1.0/sharing"));
	ck_assert_int_eq(uu_cnt("packages/com.example.showcase@0.1.0/sharing"), 2);
	ck_assert_int_eq(uu_cnt("packages/com.example.showcase@0.1.0/functions"), 2);
	ck_assert_int_eq(uu_cnt("packages/com.example.showcase@0.1.0/plugins"), 5);
	ck_assert_str_eq(uu_ls("packages/com.example.crm@4.0.0/requires"), "1.json\n2.json\n");
	ck_assert_str_eq(uu_ls("packages/com.example.todo@2.0.0/translations"), "en.json\nzh-CN.json\nja-JP.json\n");
	ck_assert(uu_ex("packages/com.example.todo@2.0.0/views/todo_task.json"));
	ck_assert(!uu_ex("packages/com.example.todo@2.0.0/runtimeModule"));
	ck_assert_ptr_nonnull(strstr(uu_rd("log"), "installed com.example.crm@4.0.0 from test: 6 objects, 28 records seeded\n"));
	ck_assert_ptr_nonnull(strstr(uu_rd("log"), "warning: com.example.crm@4.0.0: 1 of the 1 hooks is not prefixed with "
				     "\"crm_\" (opportunity_stage_probability): the convention is <namespace>_<name>\n"));
	/* and they all go again, records staying */
	OK(uu_rm("com.example.showcase"));
	OK(uu_rm("com.example.crm"));
	OK(uu_rm("com.example.todo"));
	ck_assert_int_eq(uu_cnt("objects"), 15);
	ck_assert_int_eq(uu_cnt("install"), 0);
	ck_assert_int_eq(records_under("crm_"), 28);
}
END_TEST

/* ------------------------------------------------------------ messages */

static struct buf echoed;

static void capture(const char *tenant, const char *line)
{
	buf_printf(&echoed, "%s|%s\n", tenant, line);
}

START_TEST(test_log_messages)
{
	/* at most 20 errors per failed install in the log */
	struct buf objs = BUF_INIT;
	for (int i = 0; i < 25; i++)
		buf_printf(&objs, "%s{'name': 'Bad%d'}", i ? ", " : "", i);
	char *rest = uu_fmt("'objects': [%s]", buf_str(&objs));
	buf_free(&objs);
	ck_assert_int_eq(uu_pkg("com.t.alpha", "alpha", "1.0.0", "", rest), -EINVAL);
	free(rest);
	ck_assert_uint_eq(uu_r.diag.nerr, 25);
	const char *log = uu_rd("log");
	size_t nerr = 0;
	for (const char *p = log; (p = strstr(p, "error: cannot install com.t.alpha@1.0.0")); p++)
		nerr++;
	ck_assert_uint_eq(nerr, 21);
	ck_assert_str_eq(uu_last_log() + 25, "error: cannot install com.t.alpha@1.0.0 from test: and 5 more problems "
			 "(osfsctl validate shows all)");
	/* control characters of a hostile artifact are escaped (lib/escape.h) */
	ck_assert_int_eq(uu_pkg("com.t.alpha", "alpha", "1.0.0", "", "'objects': [{'name': 'Bad\\u001b[2J\\n\\u0007'}]"),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(uu_last_log(), "object \"Bad\\x1b[2J\\n\\x07\" is not named"));
	for (const char *p = uu_rd("log"); *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20 || *p == '\n', "control character %#x in the log", *p);
	/* every line is echoed (for the daemon's stderr) */
	memset(&echoed, 0, sizeof(echoed));
	install_echo = capture;
	int rc = uu_inst_file(CRM1);
	char *s = uu_json("{'manifest': {'id': 'com.t.x', 'version': '1.0.0'}, }");
	int rc2 = uu_install_in("nope", s, strlen(s));
	free(s);
	install_echo = NULL;
	OK(rc);
	ck_assert_int_eq(rc2, -EINVAL);
	ck_assert_ptr_nonnull(strstr(buf_str(&echoed), "t1|installed com.acme.crm@1.0.0 from test: 2 objects, 3 records "
				     "seeded\n"));
	/* a tenant that does not exist has no log: the problem is echoed */
	ck_assert_ptr_nonnull(strstr(buf_str(&echoed), "nope|error: cannot install the file from test: not valid JSON"));
	buf_free(&echoed);
	/* a note: a line of its own */
	uu_report_reset();
	OK(install_note(uu_st, "t1", "write past max_artifact:\tinstall/x.json", &uu_r));
	ck_assert_str_eq(uu_last_log() + 25, "write past max_artifact:\\tinstall/x.json");
	ck_assert_int_eq(install_note(uu_st, "nope", "x", &uu_r), -ENOENT);
}
END_TEST

/* What the kernel must forget after an operation (store/changes.h). */
static int has_change(enum tree_type t, uint64_t id, const char *name)
{
	for (size_t i = 0; i < uu_r.changes.n; i++) {
		const struct change *c = &uu_r.changes.v[i];
		if (c->dir.type == t && c->dir.id == id && (name ? c->name && !strcmp(c->name, name) : !c->name))
			return 1;
	}
	return 0;
}

START_TEST(test_changes)
{
	uint64_t t = (uint64_t)uu_tid;
	OK(uu_inst_file(CRM1));
	ck_assert(has_change(T_INSTDIR, t, NULL));
	ck_assert(has_change(T_PKGSDIR, t, NULL));
	ck_assert(has_change(T_LOG, t, NULL));
	OK(uu_inst_file(HD));
	ck_assert(has_change(T_OBJSDIR, t, "crm_account.json")); /* merged: a new file under that name */
	OK(uu_inst_file(CRM11));
	ck_assert(has_change(T_INSTDIR, t, "com.acme.crm.json"));
	ck_assert(has_change(T_PKGSDIR, t, "com.acme.crm@1.0.0"));
	OK(uu_rm("com.acme.helpdesk"));
	ck_assert(has_change(T_INSTDIR, t, "com.acme.helpdesk.json"));
	ck_assert(has_change(T_PKGSDIR, t, "com.acme.helpdesk@0.3.0"));
	ck_assert(has_change(T_OBJSDIR, t, "hd_ticket.json"));
	ck_assert(has_change(T_OBJSDIR, t, "crm_account.json"));
	OK(uu_pkg("com.t.alpha", "alpha", "1.0.0", "", "'objects': [" OBJ("alpha_a", "") "]"));
	OK(uu_rm("com.t.alpha"));
	ck_assert(has_change(T_DATADIR, t, "alpha_a")); /* the pruned folder */
	struct install_report r = INSTALL_REPORT_INIT;
	ck_assert_int_eq(install_tenant_create(uu_st, "t2", 0, 0, &r), 0);
	ck_assert_int_eq(r.changes.n > 0, 1);
	install_report_free(&r);
}
END_TEST

/* docs/tree.md: "Every file of one event has its own time ..., so no two
 * files share a ctime". */
static void collect_ctimes(struct db *db, struct tree_node dir, const char *prefix, struct buf *out)
{
	struct uu_listing l;
	ck_assert_int_eq(uu_list(db, dir, &l), 0);
	for (size_t i = 0; i < l.n; i++) {
		char p[1024];
		snprintf(p, sizeof(p), "%s/%s", prefix, l.v[i].name);
		if (S_ISDIR(l.v[i].a.mode))
			collect_ctimes(db, l.v[i].a.node, p, out);
		else
			buf_printf(out, "%020lld %s\n", (long long)l.v[i].a.ctime, p);
	}
	uu_listing_free(&l);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first two files with one ctime, or NULL. */
static const char *same_ctime(void)
{
	struct buf b = BUF_INIT;
	struct db *db = uu_db();
	collect_ctimes(db, tree_node(T_TENANT, (uint64_t)uu_tid), "", &b);
	store_release(db);
	char *text = buf_detach(&b, NULL), *save = NULL, *v[4096];
	size_t n = 0;
	for (char *l = strtok_r(text, "\n", &save); l && n < N(v); l = strtok_r(NULL, "\n", &save))
		v[n++] = l;
	qsort(v, n, sizeof(*v), cmp_lines);
	char *dup = NULL;
	for (size_t i = 1; i < n && !dup; i++)
		if (!strncmp(v[i - 1], v[i], 20))
			dup = uu_fmt("%s and %s", v[i - 1], v[i]);
	free(text);
	return dup ? uu_keep(dup) : NULL;
}

START_TEST(test_distinct_ctimes)
{
	const char *dup;
	OK(uu_inst_file(CRM1));
	OK(uu_inst_file(HD));
	ck_assert_msg(!(dup = same_ctime()), "after installs: %s", dup);
	OK(uu_inst_file(CRM11));
	ck_assert_msg(!(dup = same_ctime()), "after an upgrade: %s", dup);
	OK(uu_rm("com.acme.helpdesk"));
	ck_assert_msg(!(dup = same_ctime()), "after an uninstall: %s", dup);
	OK(uu_pkg("com.t.ext", "text", "1.0.0", "'com.acme.crm': '*'",
		  "'objectExtensions': [{'extend': 'crm_account', 'description': 'x'}]"));
	ck_assert_msg(!(dup = same_ctime()), "after an install: %s", dup);
	OK(uu_rm("com.t.ext"));
	dup = same_ctime();
	/* Regression (was a bug): an uninstall writes its log line and the first re-merged object
	 * at the same store time (remove_locked's ts: install_detach re-merges
	 * names[i] at ts + i, the log line is at ts): when the package defines
	 * no object of its own, objects/crm_account.json and log share a ctime. */
	ck_assert_msg(!dup, "after an uninstall: %s", dup);
}
END_TEST

START_TEST(test_distinct_ctimes_identical_reinstall)
{
	const char *dup;
	size_t len;
	const char *bytes = uu_file(CRM1, &len);
	OK(uu_install_in("t1", bytes, len));
	ck_assert_msg(!(dup = same_ctime()), "after an install: %s", dup);
	OK(uu_install_opts("t1", bytes, len, NULL, ARTIFACT_DEFAULT_MAX, 0600, 42));
	dup = same_ctime();
	/* Regression (was a bug): the identical re-install with new attributes (cp -p) gives
	 * install/<id>.json the ctime of its log line (both db_now(0)'s ts). */
	ck_assert_msg(!dup, "after cp -p of the same bytes: %s", dup);
}
END_TEST

static Suite *seed_suite(void)
{
	Suite *s = suite_create("seed");
	TCase *tc = tcase_create("seeds");
	tcase_add_checked_fixture(tc, uu_setup, uu_teardown);
	tcase_add_test(tc, test_seed_insert_conflict);
	tcase_add_test(tc, test_seed_update);
	tcase_add_test(tc, test_seed_upsert);
	tcase_add_test(tc, test_seed_replace);
	tcase_add_test(tc, test_seed_ignore);
	tcase_add_test(tc, test_seed_values_and_keys);
	tcase_add_loop_test(tc, test_seed_user_changed, 0, (int)(sizeof(modes) / sizeof(*modes)));
	suite_add_tcase(s, tc);
	tc = tcase_create("merge");
	tcase_add_checked_fixture(tc, uu_setup, uu_teardown);
	tcase_add_test(tc, test_merge_priority);
	tcase_add_test(tc, test_merge_ties_and_upgrades);
	tcase_add_test(tc, test_merge_system_object);
	suite_add_tcase(s, tc);
	tc = tcase_create("effects");
	tcase_add_checked_fixture(tc, uu_setup, uu_teardown);
	tcase_add_test(tc, test_log_messages);
	tcase_add_test(tc, test_changes);
	tcase_add_test(tc, test_distinct_ctimes);
	tcase_add_test(tc, test_distinct_ctimes_identical_reinstall);
	suite_add_tcase(s, tc);
	tc = tcase_create("fixtures");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, uu_setup, uu_teardown);
	tcase_add_test(tc, test_real_fixtures);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(seed_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
