/* check_artifact_layout: unit tests for catalog/artifact_layout.c and the
 * models artifact_load() builds: kinds and items (docs/tree.md: folder and
 * file names, derived names, escaping), seed datasets and record keys,
 * objects, extensions and references, artifact_render()'s pretty JSON, and
 * the three real fixtures.  The checks themselves are in check_artifact.c.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define UU_ARTIFACT
#include "tests/unit/unit_util.h"

/* ------------------------------------------------------------ layout */

START_TEST(test_layout_kinds)
{
	ck_assert_int_eq(loadc("'objects': [{'name': 'crm_a'}], 'sharingRules': [{'name': 'crm_share'}], "
			       "'translations': [{'en': {'x': 1}, 'fr': {'x': 2}}, {'de': {}}], "
			       "'functions': {'f1': 'x', 'f2': {'handler': 'h'}}, 'runtimeModule': 'dist/x.js', "
			       "'views': [{'list': {'data': {'object': 'crm_a'}}}, {'data': {'object': 'crm_b'}}, "
			       "{'name': 'crm_v'}, {'list': {'data': {'object': 'crm_a'}}}, {'type': 'grid'}], "
			       "'requires': ['ui', 'automation'], "
			       "'plugins': [{'name': 'p1'}, {'name': 'p1'}, {'name': 'p2'}], 'count': 3, 'flag': true"),
			 0);
	CLEAN();
	ck_assert_uint_eq(A.nkinds, 7);
	static const char *const dirs[] = { "objects", "sharing", "translations", "functions", "views", "requires",
					    "plugins" };
	static const char *const keys[] = { "objects", "sharingRules", "translations", "functions", "views",
					    "requires", "plugins" };
	static const int named[] = { 1, 1, 0, 0, 1, 1, 0 };
	for (size_t i = 0; i < N(dirs); i++) {
		ck_assert_str_eq(A.kinds[i].dir, dirs[i]);
		ck_assert_str_eq(A.kinds[i].key, keys[i]);
		ck_assert_int_eq(A.kinds[i].named, named[i]);
	}
	ck_assert_str_eq(files("objects"), "crm_a");
	ck_assert_str_eq(files("sharingRules"), "crm_share");
	ck_assert_str_eq(files("translations"), "en fr de");
	ck_assert_str_eq(files("functions"), "f1 f2");
	ck_assert_str_eq(files("views"), "crm_a crm_b crm_v crm_a-4 5");
	ck_assert_str_eq(files("requires"), "1 2");
	ck_assert_str_eq(files("plugins"), "p1 p2"); /* the duplicate is dropped ... */
	ck_assert_int_eq(uu_diag_find(&D, 0, "plugins[0] and plugins[1] are both named \"p1\""), 0); /* ... with a warning */
	ck_assert_uint_eq(A.nitems, 1 + 1 + 3 + 2 + 5 + 2 + 2);
	/* names of named items; none for derived ones and non-named kinds */
	const struct art_kind *k = kind("views");
	ck_assert_ptr_null(A.items[k->first].name);
	ck_assert_str_eq(A.items[k->first + 2].name, "crm_v");
	ck_assert_ptr_null(A.items[kind("plugins")->first].name);
	ck_assert_str_eq(A.items[kind("sharingRules")->first].name, "crm_share");
	/* a map member or a locale holds its value */
	ck_assert_int_eq(artifact_render(&A), 0);
	ck_assert_str_eq(A.items[kind("functions")->first].body, "\"x\"\n");
	ck_assert_str_eq(A.items[kind("translations")->first].body, "{\n  \"x\": 1\n}\n");
	ck_assert_str_eq(A.items[kind("translations")->first + 2].body, "{}\n");
}
END_TEST

