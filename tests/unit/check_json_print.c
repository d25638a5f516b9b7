/* check_json_print: unit tests for catalog/json_print.c, and parse/print
 * round trips.  Expected output (numbers, strings, pretty and compact
 * documents) is what node's JSON.stringify(v) / JSON.stringify(v, null, 2)
 * + "\n" prints for the same values.
 */
#include "catalog/json_print.h"

#include <check.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check_common.h"
#include "tests/unit/json_util.h"

/* ---------------------------------------------------------------- helpers */

static char *print_pretty(const cJSON *v)
{
	struct buf b = BUF_INIT;
	REQUIRE(json_print_pretty(v, &b) == 0);
	return buf_detach(&b, NULL);
}

static char *print_compact(const cJSON *v)
{
	struct buf b = BUF_INIT;
	REQUIRE(json_print_compact(v, &b) == 0);
	return buf_detach(&b, NULL);
}

static char *number_text(double d)
{
	struct buf b = BUF_INIT;
	REQUIRE(json_print_number(d, &b) == 0);
	return buf_detach(&b, NULL);
}

/* ------------------------------------------------------------- json_print */

/* Agreed with JSON.stringify (node) for these. */
static const struct { double d; const char *want; } number_cases[] = {
	{ 0.0, "0" }, { -0.0, "0" }, { 1, "1" }, { -1, "-1" }, { 0.1, "0.1" }, { -0.1, "-0.1" },
	{ 0.5, "0.5" }, { 1.5, "1.5" }, { -1.5, "-1.5" }, { 3.14159, "3.14159" },
	{ 0.30000000000000004, "0.30000000000000004" }, { 4.35, "4.35" }, { 100, "100" },
	{ 1e20, "100000000000000000000" }, { 1e21, "1e+21" }, { 1e22, "1e+22" },
	{ -1e21, "-1e+21" }, { 1.5e300, "1.5e+300" }, { 1e300, "1e+300" }, { 1e-7, "1e-7" },
	{ -1e-7, "-1e-7" }, { 1.5e-7, "1.5e-7" }, { 1e-10, "1e-10" }, { 5e-324, "5e-324" },
	{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
	{ 1.7976931348623157e308, "1.7976931348623157e+308" },
	{ -1.7976931348623157e308, "-1.7976931348623157e+308" },
	{ 123456789012, "123456789012" }, { 9007199254740992.0, "9007199254740992" },
	{ 9007199254740994.0, "9007199254740994" }, { -9007199254740992.0, "-9007199254740992" },
	{ 0.0001, "0.0001" }, { 0.000123, "0.000123" }, { 0.001, "0.001" },
	{ 123456.789, "123456.789" }, { 0.3333333333333333, "0.3333333333333333" },
	{ 0.6666666666666666, "0.6666666666666666" }, { 1234567.5, "1234567.5" },
	{ 4503599627370495.5, "4503599627370495.5" }, { 1e16, "10000000000000000" },
	{ 1e17, "100000000000000000" },
};

START_TEST(test_number_table)
{
	char *t = number_text(number_cases[_i].d);
	ck_assert_msg(strcmp(t, number_cases[_i].want) == 0, "%.17g: got %s, want %s",
		      number_cases[_i].d, t, number_cases[_i].want);
	free(t);
}
END_TEST

/* Where json_print_number once disagreed with JSON.stringify (regression
 * cases: %g switched to exponents below 1e-4, and %.0f printed integers in
 * (2^53, 1e21) with all their binary digits). */
static const struct { double d; const char *want; } number_bug_cases[] = {
	/* JSON.stringify uses exponent notation only below 1e-6. */
	{ 0.00001, "0.00001" }, { 0.000001, "0.000001" }, { 0.0000015, "0.0000015" },
	{ 0.000099, "0.000099" }, { 9.5e-5, "0.000095" }, { 2.5e-5, "0.000025" },
	{ -0.00001, "-0.00001" },
	/* Integers above 2^53 and below 1e21: the shortest round-trip digits,
	 * padded with zeros (2^64 is "18446744073709552000"). */
	{ 18446744073709551616.0, "18446744073709552000" },
	{ -18446744073709551616.0, "-18446744073709552000" },
	{ 1152921504606846976.0, "1152921504606847000" },
	{ 99999999999999990000.0, "99999999999999980000" },
	{ 12345678901234567890.0, "12345678901234567000" },
	{ 36028797018963970.0, "36028797018963970" },
	{ 123456789012345680000.0, "123456789012345680000" },
};

START_TEST(test_number_bug_table)
{
	char *t = number_text(number_bug_cases[_i].d);
	ck_assert_msg(strcmp(t, number_bug_cases[_i].want) == 0, "%.17g: got %s, want %s",
		      number_bug_cases[_i].d, t, number_bug_cases[_i].want);
	free(t);
}
END_TEST

START_TEST(test_number_special)
{
	char *t = number_text(NAN);
	ck_assert_str_eq(t, "null");
	free(t);
	t = number_text(INFINITY);
	ck_assert_str_eq(t, "null");
	free(t);
	t = number_text(-INFINITY);
	ck_assert_str_eq(t, "null");
	free(t);
	/* Appends. */
	struct buf b = BUF_INIT;
	buf_adds(&b, "x=");
	json_print_number(2.5, &b);
	ck_assert_str_eq(buf_str(&b), "x=2.5");
	buf_free(&b);
}
END_TEST

static double random_double(void)
{
	switch (rnd(4)) {
	case 0: { /* a few random decimal digits at a random scale */
		double m = (double)(rng() % 1000000) + 1;
		double sign = rnd(2) ? -1 : 1;
		int scale = (int)rnd(50) - 30;
		return sign * m * pow(10, scale);
	}
	case 1: { /* any finite double */
		double d;
		do {
			uint64_t bits = rng();
			memcpy(&d, &bits, sizeof(d));
		} while (!isfinite(d));
		return d;
	}
	case 2: { /* integers */
		uint64_t bits = rng();
		return (double)(int64_t)(bits >> rnd(64));
	}
	default: { /* fractions */
		double num = (double)(rng() % 100000);
		return num / (double)(rnd(100000) + 1);
	}
	}
}

static size_t significant_digits(const char *t)
{
	size_t n = 0, zeros = 0;
	int started = 0;
	for (const char *p = t; *p && *p != 'e'; p++) {
		if (*p < '0' || *p > '9')
			continue;
		if (*p == '0' && !started)
			continue;
		started = 1;
		if (*p == '0') {
			zeros++;
		} else {
			n += zeros + 1;
			zeros = 0;
		}
	}
	return n;
}

/* Every printed number reads back as the same double, is valid JSON, and
 * uses no more digits than needed. */
START_TEST(test_number_roundtrip_random)
{
	rng_seed(12345);
	for (int i = 0; i < 200000; i++) {
		double d = random_double();
		char *t = number_text(d);
		double back = strtod(t, NULL);
		REQUIRE_MSG(back == d, "%.17g printed as %s", d, t);
		struct json_error e;
		cJSON *v = parse_n(t, strlen(t), NULL, &e);
		REQUIRE_MSG(v != NULL, "%.17g printed as %s: %s", d, t, e.msg);
		REQUIRE(v->valuedouble == d);
		cJSON_Delete(v);
		if (fabs(d) < 9007199254740992.0 || fabs(d) >= 1e21) {
			/* One digit fewer would not read back. */
			size_t sig = significant_digits(t);
			if (sig > 1) {
				char u[400];
				snprintf(u, sizeof(u), "%.*g", (int)sig - 1, d);
				REQUIRE_MSG(strtod(u, NULL) != d,
					    "%.17g printed as %s, but %s reads back", d, t, u);
			}
		}
		free(t);
	}
}
END_TEST

/* JSON.stringify's shape: exponent form exactly when |d| < 1e-6 or
 * |d| >= 1e21, and at most 17 significant digits. */
START_TEST(test_number_js_shape_random)
{
	rng_seed(777);
	for (int i = 0; i < 200000; i++) {
		double d = random_double();
		if (d == 0)
			continue;
		char *t = number_text(d);
		int want_exp = fabs(d) < 1e-6 || fabs(d) >= 1e21;
		REQUIRE_MSG((strchr(t, 'e') != NULL) == want_exp, "%.17g printed as %s", d, t);
		REQUIRE_MSG(significant_digits(t) <= 17, "%.17g printed as %s", d, t);
		free(t);
	}
}
END_TEST

START_TEST(test_print_string)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "", "\"\"" }, { "abc", "\"abc\"" }, { "\"", "\"\\\"\"" }, { "\\", "\"\\\\\"" },
		{ "/", "\"/\"" }, { "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"" },
		{ "\x01", "\"\\u0001\"" }, { "\x1f", "\"\\u001f\"" }, { "\x0b", "\"\\u000b\"" },
		{ "\x1b[0m", "\"\\u001b[0m\"" }, { "\x7f", "\"\x7f\"" },
		{ "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"" },
		{ "a\"b\\c\nd", "\"a\\\"b\\\\c\\nd\"" }, { "\xE2\x80\xA8", "\"\xE2\x80\xA8\"" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct buf b = BUF_INIT;
		ck_assert_int_eq(json_print_string(cases[i].in, &b), 0);
		ck_assert_msg(strcmp(buf_str(&b), cases[i].want) == 0, "case %zu: %s", i, buf_str(&b));
		buf_free(&b);
	}
	/* Every control character, and that the result parses back. */
	for (int c = 1; c < 0x20; c++) {
		char in[4] = { 'a', (char)c, 'z', 0 };
		struct buf b = BUF_INIT;
		json_print_string(in, &b);
		for (size_t k = 0; k < b.len; k++)
			ck_assert_int_ge((unsigned char)b.p[k], 0x20);
		cJSON *v = parse_ok(b.p, b.len, NULL);
		ck_assert_str_eq(v->valuestring, in);
		cJSON_Delete(v);
		buf_free(&b);
	}
}
END_TEST

/* Document -> JSON.stringify(v), JSON.stringify(v, null, 2) + "\n". */
static const struct { const char *doc, *compact, *pretty; } print_cases[] = {
	{ "{\"a\":1,\"b\":[1,2,{}],\"c\":{\"d\":[]},\"e\":\"x\"}",
	  "{\"a\":1,\"b\":[1,2,{}],\"c\":{\"d\":[]},\"e\":\"x\"}",
	  "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2,\n    {}\n  ],\n  \"c\": {\n    \"d\": []\n  },\n  \"e\": \"x\"\n}\n" },
	{ "[]", "[]", "[]\n" },
	{ "{}", "{}", "{}\n" },
	{ " [ [ ] ] ", "[[]]", "[\n  []\n]\n" },
	{ "[{}]", "[{}]", "[\n  {}\n]\n" },
	{ "{\"a\":{\"b\":{\"c\":[null,true,false]}}}", "{\"a\":{\"b\":{\"c\":[null,true,false]}}}",
	  "{\n  \"a\": {\n    \"b\": {\n      \"c\": [\n        null,\n        true,\n        false\n      ]\n    }\n  }\n}\n" },
	{ "\"x\"", "\"x\"", "\"x\"\n" },
	{ "-0", "0", "0\n" },
	{ "true", "true", "true\n" },
	{ "null", "null", "null\n" },
	{ "[1.5,-2,1e21,1e-7,0.1,1.0,1E2]", "[1.5,-2,1e+21,1e-7,0.1,1,100]",
	  "[\n  1.5,\n  -2,\n  1e+21,\n  1e-7,\n  0.1,\n  1,\n  100\n]\n" },
	{ "{\"k\\\"ey\":\"v\\\\al\\n\",\"\\u00e9\":\"\\u20ac\\/\"}",
	  "{\"k\\\"ey\":\"v\\\\al\\n\",\"\xC3\xA9\":\"\xE2\x82\xAC/\"}",
	  "{\n  \"k\\\"ey\": \"v\\\\al\\n\",\n  \"\xC3\xA9\": \"\xE2\x82\xAC/\"\n}\n" },
	{ "[[1,[2,[3]]],{\"x\":{}}]", "[[1,[2,[3]]],{\"x\":{}}]",
	  "[\n  [\n    1,\n    [\n      2,\n      [\n        3\n      ]\n    ]\n  ],\n  {\n    \"x\": {}\n  }\n]\n" },
	{ "{\"\":\"\\u0001\"}", "{\"\":\"\\u0001\"}", "{\n  \"\": \"\\u0001\"\n}\n" },
};

START_TEST(test_print_docs)
{
	cJSON *v = parse_ok(print_cases[_i].doc, strlen(print_cases[_i].doc), NULL);
	char *c = print_compact(v), *p = print_pretty(v);
	ck_assert_str_eq(c, print_cases[_i].compact);
	ck_assert_str_eq(p, print_cases[_i].pretty);
	free(c);
	free(p);
	cJSON_Delete(v);
}
END_TEST

START_TEST(test_print_built)
{
	/* Trees built with cJSON directly, including a deep one. */
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "n", 42);
	cJSON_AddStringToObject(o, "s", "t\tab");
	cJSON_AddItemToObject(o, "a", cJSON_CreateArray());
	cJSON_AddItemToObject(o, "o", cJSON_CreateObject());
	cJSON_AddBoolToObject(o, "b", 0);
	char *c = print_compact(o);
	ck_assert_str_eq(c, "{\"n\":42,\"s\":\"t\\tab\",\"a\":[],\"o\":{},\"b\":false}");
	free(c);
	cJSON_Delete(o);

	cJSON *root = cJSON_CreateArray(), *cur = root;
	for (int i = 0; i < 200; i++) {
		cJSON *n = cJSON_CreateArray();
		cJSON_AddItemToArray(cur, n);
		cur = n;
	}
	char *p = print_pretty(root);
	/* The innermost "[]" is indented by 2 * 200 spaces. */
	char *inner = strstr(p, "[]");
	ck_assert_ptr_nonnull(inner);
	/* Before it, for each level d = 0..199: "[", "\n" and 2 * (d + 1) spaces. */
	ck_assert_int_eq(inner - p, 200 * 2 + 200 * 201);
	ck_assert_int_eq(inner[-401], '\n');
	ck_assert_int_eq(inner[-400], ' ');
	free(p);
	cJSON_Delete(root);
}
END_TEST

