/* check_artifact: unit tests for the checks of catalog/artifact*.c:
 * artifact_load() on in-memory strings, rules 1-5 of docs/install.md and
 * the structural checks, each with its errno and message, in rule order,
 * every problem reported.  The layout, seeds, rendering and the real
 * fixtures are in check_artifact_layout.c.  Artifacts are written with
 * single quotes (uu_json turns them into double quotes).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UU_ARTIFACT
#include "tests/unit/unit_util.h"

/* ------------------------------------------------------------ rule 1 */

START_TEST(test_size)
{
	char *s = uu_json("{'manifest': {" MF "}}");
	size_t len = strlen(s);
	reset();
	B = s;
	ck_assert_int_eq(artifact_load(&A, B, len, len - 1, 0, &D), EFBIG);
	FIRST(EFBIG, "bytes; the limit is");
	ck_assert_uint_eq(D.nerr, 1);
	artifact_free(&A);
	diag_free(&D);
	ck_assert_int_eq(artifact_load(&A, B, len, len, 0, &D), 0); /* exactly the limit */
	CLEAN();
}
END_TEST

/* ------------------------------------------------------------ rule 2 */

static const struct { const char *json; const char *needle; } json_cases[] = {
	{ "", "the file is empty" },
	{ "{", "not valid JSON: line 1, column" },
	{ "{'manifest': {" MF "},}", "not valid JSON" },            /* trailing comma */
	{ "{'manifest': {" MF ", 'n': [1,]}}", "not valid JSON" },
	{ "{'manifest': {" MF ", 'n': 01}}", "not valid JSON" },     /* leading zero */
	{ "{'manifest': {" MF ", 'n': 1.}}", "not valid JSON" },
	{ "{'manifest': {" MF ", 'n': 1e999}}", "not valid JSON" },
	{ "{'manifest': {" MF ", 'n': NaN}}", "not valid JSON" },
	{ "{'manifest': {" MF ", 's': 'a\tb'}}", "not valid JSON" }, /* raw control character */
	{ "{'manifest': {" MF ", 's': '\\ud800'}}", "not valid JSON" }, /* lone surrogates */
	{ "{'manifest': {" MF ", 's': '\\udc00'}}", "not valid JSON" },
	{ "{'manifest': {" MF ", 's': '\\u0000'}}", "not valid JSON" }, /* NUL escape */
	{ "{'manifest': {" MF ", 's': '\xff'}}", "not valid JSON" },   /* invalid UTF-8 */
	{ "{'manifest': {" MF ", 's': '\xc0\xaf'}}", "not valid JSON" }, /* overlong */
	{ "{'manifest': {" MF ", 's': '\xed\xa0\x80'}}", "not valid JSON" }, /* encoded surrogate */
	{ "{'manifest': {" MF "}, 'manifest': {" MF "}}", "duplicate key" },
	{ "{'manifest': {" MF ", 'id': 'com.acme.x'}}", "duplicate key" },
	{ "{'manifest': {" MF "}} {}", "not valid JSON" },         /* one value only */
	{ "{'manifest': {" MF "}}x", "not valid JSON" },
	{ "[]", "the top level must be a JSON object with a \"manifest\", not an array" },
	{ "'x'", "the top level must be a JSON object with a \"manifest\", not a string" },
	{ "{}", "there is no \"manifest\" object" },
	{ "{'Manifest': {" MF "}}", "there is no \"manifest\" object" },
	{ "{'manifest': []}", "\"manifest\" must be an object, not an array" },
	{ "{'manifest': null}", "\"manifest\" must be an object, not null" },
	{ "{'manifest': 'com.acme.crm'}", "\"manifest\" must be an object, not a string" },
};

START_TEST(test_json_table)
{
	ck_assert_int_eq(load(json_cases[_i].json), EINVAL);
	FIRST(EINVAL, json_cases[_i].needle);
	ck_assert_uint_eq(D.nerr, 1); /* nothing else can be checked */
	char label[64];
	ck_assert_str_eq(artifact_label(&A, label, sizeof(label)), "(no id)@(no version)");
}
END_TEST