START_TEST(test_layout_derived_names)
{
	/* docs/tree.md: two seed datasets for one object at positions 1 and 4 */
	ck_assert_int_eq(loadc("'data': [{'object': 'crm_a', 'records': []}, {'object': 'crm_b', 'records': []}, "
			       "{'object': 'crm_c', 'records': []}, {'object': 'crm_a', 'records': []}], "
			       "'objectExtensions': [{'extend': 'crm_x'}, {'extend': 'crm_x'}, {'extend': 'crm_y'}]"), 0);
	CLEAN();
	ck_assert_str_eq(files("data"), "crm_a crm_b crm_c crm_a-4");
	ck_assert_str_eq(files("objectExtensions"), "crm_x crm_x-2 crm_y");
	/* an element that is not an object, or has nothing to name it by */
	ck_assert_int_eq(loadc("'docs': [{'title': 't'}, 'text', 3, {'object': ''}]"), 0);
	ck_assert_str_eq(files("docs"), "1 2 3 4");
	/* "object" first, then "extend", then list.data.object, then data.object */
	ck_assert_int_eq(loadc("'things': [{'data': {'object': 'd'}, 'list': {'data': {'object': 'l'}}, 'extend': 'e', "
			       "'object': 'o'}, {'data': {'object': 'd'}, 'list': {'data': {'object': 'l'}}, 'extend': 'e'}, "
			       "{'data': {'object': 'd'}, 'list': {'data': {'object': 'l'}}}, {'data': {'object': 'd'}}]"), 0);
	ck_assert_str_eq(files("things"), "o e l d");
	/* a derived name, escaped, longer than 250 bytes falls back to the position */
	char big[300];
	memset(big, 'a', 260);
	big[260] = '\0';
	char *c = uu_fmt("'views': [{'data': {'object': 'crm_a'}}, {'data': {'object': '%s'}}]", big);
	ck_assert_int_eq(loadc(c), 0);
	free(c);
	ck_assert_str_eq(files("views"), "crm_a 2");
	/* no unique stem can be found */
	ck_assert_int_eq(loadc("'views': [{'data': {'object': 'a'}}, {'data': {'object': 'a-3'}}, {'data': {'object': 'a'}}]"),
			 EINVAL);
	FIRST(EINVAL, "views[2]: no unique file name can be derived for it");
}
END_TEST

/* A derived name must not make a real name collide (docs/tree.md: only two
 * elements with the same "name" are an error). */
START_TEST(test_layout_derived_then_named)
{
	ck_assert_int_eq(loadc("'views': [{'name': 'crm_a'}, {'list': {'data': {'object': 'crm_a'}}}]"), 0);
	ck_assert_str_eq(files("views"), "crm_a crm_a-2");
	int rc = loadc("'views': [{'list': {'data': {'object': 'crm_a'}}}, {'name': 'crm_a'}]");
	/* Regression (was a bug): an unnamed view listing crm_a followed by a view named crm_a is
	 * refused with "views[0] and views[1] are both named "crm_a"" although
	 * only one of them has a name. */
	ck_assert_msg(rc == 0, "refused:%s", uu_diag_str(&D));
}
END_TEST

START_TEST(test_layout_escaping)
{
	ck_assert_int_eq(loadc("'actions': [{'name': 'crm_a/b'}, {'name': '.crm_h'}, {'name': 'crm_100%'}, "
			       "{'name': 'crm_x,y'}, {'name': 'crm_\\u00e9t\\u00e9'}, {'name': 'crm_a.b'}], "
			       "'x/y': [{'name': 'crm_1'}], '.hidden': [{'name': 'crm_2'}]"), 0);
	ck_assert_str_eq(files("actions"), "crm_a%2Fb %2Ecrm_h crm_100%25 crm_x%2Cy crm_\xc3\xa9t\xc3\xa9 crm_a.b");
	ck_assert_str_eq(A.items[kind("actions")->first].name, "crm_a/b"); /* the name itself is kept */
	ck_assert_str_eq(kind("x/y")->dir, "x%2Fy");
	ck_assert_str_eq(kind(".hidden")->dir, "%2Ehidden");
	/* '%' is escaped too, so names that look escaped stay distinct */
	ck_assert_int_eq(loadc("'actions': [{'name': 'crm_%2F'}, {'name': 'crm_%252F'}]"), 0);
	ck_assert_str_eq(files("actions"), "crm_%252F crm_%25252F");
}
END_TEST