/* ------------------------------------------------------------- round trip */

/* a (parsed from doc) prints, pretty and compact, to text that parses
 * back to a and prints the same again. */
static void roundtrip_tree(const cJSON *a, const char *doc)
{
	char *pretty = print_pretty(a);
	char *compact = print_compact(a);
	cJSON *b = parse_ok(pretty, strlen(pretty), NULL);
	cJSON *c = parse_ok(compact, strlen(compact), NULL);
	REQUIRE_MSG(cJSON_Compare(a, b, 1), "pretty round trip of %.80s", doc);
	REQUIRE_MSG(cJSON_Compare(a, c, 1), "compact round trip of %.80s", doc);
	/* Printing is a fixed point after one pass. */
	char *pretty2 = print_pretty(b), *compact2 = print_compact(c);
	REQUIRE(strcmp(pretty, pretty2) == 0);
	REQUIRE(strcmp(compact, compact2) == 0);
	free(pretty);
	free(pretty2);
	free(compact);
	free(compact2);
	cJSON_Delete(b);
	cJSON_Delete(c);
}

static void roundtrip(const char *doc, size_t len)
{
	cJSON *a = parse_ok(doc, len, NULL);
	roundtrip_tree(a, doc);
	cJSON_Delete(a);
}

static const char *const roundtrip_docs[] = {
	"{\"name\":\"com.example.crm\",\"version\":\"1.2.3\",\"objects\":[{\"name\":\"crm_account\","
	"\"fields\":{\"id\":{\"type\":\"text\",\"required\":true},\"n\":{\"type\":\"number\",\"max\":1e300}}}]}",
	"[0,-0,1,-1,0.1,1e21,1e-7,5e-324,1.7976931348623157e308,123456789012,1e-5,18446744073709551616,"
	"0.30000000000000004,-2.5e-10]",
	"[\"\",\"x\",\"\\u0001\\u001f\\u007f\",\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"\\ud83d\\ude00\","
	"\"\xF4\x8F\xBF\xBF\",\"\xE2\x80\xA8\xE2\x80\xA9\"]",
	"{\"\":{\"\":{\"\":[]}},\"a\\nb\":null,\"\xC3\xA9\":[true,false]}",
	"[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
};