START_TEST(test_json_raw_nul_and_position)
{
	static const char nul[] = "{\"manifest\": {\"id\": \"com.acme.crm\", \"version\": \"1.0.0\", \"s\": \"a\0b\"}}";
	char *s = malloc(sizeof(nul));
	memcpy(s, nul, sizeof(nul));
	ck_assert_int_eq(load_raw(s, sizeof(nul) - 1, 0), EINVAL);
	FIRST(EINVAL, "not valid JSON");
	/* line and column of the problem */
	ck_assert_int_eq(load("{\n  'manifest': {\n    'id': 01\n  }\n}"), EINVAL);
	FIRST(EINVAL, "not valid JSON: line 3, column 1");
	ck_assert_int_eq(load("{'manifest': {" MF "},\n\n 'x': [1 2]}"), EINVAL);
	FIRST(EINVAL, "line 3, column 10"); /* at the 2 */
}
END_TEST

/* Nesting at most 128: the top-level object is level 1. */
START_TEST(test_json_depth)
{
	for (int depth = 127; depth <= 129; depth++) {
		struct buf b = BUF_INIT;
		buf_adds(&b, "{\"manifest\": {\"id\": \"com.acme.crm\", \"version\": \"1.0.0\"}, \"x\": ");
		for (int i = 1; i < depth; i++)
			buf_addc(&b, '[');
		for (int i = 1; i < depth; i++)
			buf_addc(&b, ']');
		buf_addc(&b, '}');
		size_t len;
		char *s = buf_detach(&b, &len);
		int rc = load_raw(s, len, 0);
		if (depth <= 128) {
			ck_assert_msg(rc == 0, "depth %d:%s", depth, uu_diag_str(&D));
		} else {
			ck_assert_int_eq(rc, EINVAL);
			FIRST(EINVAL, "128");
		}
	}
}
END_TEST

/* ------------------------------------------------------------ rule 3 */

#define ID214 "com.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	      "aaaaaaaaaaaa.crm"