START_TEST(test_layout_hidden_collections)
{
	char big[300];
	memset(big, 'k', 251);
	big[251] = '\0';
	char *c = uu_fmt("'sharing': [{'name': 'crm_s1'}], 'sharingRules': [{'name': 'crm_s2'}], "
			 "'objectstack.json': [{'name': 'a'}], 'manifest.json': {'a': 1}, '': [{'name': 'b'}], "
			 "'%s': [{'name': 'c'}], 'ok': []", big);
	ck_assert_int_eq(loadc(c), 0);
	free(c);
	CLEAN();
	ck_assert_uint_eq(A.nkinds, 2);
	ck_assert_str_eq(A.kinds[0].dir, "sharing");
	ck_assert_str_eq(A.kinds[0].key, "sharing");
	ck_assert_str_eq(A.kinds[1].dir, "ok");
	ck_assert_uint_eq(A.kinds[1].count, 0);
	ck_assert_uint_eq(uu_nwarn(&D), 5);
	HAS(0, "the top-level collection \"sharingRules\" is not shown as a folder");
	HAS(0, "the top-level collection \"objectstack.json\" is not shown as a folder");
	HAS(0, "the top-level collection \"manifest.json\" is not shown");
	HAS(0, "the top-level collection \"\" is not shown");
}
END_TEST

START_TEST(test_translations_duplicate_locale)
{
	ck_assert_int_eq(loadc("'translations': [{'en': {'a': 1}}, {'en': {'a': 2}, 'de': {}}]"), 0);
	CLEAN();
	ck_assert_str_eq(files("translations"), "en en-2 de");
}
END_TEST

/* ------------------------------------------------------------ seeds */

START_TEST(test_seed_keys)
{
	ck_assert_int_eq(loadc("'data': [{'object': 'crm_a', 'records': ["
			       "{'name': 'Acme Corp'}, {'name': 'Globex/West'}, {'name': 'a,b'}, {'name': '.hidden'}, "
			       "{'name': '100%'}, {'name': 'tab\\there'}, {'name': 'Z\\u00fcrich'}, {'name': 'del\\u007f'}, "
			       "{'name': 42}, {'name': 1.5}, {'name': 1.0}, {'name': 1e21}, {'name': -0}, {'name': -3}, "
			       "{'name': 1e-7}, {'name': true}, {'name': false}, {'id': 'X1', 'name': 'ignored'}, {'id': 7}, "
			       "{'id': null, 'name': 'n'}, {'name': 'a.b'}, {'name': '..'}]}, "
			       "{'object': 'crm_b', 'externalId': 'email', 'mode': 'insert', 'env': ['dev'], "
			       "'records': [{'email': 'ada@acme.example', 'name': 'x'}]}, "
			       "{'object': 'crm_c', 'externalId': ['team', 'project'], 'mode': 'ignore', 'records': ["
			       "{'team': 'Platform', 'project': 'Data Platform'}, {'team': 'a,b', 'project': 'c/d'}, "
			       "{'team': 1, 'project': true}]}, "
			       "{'object': 'crm_d', 'externalId': ['code'], 'mode': 'update', 'records': [{'code': 'c1'}]}, "
			       "{'object': 'crm_e', 'mode': 'replace', 'records': []}]"), 0);
	CLEAN();
	ck_assert_uint_eq(A.nseeds, 5);
	static const char *const keys0[] = {
		"Acme Corp", "Globex%2FWest", "a%2Cb", "%2Ehidden", "100%25", "tab%09here", "Z\xc3\xbcrich", "del%7F",
		"42", "1.5", "1", "1e+21", "0", "-3", "1e-7", "true", "false", "X1", "7", "n", "a.b", "%2E.",
	};
	const struct art_seed *s = &A.seeds[0];
	ck_assert_str_eq(s->object, "crm_a");
	ck_assert_int_eq(s->mode, SEED_UPSERT); /* the default */
	ck_assert_uint_eq(s->nextid, 1);
	ck_assert_str_eq(s->extid[0], "name"); /* the default */
	ck_assert_uint_eq(s->nrecords, N(keys0));
	for (size_t i = 0; i < N(keys0); i++)
		ck_assert_str_eq(s->keys[i], keys0[i]);
	s = &A.seeds[1];
	ck_assert_int_eq(s->mode, SEED_INSERT);
	ck_assert_str_eq(s->extid[0], "email");
	ck_assert_str_eq(s->keys[0], "ada@acme.example");
	s = &A.seeds[2];
	ck_assert_int_eq(s->mode, SEED_IGNORE);
	ck_assert_uint_eq(s->nextid, 2);
	ck_assert_str_eq(s->keys[0], "Platform,Data Platform");
	ck_assert_str_eq(s->keys[1], "a%2Cb,c%2Fd");
	ck_assert_str_eq(s->keys[2], "1,true");
	ck_assert_int_eq(A.seeds[3].mode, SEED_UPDATE);
	ck_assert_str_eq(A.seeds[3].keys[0], "c1");
	ck_assert_int_eq(A.seeds[4].mode, SEED_REPLACE);
	ck_assert_uint_eq(A.seeds[4].nrecords, 0);
	ck_assert_str_eq(seed_mode_name(SEED_INSERT), "insert");
	ck_assert_str_eq(seed_mode_name(SEED_IGNORE), "ignore");
	ck_assert_str_eq(files("data"), "crm_a crm_b crm_c crm_d crm_e");
}
END_TEST