START_TEST(test_roundtrip_docs)
{
	roundtrip(roundtrip_docs[_i], strlen(roundtrip_docs[_i]));
}
END_TEST

static void gen_string(struct buf *b)
{
	static const char *const pieces[] = {
		"a", "Z", "0", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x01", "\x1f",
		"\x7f", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",
		"\xEF\xBB\xBF", "\xE2\x80\xA8", "\\u0041", "%", "{", "]",
	};
	unsigned n = rnd(12);
	for (unsigned i = 0; i < n; i++)
		buf_adds(b, pieces[rnd(N(pieces))]);
}

static cJSON *gen_value(int depth)
{
	unsigned k = rnd(depth > 6 ? 6 : 8);
	struct buf s = BUF_INIT;
	cJSON *v;
	switch (k) {
	case 0: return cJSON_CreateNull();
	case 1: return cJSON_CreateBool(rnd(2));
	case 2:
	case 3: return cJSON_CreateNumber(random_double());
	case 4:
	case 5:
		gen_string(&s);
		v = cJSON_CreateString(buf_str(&s));
		buf_free(&s);
		return v;
	case 6:
		v = cJSON_CreateArray();
		for (unsigned i = rnd(6); i > 0; i--)
			cJSON_AddItemToArray(v, gen_value(depth + 1));
		return v;
	default:
		v = cJSON_CreateObject();
		for (unsigned i = rnd(6); i > 0; i--) {
			buf_reset(&s);
			buf_printf(&s, "%u", i); /* unique within the object */
			gen_string(&s);
			cJSON_AddItemToObject(v, buf_str(&s), gen_value(depth + 1));
		}
		buf_free(&s);
		return v;
	}
}