static const struct { const char *manifest; int err; const char *needle; } manifest_cases[] = {
	{ VER ", " NS, EINVAL, "the manifest has no \"id\"" },
	{ "'id': 5, " VER ", " NS, EINVAL, "manifest.id must be a string, not a number" },
	{ "'id': 'Com.acme.crm', " VER ", " NS, EINVAL, "manifest id \"Com.acme.crm\" is not a reverse-DNS id" },
	{ "'id': 'crm', " VER ", " NS, EINVAL, "is not a reverse-DNS id" },
	{ "'id': 'com..crm', " VER ", " NS, EINVAL, "is not a reverse-DNS id" },
	{ "'id': 'com.acme.', " VER ", " NS, EINVAL, "is not a reverse-DNS id" },
	{ "'id': 'com.1acme', " VER ", " NS, EINVAL, "is not a reverse-DNS id" },
	{ "'id': 'com.acme_x', " VER ", " NS, EINVAL, "is not a reverse-DNS id" },
	{ "'id': '" ID214 "x', " VER ", " NS, EINVAL, "ids are at most 214" },
	{ "'id': '" ID214 "', " VER ", " NS, 0, NULL },
	{ ID ", " NS, EINVAL, "the manifest has no \"version\"" },
	{ ID ", 'version': 1, " NS, EINVAL, "manifest.version must be a string, not a number" },
	{ ID ", 'version': 'v1.0.0', " NS, EINVAL, "manifest version \"v1.0.0\" is not a SemVer 2.0.0 version" },
	{ ID ", 'version': '1.0', " NS, EINVAL, "is not a SemVer 2.0.0 version" },
	{ ID ", 'version': '01.0.0', " NS, EINVAL, "is not a SemVer 2.0.0 version" },
	{ ID ", 'version': '1.0.0-01', " NS, EINVAL, "is not a SemVer 2.0.0 version" },
	{ ID ", 'version': '=1.0.0', " NS, EINVAL, "is not a SemVer 2.0.0 version" },
	{ ID ", 'version': '9007199254740992.0.0', " NS, EINVAL, "is not a SemVer 2.0.0 version" },
	{ ID ", 'version': '9007199254740991.0.0', " NS, 0, NULL },
	{ ID ", 'version': '2.1.0-rc.1+build.5', " NS, 0, NULL },
	{ "'id': '" ID214 "', 'version': '1.0.0-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', " NS, EINVAL,
	  "is longer than a file name can be (255 bytes)" },
	{ ID ", " VER ", 'namespace': 'C'", EINVAL, "manifest namespace \"C\" is not valid" },
	{ ID ", " VER ", 'namespace': 'c'", EINVAL, "manifest namespace \"c\" is not valid" },
	{ ID ", " VER ", 'namespace': '1ab'", EINVAL, "is not valid" },
	{ ID ", " VER ", 'namespace': 'a-b'", EINVAL, "is not valid" },
	{ ID ", " VER ", 'namespace': 'abcdefghijklmnopqrstu'", EINVAL, "is not valid" },
	{ ID ", " VER ", 'namespace': 'abcdefghijklmnopqrst'", 0, NULL },
	{ ID ", " VER ", 'namespace': 'a1_'", 0, NULL },
	{ ID ", " VER ", 'namespace': 3", EINVAL, "manifest.namespace must be a string, not a number" },
	{ "'id': 'com.acme.x', " VER, EINVAL, "the one derived from the id (\"x\") is not valid" },
	{ "'id': 'com.acme.abcdefghijklmnopqrstu', " VER, EINVAL, "the one derived from the id" },
	{ MF ", 'dependencies': []", EINVAL,
	  "manifest.dependencies must be an object mapping package ids to semver ranges, not an array" },
	{ MF ", 'dependencies': {'Bad': '1'}", EINVAL, "dependency \"Bad\" is not a package id" },
	{ MF ", 'dependencies': {'com.acme.crm': '1'}", EINVAL, "com.acme.crm depends on itself" },
	{ MF ", 'dependencies': {'com.acme.x': 1}", EINVAL, "dependency com.acme.x: the range must be a string, not a number" },
	{ MF ", 'dependencies': {'com.acme.x': '>=1.2.3 <'}", EINVAL,
	  "dependency com.acme.x: \">=1.2.3 <\" is not a valid semver range" },
	{ MF ", 'name': 1", EINVAL, "manifest.name must be a string, not a number" },
	{ MF ", 'description': []", EINVAL, "manifest.description must be a string, not an array" },
	{ MF ", 'type': {}", EINVAL, "manifest.type must be a string, not an object" },
	{ MF ", 'scope': true", EINVAL, "manifest.scope must be a string, not a boolean" },
	{ MF ", 'defaultDatasource': null", EINVAL, "manifest.defaultDatasource must be a string, not null" },
	{ MF ", 'name': 'n', 'description': 'd', 'type': 'app', 'scope': 'project', 'defaultDatasource': 'default', "
	  "'engines': {'protocol': '^17'}", 0, NULL },
};

START_TEST(test_manifest_table)
{
	int rc = loadm(manifest_cases[_i].manifest, "");
	if (!manifest_cases[_i].err) {
		ck_assert_msg(rc == 0, "%s:%s", manifest_cases[_i].manifest, uu_diag_str(&D));
		return;
	}
	ck_assert_int_eq(rc, manifest_cases[_i].err);
	FIRST(manifest_cases[_i].err, manifest_cases[_i].needle);
}
END_TEST

START_TEST(test_manifest_missing_everything)
{
	/* Independent problems are all reported. */
	ck_assert_int_eq(loadm("", ""), EINVAL);
	ck_assert_uint_eq(D.nerr, 2);
	ck_assert_int_eq(uu_diag_find(&D, EINVAL, "no \"id\""), 0);
	ck_assert_int_eq(uu_diag_find(&D, EINVAL, "no \"version\""), 1);
	ck_assert_int_eq(loadm("'id': 1, 'version': 2, 'namespace': 3, 'name': 4, 'dependencies': 5", ""), EINVAL);
	ck_assert_uint_eq(D.nerr, 5);
}
END_TEST