/* ------------------------------------------------------------ definitions */

static int count_refs(const char *field, const char *target, void *ctx)
{
	struct buf *b = ctx;
	buf_printf(b, "%s>%s ", field, target);
	return 0;
}

static int stop_refs(const char *field, const char *target, void *ctx)
{
	(void)field;
	(void)target;
	++*(int *)ctx;
	return 7;
}

START_TEST(test_definitions)
{
	ck_assert_int_eq(loadc("'objects': [{'name': 'crm_a', 'fields': {'a': {'type': 'lookup', 'reference': 'x'}, "
			       "'b': {'type': 'master_detail', 'reference': 'y'}, 'c': {'type': 'text', 'reference': 'z'}, "
			       "'d': {'label': 'typed', 'type': 'json'}}}, {'name': 'crm_b'}], "
			       "'objectExtensions': [{'extend': 'crm_a', 'priority': 50.5}, {'extend': 'sys_user'}]"), 0);
	CLEAN();
	ck_assert_uint_eq(A.nobjects, 2);
	ck_assert_str_eq(A.objects[1].name, "crm_b");
	const struct art_object *o = artifact_object(&A, "crm_a");
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_eq(o, &A.objects[0]);
	ck_assert_ptr_null(artifact_object(&A, "crm_c"));
	ck_assert_str_eq(A.items[o->item].file, "crm_a");
	ck_assert_ptr_eq(A.items[A.objects[1].item].json, A.objects[1].json);
	ck_assert_uint_eq(A.nexts, 2);
	ck_assert_str_eq(A.exts[0].target, "crm_a");
	ck_assert_double_eq(A.exts[0].priority, 50.5);
	ck_assert_double_eq(A.exts[1].priority, 200); /* the default */
	ck_assert_str_eq(A.items[A.exts[1].item].file, "sys_user");
	ck_assert_str_eq(A.kinds[A.items[A.exts[1].item].kind].key, "objectExtensions");
	struct buf b = BUF_INIT;
	ck_assert_int_eq(artifact_each_reference(cJSON_GetObjectItemCaseSensitive(o->json, "fields"), count_refs, &b), 0);
	ck_assert_str_eq(buf_str(&b), "a>x b>y ");
	buf_free(&b);
	int calls = 0;
	ck_assert_int_eq(artifact_each_reference(cJSON_GetObjectItemCaseSensitive(o->json, "fields"), stop_refs, &calls), 7);
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(artifact_each_reference(NULL, stop_refs, &calls), 0);
	ck_assert_uint_eq(A.len, strlen(B));
	ck_assert(A.xxh3 == XXH3_64bits(B, strlen(B)));
}
END_TEST