START_TEST(test_roundtrip_random)
{
	rng_seed(4242);
	for (int i = 0; i < 3000; i++) {
		cJSON *t = gen_value(0);
		char *text = print_pretty(t);
		cJSON *back = parse_ok(text, strlen(text), NULL);
		REQUIRE_MSG(cJSON_Compare(t, back, 1), "tree %d: %.200s", i, text);
		roundtrip_tree(back, text);
		free(text);
		cJSON_Delete(back);
		cJSON_Delete(t);
	}
}
END_TEST

static Suite *json_print_suite(void)
{
	Suite *s = suite_create("json_print");
	TCase *tc;
	tc = tcase_create("print");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_number_table, 0, N(number_cases));
	tcase_add_loop_test(tc, test_number_bug_table, 0, N(number_bug_cases));
	tcase_add_test(tc, test_number_special);
	tcase_add_test(tc, test_number_roundtrip_random);
	tcase_add_test(tc, test_number_js_shape_random);
	tcase_add_test(tc, test_print_string);
	tcase_add_loop_test(tc, test_print_docs, 0, N(print_cases));
	tcase_add_test(tc, test_print_built);
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_roundtrip_docs, 0, N(roundtrip_docs));
	tcase_add_test(tc, test_roundtrip_random);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_print_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