START_TEST(test_default_namespace)
{
	ck_assert_int_eq(loadm(ID ", " VER, ""), 0);
	ck_assert_str_eq(A.ns, "crm");
	ck_assert_int_eq(loadm("'id': 'com.acme.my-app', " VER, ""), 0);
	ck_assert_str_eq(A.ns, "my_app");
	ck_assert_int_eq(loadm("'id': 'io.x-y.a1-b2-c3', " VER, ""), 0);
	ck_assert_str_eq(A.ns, "a1_b2_c3");
	/* an explicit namespace wins */
	ck_assert_int_eq(loadm(ID ", " VER ", 'namespace': 'acme_crm'", ""), 0);
	ck_assert_str_eq(A.ns, "acme_crm");
	ck_assert_str_eq(A.id, "com.acme.crm");
	ck_assert_str_eq(A.version_text, "1.0.0");
	ck_assert_int_eq(A.version.major, 1);
	char label[64];
	ck_assert_str_eq(artifact_label(&A, label, sizeof(label)), "com.acme.crm@1.0.0");
}
END_TEST

START_TEST(test_dependencies)
{
	ck_assert_int_eq(loadm(MF ", 'dependencies': {'com.acme.base': '^1.2.0', 'sys.identity': '*'}", ""), 0);
	ck_assert_uint_eq(A.ndeps, 2);
	ck_assert_str_eq(A.deps[0].id, "com.acme.base");
	ck_assert_str_eq(A.deps[0].range_text, "^1.2.0");
	ck_assert_str_eq(A.deps[1].id, "sys.identity");
	ck_assert_ptr_nonnull(A.deps[0].range);
	struct semver v;
	ck_assert_int_eq(semver_parse("1.5.0", SEMVER_STRICT, &v), 0);
	ck_assert(semver_range_test(A.deps[0].range, &v));
	semver_free(&v);
	ck_assert_int_eq(semver_parse("2.0.0", SEMVER_STRICT, &v), 0);
	ck_assert(!semver_range_test(A.deps[0].range, &v));
	semver_free(&v);
	/* one bad entry does not hide the others */
	ck_assert_int_eq(loadm(MF ", 'dependencies': {'X': '1', 'com.acme.a': '^1', 'com.acme.b': 2}", ""), EINVAL);
	ck_assert_uint_eq(D.nerr, 2);
	ck_assert_uint_eq(A.ndeps, 1);
	ck_assert_str_eq(A.deps[0].id, "com.acme.a");
}
END_TEST

/* ------------------------------------------------------------ rule 4 */

START_TEST(test_reserved)
{
	ck_assert_int_eq(loadm("'id': 'sys.foo', " VER ", 'namespace': 'foo'", ""), EPERM);
	FIRST(EPERM, "package ids starting with \"sys.\" belong to the system packages");
	static const char *const nss[] = { "sys", "system", "base" };
	for (size_t i = 0; i < N(nss); i++) {
		char *m = uu_fmt(ID ", " VER ", 'namespace': '%s'", nss[i]);
		ck_assert_int_eq(loadm(m, ""), EPERM);
		char *want = uu_fmt("namespace \"%s\" is reserved for the system packages", nss[i]);
		FIRST(EPERM, want);
		free(want);
		free(m);
	}
	/* a reserved object: rule 4 only, with the name to use */
	ck_assert_int_eq(loadc("'objects': [{'name': 'sys_thing', 'fields': {}}]"), EPERM);
	FIRST(EPERM, "object \"sys_thing\": names starting with \"sys_\" belong to the system packages; name it \"crm_thing\"");
	ck_assert_uint_eq(D.nerr, 1);
	/* osfs's own packages may use them */
	reset();
	B = uu_json("{'manifest': {'id': 'sys.foo', " VER ", 'namespace': 'sys'}, 'objects': [{'name': 'sys_thing'}]}");
	ck_assert_int_eq(artifact_load(&A, B, strlen(B), MAX, ARTIFACT_SYSTEM, &D), 0);
	CLEAN();
	ck_assert_uint_eq(A.nobjects, 1);
}
END_TEST