/* ------------------------------------------------------------ render */

START_TEST(test_render)
{
	ck_assert_int_eq(load("{'manifest': {'id': 'com.acme.crm', 'version': '1.0.0', 'n': [1.0, {}, [], '\\u00e9', -0, "
			      "1e21, 0.1, null, true, 'q\\'\\\\\\n'], 'o': {'k': {'z': 1, 'a': 2}}}, "
			      "'objects': [{'name': 'crm_a', 'fields': {}}]}"), 0);
	ck_assert_ptr_null(A.manifest_body);
	ck_assert_int_eq(artifact_render(&A), 0);
	static const char want[] =
		"{\n"
		"  \"id\": \"com.acme.crm\",\n"
		"  \"version\": \"1.0.0\",\n"
		"  \"n\": [\n"
		"    1,\n"
		"    {},\n"
		"    [],\n"
		"    \"\xc3\xa9\",\n"
		"    0,\n"
		"    1e+21,\n"
		"    0.1,\n"
		"    null,\n"
		"    true,\n"
		"    \"q\\\"\\\\\\n\"\n"
		"  ],\n"
		"  \"o\": {\n"
		"    \"k\": {\n"
		"      \"z\": 1,\n"
		"      \"a\": 2\n"
		"    }\n"
		"  }\n"
		"}\n";
	ck_assert_str_eq(A.manifest_body, want);
	ck_assert_uint_eq(A.manifest_len, strlen(want));
	ck_assert_str_eq(A.items[0].body, "{\n  \"name\": \"crm_a\",\n  \"fields\": {}\n}\n");
	ck_assert_uint_eq(A.items[0].body_len, strlen(A.items[0].body));
	/* again: nothing changes */
	const char *body = A.items[0].body;
	ck_assert_int_eq(artifact_render(&A), 0);
	ck_assert_ptr_eq(A.items[0].body, body);
	ck_assert_str_eq(A.manifest_body, want);
}
END_TEST

/* ------------------------------------------------------------ real fixtures */

static int load_fixture(const char *app)
{
	char path[256];
	size_t len;
	snprintf(path, sizeof(path), "tests/fixtures/real/%s/objectstack.json", app);
	char *s = uu_read_file(path, &len);
	ck_assert_msg(s != NULL, "cannot read %s (run from the repository root)", path);
	int rc = load_raw(s, len, 0);
	ck_assert_msg(rc == 0, "%s:%s", app, uu_diag_str(&D));
	ck_assert_int_eq(artifact_render(&A), 0);
	return rc;
}

static size_t nrecords(void)
{
	size_t n = 0;
	for (size_t i = 0; i < A.nseeds; i++)
		n += A.seeds[i].nrecords;
	return n;
}

START_TEST(test_fixture_todo)
{
	load_fixture("app-todo");
	CLEAN();
	ck_assert_str_eq(A.id, "com.example.todo");
	ck_assert_str_eq(A.version_text, "2.0.0");
	ck_assert_str_eq(A.ns, "todo");
	ck_assert_uint_eq(A.nobjects, 1);
	ck_assert_str_eq(A.objects[0].name, "todo_task");
	ck_assert_uint_eq(A.nseeds, 1);
	ck_assert_uint_eq(nrecords(), 8);
	ck_assert_str_eq(A.seeds[0].keys[0], "Learn ObjectStack");
	ck_assert_uint_eq(A.nkinds, 14); /* runtimeModule is a scalar */
	ck_assert_ptr_null(kind("runtimeModule"));
	ck_assert_str_eq(files("translations"), "en zh-CN ja-JP");
	ck_assert_str_eq(files("functions"), "computeNextTaskDueDate");
	ck_assert_str_eq(files("views"), "todo_task");
	ck_assert_str_eq(files("data"), "todo_task");
	ck_assert_uint_eq(A.nitems, 33);
	/* its actions, flows, hooks and reports are not prefixed: warnings */
	HAS(0, "8 of the 8 actions are not prefixed with \"todo_\"");
	HAS(0, "of the 4 flows");
	HAS(0, "of the 1 hooks is not prefixed");
	ck_assert_int_eq(uu_diag_find(&D, 0, "objects"), -1);
}
END_TEST