/* ------------------------------------------------------------ rule 5 */

START_TEST(test_object_names)
{
	static const struct { const char *name, *suggestion; } cases[] = {
		{ "account", "crm_account" }, { "CrmAccount", "crm_account" }, { "crmAccount", "crm_account" },
		{ "crm-account", "crm_account" }, { "crm_Account", "crm_account" }, { "crmaccount", "crm_crmaccount" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char *c = uu_fmt("'objects': [{'name': '%s'}]", cases[i].name);
		ck_assert_int_eq(loadc(c), EINVAL);
		char *want = uu_fmt("object \"%s\" is not named <namespace>_<name> in snake_case: call it \"%s\"",
				    cases[i].name, cases[i].suggestion);
		FIRST(EINVAL, want);
		free(want);
		free(c);
	}
	ck_assert_int_eq(loadc("'objects': [{'name': 'crm_'}]"), EINVAL);
	FIRST(EINVAL, "object \"crm_\" is not named");
	ck_assert_int_eq(loadc("'objects': [{'name': 'crm_a'}, {'name': 'crm_b_2'}, {'name': 'crm__c'}]"), 0);
	CLEAN();
}
END_TEST

START_TEST(test_field_names)
{
	ck_assert_int_eq(loadc("'objects': [{'name': 'crm_a', 'fields': {'FirstName': {'type': 'text'}, "
			       "'ok_1': {'type': 'text'}, '_x': {'type': 'text'}, '1st': {'type': 'text'}}}]"), EINVAL);
	ck_assert_uint_eq(D.nerr, 2);
	FIRST(EINVAL, "field \"FirstName\" of object crm_a is not snake_case: call it \"first_name\"");
	HAS(EINVAL, "field \"1st\" of object crm_a is not snake_case: call it \"_1st\"");
	/* fields of extensions too */
	ck_assert_int_eq(loadc("'objectExtensions': [{'extend': 'crm_a', 'fields': {'Bad Name': {}}}]"), EINVAL);
	FIRST(EINVAL, "field \"Bad Name\" of the extension of crm_a is not snake_case: call it \"bad_name\"");
}
END_TEST

START_TEST(test_unprefixed_items_warn)
{
	ck_assert_int_eq(loadc("'actions': [{'name': 'crm_a'}, {'name': 'b'}, {'name': 'crm.c'}], "
			       "'flows': [{'name': 'f1'}, {'name': 'f2'}, {'name': 'f3'}, {'name': 'f4'}], "
			       "'plugins': [{'name': 'stub:x'}], 'translations': [{'en': {}}], "
			       "'requires': ['ui'], 'hooks': [{'label': 'no name'}]"), 0);
	CLEAN();
	ck_assert_uint_eq(uu_nwarn(&D), 2); /* one line per collection */
	ck_assert_int_eq(uu_diag_find(&D, 0, "1 of the 3 actions is not prefixed with \"crm_\" (b): the convention is "
				      "<namespace>_<name>"), 0);
	ck_assert_int_eq(uu_diag_find(&D, 0, "4 of the 4 flows are not prefixed with \"crm_\" (f1, f2, f3, ...)"), 1);
}
END_TEST

/* ------------------------------------------------------------ structure */

static const struct { const char *rest; const char *needle; } structure_cases[] = {
	{ "'objects': {}", "\"objects\" must be an array of object definitions, not an object" },
	{ "'objects': [1]", "objects[0] must be an object with a \"name\"" },
	{ "'objects': [{'label': 'x'}]", "objects[0] must be an object with a \"name\"" },
	{ "'objects': [{'name': 5}]", "objects[0].name must be a non-empty string, not a number" },
	{ "'objects': [{'name': ''}]", "objects[0].name must be a non-empty string, not an empty string" },
	{ "'objects': [{'name': 'crm_a', 'fields': []}]",
	  "object crm_a: \"fields\" must be an object mapping field names to definitions, not an array" },
	{ "'objects': [{'name': 'crm_a', 'fields': {'x': 1}}]", "field x of object crm_a must be an object, not a number" },
	{ "'objects': [{'name': 'crm_a', 'fields': {'x': {'type': 1}}}]",
	  "field x of object crm_a: \"type\" must be a string naming the field type (text, number, lookup, ...), not "
	  "a number" },
	{ "'objects': [{'name': 'crm_a', 'fields': {'x': {'label': 'X'}}}]",
	  "field x of object crm_a: \"type\" must be a string naming the field type (text, number, lookup, ...), not "
	  "missing" },
	{ "'objects': [{'name': 'crm_a', 'fields': {'x': {'type': 'lookup'}}}]",
	  "field x of object crm_a is a lookup but has no \"reference\" naming the object it points to" },
	{ "'objects': [{'name': 'crm_a', 'fields': {'x': {'type': 'master_detail', 'reference': 5}}}]",
	  "field x of object crm_a: \"reference\" must be a string naming an object, not a number" },
	{ "'objectExtensions': {}", "\"objectExtensions\" must be an array, not an object" },
	{ "'objectExtensions': [{}]", "objectExtensions[0] must be an object whose \"extend\" names the object it extends" },
	{ "'objectExtensions': ['crm_a']", "objectExtensions[0] must be an object whose \"extend\"" },
	{ "'objectExtensions': [{'extend': 'crm_a', 'priority': 'high'}]",
	  "objectExtensions[0].priority must be a number, not a string" },
	{ "'objectExtensions': [{'extend': 'crm_a', 'fields': {'x': {'type': 'lookup'}}}]",
	  "field x of the extension of crm_a is a lookup but has no \"reference\"" },
	{ "'data': {}", "\"data\" must be an array of seed datasets, not an object" },
	{ "'data': [{}]", "data[0] must be an object whose \"object\" names the snake_case object it fills" },
	{ "'data': [{'object': 'Bad-Name', 'records': []}]", "data[0] must be an object whose \"object\" names" },
	{ "'data': [{'object': 'crm_a', 'mode': 'merge', 'records': []}]",
	  "data[0] (crm_a): \"mode\" must be one of insert, update, upsert, replace, ignore" },
	{ "'data': [{'object': 'crm_a', 'mode': 1, 'records': []}]", "\"mode\" must be one of" },
	{ "'data': [{'object': 'crm_a'}]", "data[0] (crm_a): \"records\" must be an array of records, not missing" },
	{ "'data': [{'object': 'crm_a', 'records': [1]}]", "data[0] (crm_a): record 0 must be an object, not a number" },
	{ "'data': [{'object': 'crm_a', 'externalId': 5, 'records': []}]",
	  "data[0] (crm_a): \"externalId\" must be a field name or a non-empty array of them" },
	{ "'data': [{'object': 'crm_a', 'externalId': [], 'records': []}]", "\"externalId\" must be a field name" },
	{ "'data': [{'object': 'crm_a', 'externalId': ['a', 1], 'records': []}]",
	  "data[0] (crm_a): \"externalId\" entries must be strings" },
	{ "'data': [{'object': 'crm_a', 'records': [{'label': 'x'}]}]",
	  "data[0] (crm_a): record 0 has no usable \"name\" (its externalId): give it a string or number, or an \"id\"" },
	{ "'data': [{'object': 'crm_a', 'externalId': 'code', 'records': [{'code': null}]}]", "no usable \"code\"" },
	{ "'data': [{'object': 'crm_a', 'records': [{'name': {'x': 1}}]}]", "no usable \"name\"" },
	{ "'data': [{'object': 'crm_a', 'records': [{'name': ['x']}]}]", "no usable \"name\"" },
	{ "'data': [{'object': 'crm_a', 'externalId': ['a', 'b'], 'records': [{'a': 'x'}]}]", "no usable \"b\"" },
	{ "'data': [{'object': 'crm_a', 'records': [{'id': {'x': 1}}]}]",
	  "data[0] (crm_a): record 0 has an \"id\" that is an object; ids are strings or numbers" },
	{ "'data': [{'object': 'crm_a', 'records': [{'name': ''}]}]", "data[0] (crm_a): record 0 has a key that is empty" },
	{ "'data': [{'object': 'crm_a', 'records': [{'id': ''}]}]", "record 0 has a key that is empty" },
	{ "'actions': [{'name': 'crm_x'}, {'name': 'crm_y'}, {'name': 'crm_x'}]",
	  "actions[0] and actions[2] are both named \"crm_x\": names must be unique" },
	{ "'data': [{'name': 'd', 'object': 'crm_a', 'records': []}, {'name': 'd', 'object': 'crm_b', 'records': []}]",
	  "data[0] and data[1] are both named \"d\"" },
	{ "'objects': [{'name': 'crm_a'}, {'name': 'crm_a'}]", "objects[0] and objects[1] are both named \"crm_a\"" },
	{ "'actions': [{'name': 5}]", "actions[0].name must be a non-empty string, not a number" },
	{ "'actions': [{'name': null}]", "actions[0].name must be a non-empty string, not null" },
	{ "'translations': ['en']", "translations[0] must be an object mapping locales to bundles, not a string" },
};

START_TEST(test_structure_table)
{
	ck_assert_int_eq(loadc(structure_cases[_i].rest), EINVAL);
	FIRST(EINVAL, structure_cases[_i].needle);
}
END_TEST

START_TEST(test_long_names)
{
	char name[260], *c;
	memset(name, 'a', sizeof(name));
	memcpy(name, "crm_", 4);
	name[250] = '\0'; /* 250 bytes: the longest stem */
	c = uu_fmt("'actions': [{'name': '%s'}], 'data': [{'object': 'crm_a', 'records': [{'name': '%s'}]}]", name, name);
	ck_assert_int_eq(loadc(c), 0);
	free(c);
	name[250] = 'a';
	name[251] = '\0';
	c = uu_fmt("'actions': [{'name': '%s'}], 'data': [{'object': 'crm_a', 'records': [{'name': '%s'}]}]", name, name);
	ck_assert_int_eq(loadc(c), EINVAL);
	free(c);
	FIRST(EINVAL, "actions[0].name is 251 bytes long once escaped for a file name; names are at most 250 bytes");
	HAS(EINVAL, "data[0] (crm_a): record 0 has a key that is longer than 250 bytes once escaped");
	/* escaping counts: 84 '/' are 252 bytes once escaped */
	memset(name, '/', 84);
	name[84] = '\0';
	c = uu_fmt("'data': [{'object': 'crm_a', 'records': [{'name': '%s'}]}]", name);
	ck_assert_int_eq(loadc(c), EINVAL);
	free(c);
	FIRST(EINVAL, "longer than 250 bytes once escaped");
}
END_TEST

/* Rule order: 3 before 4 before 5; every independent problem reported. */
START_TEST(test_rule_order)
{
	ck_assert_int_eq(loadm("'id': 'sys.crm', 'version': 'x', " NS,
			       "'objects': [{'name': 'Bad'}, {'name': 'sys_a'}]"), EINVAL);
	ck_assert_uint_eq(D.nerr, 4);
	ck_assert_int_eq(D.v[0].err, EINVAL); /* rule 3: the version */
	ck_assert(strstr(D.v[0].msg, "is not a SemVer"));
	ck_assert_int_eq(D.v[1].err, EPERM);  /* rule 4: id, then object */
	ck_assert(strstr(D.v[1].msg, "\"sys.\""));
	ck_assert_int_eq(D.v[2].err, EPERM);
	ck_assert(strstr(D.v[2].msg, "sys_a"));
	ck_assert_int_eq(D.v[3].err, EINVAL); /* rule 5 */
	ck_assert(strstr(D.v[3].msg, "object \"Bad\""));
	/* rule 4 before rule 5 and the structure decides the errno */
	ck_assert_int_eq(loadc("'objects': [{'name': 'Bad'}, {'name': 'sys_a'}]"), EPERM);
	ck_assert_uint_eq(D.nerr, 2);
	ck_assert_int_eq(loadc("'actions': [{'name': 'crm_x'}, {'name': 'crm_x'}], 'data': [{}], "
			       "'objects': [{'name': 'crm_a', 'fields': {'x': 1}}, {'name': 'sys_a'}]"), EPERM);
	ck_assert_uint_eq(D.nerr, 4);
	/* rule 3 before everything after it */
	ck_assert_int_eq(loadm("'id': 'com.acme.crm', 'version': '1', " NS, "'objects': [{'name': 'sys_a'}], 'data': [{}]"),
			 EINVAL);
	ck_assert_int_eq(D.v[0].err, EINVAL);
	ck_assert_int_eq(D.v[1].err, EPERM);
	ck_assert_int_eq(D.v[2].err, EINVAL);
}
END_TEST

/* docs/install.md: the structure row comes after rule 5 in "this order". */
START_TEST(test_rule5_before_structure)
{
	ck_assert_int_eq(loadc("'objects': [{'name': 'crm_a', 'fields': {'x': {'type': 1}}}, {'name': 'Bad'}], "
			       "'actions': [{'name': 'crm_x'}, {'name': 'crm_x'}]"), EINVAL);
	ck_assert_uint_eq(D.nerr, 3);
	/* Regression (was a bug): structure problems (a duplicate item name, found by the layout,
	 * and field problems of an earlier object) are reported before the
	 * rule-5 problem of a later object name. */
	ck_assert_msg(strstr(D.v[0].msg, "object \"Bad\""), "first is not the rule-5 problem:%s", uu_diag_str(&D));
}
END_TEST

START_TEST(test_every_record_problem)
{
	ck_assert_int_eq(loadc("'data': [{'object': 'crm_a', 'records': [{'label': 1}, {'name': 'ok'}, {'label': 2}, 7]}, "
			       "{'object': 'crm_b', 'records': [{}]}]"), EINVAL);
	HAS(EINVAL, "data[0] (crm_a): record 0 has no usable");
	HAS(EINVAL, "data[1] (crm_b): record 0 has no usable");
	/* Regression (was a bug): the first unusable record of a dataset hides the others:
	 * records 2 and 3 of data[0] are not reported. */
	ck_assert_msg(D.nerr == 4, "%zu errors:%s", D.nerr, uu_diag_str(&D));
}
END_TEST


static Suite *artifact_suite(void)
{
	Suite *s = suite_create("artifact");
	TCase *tc = tcase_create("checks");
	tcase_add_checked_fixture(tc, setup, reset);
	tcase_add_test(tc, test_size);
	tcase_add_loop_test(tc, test_json_table, 0, N(json_cases));
	tcase_add_test(tc, test_json_raw_nul_and_position);
	tcase_add_test(tc, test_json_depth);
	tcase_add_loop_test(tc, test_manifest_table, 0, N(manifest_cases));
	tcase_add_test(tc, test_manifest_missing_everything);
	tcase_add_test(tc, test_default_namespace);
	tcase_add_test(tc, test_dependencies);
	tcase_add_test(tc, test_reserved);
	tcase_add_test(tc, test_object_names);
	tcase_add_test(tc, test_field_names);
	tcase_add_test(tc, test_unprefixed_items_warn);
	tcase_add_loop_test(tc, test_structure_table, 0, N(structure_cases));
	tcase_add_test(tc, test_long_names);
	tcase_add_test(tc, test_rule_order);
	tcase_add_test(tc, test_rule5_before_structure);
	tcase_add_test(tc, test_every_record_problem);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(artifact_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