START_TEST(test_fixture_crm)
{
	load_fixture("app-crm");
	CLEAN();
	ck_assert_str_eq(A.id, "com.example.crm");
	ck_assert_str_eq(A.ns, "crm");
	ck_assert_uint_eq(A.nobjects, 6);
	ck_assert_uint_eq(A.nseeds, 5);
	ck_assert_uint_eq(nrecords(), 28);
	ck_assert_uint_eq(A.nexts, 0);
	ck_assert_uint_eq(A.ndeps, 0);
	ck_assert_uint_eq(A.nitems, 35);
	ck_assert_str_eq(files("views"), "crm_activity crm_lead crm_opportunity");
	ck_assert_str_eq(files("data"), "crm_account crm_contact crm_opportunity crm_lead crm_activity");
	ck_assert_str_eq(files("requires"), "1 2");
	ck_assert_str_eq(files("i18n"), "defaultLocale supportedLocales fallbackLocale");
	HAS(0, "1 of the 1 hooks is not prefixed with \"crm_\" (opportunity_stage_probability)");
}
END_TEST

START_TEST(test_fixture_showcase)
{
	load_fixture("app-showcase");
	CLEAN();
	ck_assert_str_eq(A.id, "com.example.showcase");
	ck_assert_str_eq(A.ns, "showcase");
	ck_assert_uint_eq(A.nobjects, 24);
	ck_assert_uint_eq(A.nexts, 1);
	ck_assert_str_eq(A.exts[0].target, "showcase_account");
	ck_assert_double_eq(A.exts[0].priority, 210);
	ck_assert_uint_eq(A.nseeds, 19);
	ck_assert_uint_eq(nrecords(), 132);
	ck_assert_uint_eq(A.nitems, 258);
	const struct art_kind *k = kind("sharingRules");
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->dir, "sharing");
	ck_assert_uint_eq(k->count, 2);
	ck_assert_int_eq(kind("plugins")->named, 0);
	ck_assert_str_eq(files("functions"), "summarizeCompletedTask sweepProjectHealth");
	ck_assert_str_eq(files("objectExtensions"), "showcase_account");
	ck_assert_ptr_null(kind("runtimeModule"));
	int found_bu = 0, found_member = 0;
	for (size_t i = 0; i < A.nseeds; i++) {
		if (!strcmp(A.seeds[i].object, "sys_business_unit")) {
			found_bu = 1;
			ck_assert_str_eq(A.seeds[i].keys[0], "bu_acme");
		}
		if (!strcmp(A.seeds[i].object, "showcase_project_membership")) {
			found_member = 1;
			ck_assert_int_eq(A.seeds[i].mode, SEED_IGNORE);
			ck_assert_str_eq(A.seeds[i].keys[0], "Experience,Website Relaunch");
		}
	}
	ck_assert(found_bu && found_member);
	ck_assert_ptr_nonnull(artifact_object(&A, "showcase_field_zoo"));
}
END_TEST

static Suite *layout_suite(void)
{
	Suite *s = suite_create("artifact_layout");
	TCase *tc = tcase_create("layout");
	tcase_add_checked_fixture(tc, setup, reset);
	tcase_add_test(tc, test_layout_kinds);
	tcase_add_test(tc, test_layout_derived_names);
	tcase_add_test(tc, test_layout_derived_then_named);
	tcase_add_test(tc, test_layout_escaping);
	tcase_add_test(tc, test_layout_hidden_collections);
	tcase_add_test(tc, test_translations_duplicate_locale);
	tcase_add_test(tc, test_seed_keys);
	tcase_add_test(tc, test_definitions);
	tcase_add_test(tc, test_render);
	suite_add_tcase(s, tc);
	tc = tcase_create("fixtures");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, reset);
	tcase_add_test(tc, test_fixture_todo);
	tcase_add_test(tc, test_fixture_crm);
	tcase_add_test(tc, test_fixture_showcase);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(layout_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
