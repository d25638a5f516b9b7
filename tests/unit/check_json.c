/* check_json: unit tests for catalog/json_parse.c: valid and invalid
 * input with positions, limits, UTF-8.  The printer is check_json_print.c.
 *
 * Every document is parsed from a heap copy of exactly its length (no
 * terminating NUL), so a sanitizer build catches any read past the end.
 */
#include "catalog/json_parse.h"

#include <check.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "tests/unit/check_common.h"
#include "tests/unit/json_util.h"

/* ---------------------------------------------------------------- helpers */

static void expect_error(const char *s, size_t len, const struct json_limits *lim, int err,
			 unsigned line, unsigned col)
{
	struct json_error e;
	cJSON *v = parse_n(s, len, lim, &e);
	if (v)
		cJSON_Delete(v);
	ck_assert_msg(v == NULL, "accepted %.60s", s);
	ck_assert_msg(e.err == err, "%.60s: err %d, want %d (%s)", s, e.err, err, e.msg);
	ck_assert_msg(e.line == line && e.col == col, "%.60s: at %u:%u, want %u:%u (%s)", s,
		      e.line, e.col, line, col, e.msg);
	ck_assert_msg(e.msg[0] != '\0', "%.60s: empty message", s);
	ck_assert_uint_le(e.offset, len);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ valid input */

/* Documents that must be accepted, with their JSON type. */
static const struct { const char *text; size_t len; int type; } valid_cases[] = {
	{ S("true"), cJSON_True }, { S("false"), cJSON_False }, { S("null"), cJSON_NULL },
	{ S("0"), cJSON_Number }, { S("-0"), cJSON_Number }, { S(" 1 "), cJSON_Number },
	{ S("\t\r\n 1.5e3 \n"), cJSON_Number }, { S("\"\""), cJSON_String },
	{ S("\"abc\""), cJSON_String }, { S("[]"), cJSON_Array }, { S("{}"), cJSON_Object },
	{ S("[ ]"), cJSON_Array }, { S("{ \n }"), cJSON_Object },
	{ S("[1,\"a\",true,false,null,[],{}]"), cJSON_Array },
	{ S(" { \"a\" : [ 1 , 2 ] , \"b\" : { } } "), cJSON_Object },
	{ S("[\r\n1\r\n,\r\n2\r\n]"), cJSON_Array },
	{ S("{\"a\":{\"a\":{\"a\":1}}}"), cJSON_Object }, /* same key, different objects */
	{ S("[{\"a\":1},{\"a\":2}]"), cJSON_Array },
	{ S("{\"a\":1,\"A\":2,\"a \":3,\" a\":4}"), cJSON_Object },
	{ S("\"\x7f\""), cJSON_String },          /* DEL needs no escape */
	{ S("\"\xEF\xBF\xBF\xEF\xBF\xBE\""), cJSON_String }, /* noncharacters are valid */
	{ S("\"\\uFFFF\""), cJSON_String },
	{ S("\"\xEF\xBB\xBF\""), cJSON_String },  /* U+FEFF inside a string is fine */
	{ S("1E2"), cJSON_Number }, { S("1e+2"), cJSON_Number }, { S("1E-2"), cJSON_Number },
	{ S("-0.0e-0"), cJSON_Number }, { S("0e0"), cJSON_Number },
};

START_TEST(test_valid_table)
{
	cJSON *v = parse_ok(valid_cases[_i].text, valid_cases[_i].len, NULL);
	ck_assert_int_eq(v->type & 0xFF, valid_cases[_i].type);
	cJSON_Delete(v);
}
END_TEST

START_TEST(test_string_escapes)
{
	static const struct { const char *text; size_t len; const char *want; } cases[] = {
		{ S("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), "\"\\/\b\f\n\r\t" },
		{ S("\"\\u0041\""), "A" },
		{ S("\"\\u0001\\u001f\\u001F\""), "\x01\x1f\x1f" },
		{ S("\"\\u007F\""), "\x7f" },
		{ S("\"\\u0080\""), "\xC2\x80" },
		{ S("\"\\u00e9\\u00E9\""), "\xC3\xA9\xC3\xA9" },
		{ S("\"\\u07FF\""), "\xDF\xBF" },
		{ S("\"\\u0800\""), "\xE0\xA0\x80" },
		{ S("\"\\u20AC\""), "\xE2\x82\xAC" },
		{ S("\"\\uD7FF\\uE000\""), "\xED\x9F\xBF\xEE\x80\x80" },
		{ S("\"\\uFFFF\""), "\xEF\xBF\xBF" },
		{ S("\"\\uD800\\uDC00\""), "\xF0\x90\x80\x80" },       /* U+10000 */
		{ S("\"\\uD83D\\uDE00\""), "\xF0\x9F\x98\x80" },       /* U+1F600 */
		{ S("\"\\ud83d\\ude00\""), "\xF0\x9F\x98\x80" },
		{ S("\"\\uD834\\uDD1E\""), "\xF0\x9D\x84\x9E" },       /* U+1D11E */
		{ S("\"\\uDBFF\\uDFFF\""), "\xF4\x8F\xBF\xBF" },       /* U+10FFFF */
		{ S("\"a\\uD83D\\uDE00b\\n\""), "a\xF0\x9F\x98\x80" "b\n" },
		{ S("\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\""), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80" },
		{ S("\"\\\\u0041\""), "\\u0041" },
		{ S("\"/\""), "/" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		cJSON *v = parse_ok(cases[i].text, cases[i].len, NULL);
		ck_assert(cJSON_IsString(v));
		ck_assert_msg(strcmp(v->valuestring, cases[i].want) == 0, "case %zu: %s", i,
			      cases[i].text);
		cJSON_Delete(v);
	}
}
END_TEST

START_TEST(test_numbers)
{
	static const struct { const char *text; double want; } cases[] = {
		{ "0", 0.0 }, { "1", 1.0 }, { "-1", -1.0 }, { "1.5", 1.5 }, { "-1.25E-2", -0.0125 },
		{ "1e3", 1000.0 }, { "1E+3", 1000.0 }, { "1e-3", 0.001 }, { "0.5e1", 5.0 },
		{ "0.1", 0.1 }, { "123456789012", 123456789012.0 },
		{ "9007199254740993", 9007199254740992.0 },
		{ "1.7976931348623157e308", DBL_MAX }, { "-1.7976931348623157e308", -DBL_MAX },
		{ "2.2250738585072014e-308", DBL_MIN }, { "5e-324", 4.9406564584124654e-324 },
		{ "1e-400", 0.0 }, /* underflow is not overflow: JSON.parse gives 0 too */
		{ "0e0", 0.0 }, { "0.0", 0.0 }, { "10", 10.0 }, { "1E1", 10.0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		cJSON *v = parse_ok(cases[i].text, strlen(cases[i].text), NULL);
		ck_assert(cJSON_IsNumber(v));
		ck_assert_msg(v->valuedouble == cases[i].want, "%s -> %.17g", cases[i].text,
			      v->valuedouble);
		cJSON_Delete(v);
	}
	cJSON *v = parse_ok(S("-0"), NULL);
	ck_assert(v->valuedouble == 0 && signbit(v->valuedouble));
	cJSON_Delete(v);

	/* Longer than the parser's on-stack copy. */
	char big[400];
	memset(big, 0, sizeof(big));
	strcpy(big, "0.");
	memset(big + 2, '0', 100);
	strcat(big, "1");
	v = parse_ok(big, strlen(big), NULL);
	ck_assert(v->valuedouble == 1e-101);
	cJSON_Delete(v);
	big[0] = '1';
	memset(big + 1, '0', 300);
	big[301] = '\0';
	v = parse_ok(big, strlen(big), NULL);
	ck_assert(v->valuedouble == 1e300);
	cJSON_Delete(v);
	memset(big + 1, '0', 350);
	big[351] = '\0';
	expect_error(big, strlen(big), NULL, EINVAL, 1, 1); /* 1e350: out of range */
}
END_TEST

START_TEST(test_structure)
{
	cJSON *v = parse_ok(S("{\"z\":1,\"a\":[1,\"s\",true,false,null],\"m\":{\"\\n\":{}},\"\":0}"), NULL);
	ck_assert(cJSON_IsObject(v));
	ck_assert_int_eq(cJSON_GetArraySize(v), 4);
	const cJSON *c = v->child;
	ck_assert_str_eq(c->string, "z"); /* document order kept */
	ck_assert(c->valuedouble == 1);
	c = c->next;
	ck_assert_str_eq(c->string, "a");
	ck_assert(cJSON_IsArray(c));
	ck_assert_int_eq(cJSON_GetArraySize(c), 5);
	ck_assert(cJSON_IsNumber(cJSON_GetArrayItem(c, 0)));
	ck_assert_str_eq(cJSON_GetArrayItem(c, 1)->valuestring, "s");
	ck_assert(cJSON_IsTrue(cJSON_GetArrayItem(c, 2)));
	ck_assert(cJSON_IsFalse(cJSON_GetArrayItem(c, 3)));
	ck_assert(cJSON_IsNull(cJSON_GetArrayItem(c, 4)));
	c = c->next;
	ck_assert_str_eq(c->string, "m");
	ck_assert(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(c, "\n")));
	c = c->next;
	ck_assert_str_eq(c->string, "");
	ck_assert_ptr_null(c->next);
	cJSON_Delete(v);
}
END_TEST

/* Only buf[0..len) is the document: what follows is not looked at. */
START_TEST(test_exact_length)
{
	cJSON *v = parse_ok("123", 2, NULL);
	ck_assert(v->valuedouble == 12);
	cJSON_Delete(v);
	v = parse_ok("truex", 4, NULL);
	ck_assert(cJSON_IsTrue(v));
	cJSON_Delete(v);
	v = parse_ok("[1,2]xyz", 5, NULL);
	ck_assert_int_eq(cJSON_GetArraySize(v), 2);
	cJSON_Delete(v);
	v = parse_ok("\"ab\"\"", 4, NULL);
	ck_assert_str_eq(v->valuestring, "ab");
	cJSON_Delete(v);
	expect_error("\"ab\"", 3, NULL, EINVAL, 1, 1);   /* unterminated */
	expect_error("[1,2]", 3, NULL, EINVAL, 1, 4);    /* "[1," */
	expect_error("true", 3, NULL, EINVAL, 1, 1);     /* "tru" */
	expect_error("1.5", 2, NULL, EINVAL, 1, 2);      /* "1." */
	expect_error("\"\\u0041\"", 5, NULL, EINVAL, 1, 2); /* "\u00 */
	expect_error("\"\\uD83D\\uDE00\"", 10, NULL, EINVAL, 1, 2); /* pair cut */
	expect_error("\"\xC3\xA9\"", 2, NULL, EINVAL, 1, 2);        /* é cut */
	expect_error("\"\xF0\x9F\x98\x80\"", 4, NULL, EINVAL, 1, 2);
	ck_assert_ptr_null(json_parse("1", 0, NULL, &(struct json_error){ 0 }));
}
END_TEST

/* ---------------------------------------------------------- invalid input */

static const struct {
	const char *text;
	size_t len;
	int err;
	unsigned line, col;
} invalid_cases[] = {
	/* empty */
	{ S(""), EINVAL, 1, 1 },
	{ S(" \n\t "), EINVAL, 2, 3 },
	/* number grammar */
	{ S("01"), EINVAL, 1, 1 }, { S("-01"), EINVAL, 1, 1 }, { S("00"), EINVAL, 1, 1 },
	{ S("[00]"), EINVAL, 1, 2 }, { S("1."), EINVAL, 1, 2 }, { S("1.e5"), EINVAL, 1, 2 },
	{ S("[1.]"), EINVAL, 1, 3 }, { S("-.5"), EINVAL, 1, 1 }, { S("+1"), EINVAL, 1, 1 },
	{ S(".5"), EINVAL, 1, 1 }, { S("-"), EINVAL, 1, 1 }, { S("-a"), EINVAL, 1, 1 },
	{ S("- 1"), EINVAL, 1, 1 }, { S("1e"), EINVAL, 1, 2 }, { S("1e+"), EINVAL, 1, 2 },
	{ S("1E-x"), EINVAL, 1, 2 }, { S("0x10"), EINVAL, 1, 2 }, { S("1 000"), EINVAL, 1, 3 },
	{ S("1_000"), EINVAL, 1, 2 }, { S("1e400"), EINVAL, 1, 1 }, { S("-1e400"), EINVAL, 1, 1 },
	{ S("1e309"), EINVAL, 1, 1 }, { S("[0, 1.8e308]"), EINVAL, 1, 5 },
	{ S("Infinity"), EINVAL, 1, 1 }, { S("-Infinity"), EINVAL, 1, 1 },
	{ S("NaN"), EINVAL, 1, 1 }, { S("123abc"), EINVAL, 1, 4 },
	/* literals */
	{ S("tru"), EINVAL, 1, 1 }, { S("True"), EINVAL, 1, 1 }, { S("nul"), EINVAL, 1, 1 },
	{ S("NULL"), EINVAL, 1, 1 }, { S("nulll"), EINVAL, 1, 5 },
	{ S("truefalse"), EINVAL, 1, 5 }, { S("undefined"), EINVAL, 1, 1 },
	/* strings */
	{ S("\"abc"), EINVAL, 1, 1 }, { S("\""), EINVAL, 1, 1 },
	{ S("\"a\tb\""), EINVAL, 1, 3 }, { S("\"a\nb\""), EINVAL, 1, 3 },
	{ S("\"\x1f\""), EINVAL, 1, 2 }, { S("'a'"), EINVAL, 1, 1 },
	{ S("\"\\x\""), EINVAL, 1, 2 }, { S("\"\\'\""), EINVAL, 1, 2 },
	{ S("\"\\U0041\""), EINVAL, 1, 2 }, { S("\"\\a\""), EINVAL, 1, 2 },
	{ S("\"\\"), EINVAL, 1, 2 },
	{ S("\"\\u12\""), EINVAL, 1, 2 }, { S("\"\\u12G4\""), EINVAL, 1, 2 },
	{ S("\"\\u12"), EINVAL, 1, 2 }, { S("\"\\u-123\""), EINVAL, 1, 2 },
	/* surrogate escapes */
	{ S("\"\\uDC00\""), EINVAL, 1, 2 }, { S("\"\\uDFFF\""), EINVAL, 1, 2 },
	{ S("\"\\uD800\""), EINVAL, 1, 2 }, { S("\"\\uDBFF\""), EINVAL, 1, 2 },
	{ S("\"\\uD800\\u0041\""), EINVAL, 1, 2 }, { S("\"\\uD800\\uD800\""), EINVAL, 1, 2 },
	{ S("\"x\\uDBFFabcdef\""), EINVAL, 1, 3 }, { S("\"\\uD800\\n\""), EINVAL, 1, 2 },
	{ S("\"\\uDC00\\uD800\""), EINVAL, 1, 2 }, { S("\"\\uD83D\\uDE0\""), EINVAL, 1, 2 },
	{ S("\"\\uD800\\uE000\""), EINVAL, 1, 2 }, { S("\"\\uDBFF\\uFFFF\""), EINVAL, 1, 2 },
	{ S("\"\\uD800\\uDBFF\""), EINVAL, 1, 2 },
	/* invalid UTF-8 in strings */
	{ S("\"\xC0\x80\""), EINVAL, 1, 2 },          /* overlong NUL */
	{ S("\"\xC1\xBF\""), EINVAL, 1, 2 },          /* overlong 2-byte */
	{ S("\"\xE0\x80\x80\""), EINVAL, 1, 2 },      /* overlong 3-byte */
	{ S("\"\xE0\x9F\xBF\""), EINVAL, 1, 2 },
	{ S("\"\xF0\x80\x80\x80\""), EINVAL, 1, 2 },  /* overlong 4-byte */
	{ S("\"\xF0\x8F\xBF\xBF\""), EINVAL, 1, 2 },
	{ S("\"\xED\xA0\x80\""), EINVAL, 1, 2 },      /* U+D800 */
	{ S("\"\xED\xBF\xBF\""), EINVAL, 1, 2 },      /* U+DFFF */
	{ S("\"\xED\xA0\xBD\xED\xB8\x80\""), EINVAL, 1, 2 }, /* CESU-8 pair */
	{ S("\"\xF4\x90\x80\x80\""), EINVAL, 1, 2 },  /* U+110000 */
	{ S("\"\xF5\x80\x80\x80\""), EINVAL, 1, 2 },
	{ S("\"\xF8\x88\x80\x80\x80\""), EINVAL, 1, 2 },
	{ S("\"\xFE\""), EINVAL, 1, 2 }, { S("\"\xFF\""), EINVAL, 1, 2 },
	{ S("\"\x80\""), EINVAL, 1, 2 }, { S("\"\xBF\""), EINVAL, 1, 2 },
	{ S("\"\xC3\""), EINVAL, 1, 2 }, { S("\"\xC3"), EINVAL, 1, 2 },
	{ S("\"\xE2\x82\""), EINVAL, 1, 2 }, { S("\"\xF0\x9F\x98\""), EINVAL, 1, 2 },
	{ S("\"\xC3\x41\""), EINVAL, 1, 2 }, { S("\"\xE2\x41\x82\""), EINVAL, 1, 2 },
	{ S("\"\xE2\x82\x41\""), EINVAL, 1, 2 },
	{ S("\"\xC3\xA9\xFF\""), EINVAL, 1, 3 },      /* after "é": column counts characters */
	{ S("\"\xE2\x82\xAC\xE2\x82\xAC\x01\""), EINVAL, 1, 4 },
	/* bytes that may not start a value */
	{ S("\xFF"), EINVAL, 1, 1 }, { S("\xC3\xA9"), EINVAL, 1, 1 }, { S("[\xC3\xA9]"), EINVAL, 1, 2 },
	/* NUL */
	{ S("\0"), EINVAL, 1, 1 }, { S(" \0"), EINVAL, 1, 2 }, { S("[1,\0]"), EINVAL, 1, 4 },
	{ S("1\0"), EINVAL, 1, 2 }, { S("{}\0"), EINVAL, 1, 3 }, { S("\"a\0b\""), EINVAL, 1, 3 },
	{ S("\"ab\\u0000\""), EINVAL, 1, 4 }, { S("{\"a\\u0000\":1}"), EINVAL, 1, 4 },
	{ S("{\"a\0\":1}"), EINVAL, 1, 4 },
	/* byte order mark */
	{ S("\xEF\xBB\xBF{}"), EINVAL, 1, 1 }, { S("\xEF\xBB\xBF"), EINVAL, 1, 1 },
	{ S("\xEF\xBB\xBF 1"), EINVAL, 1, 1 }, { S(" \xEF\xBB\xBF{}"), EINVAL, 1, 2 },
	{ S("{}\xEF\xBB\xBF"), EINVAL, 1, 3 },
	/* structure */
	{ S("[1,]"), EINVAL, 1, 4 }, { S("[1 2]"), EINVAL, 1, 4 }, { S("[,1]"), EINVAL, 1, 2 },
	{ S("[1,,2]"), EINVAL, 1, 4 }, { S("[1:2]"), EINVAL, 1, 3 }, { S("[1]]"), EINVAL, 1, 4 },
	{ S("{\"a\" 1}"), EINVAL, 1, 6 }, { S("{\"a\":1,}"), EINVAL, 1, 8 },
	{ S("{a:1}"), EINVAL, 1, 2 }, { S("{'a':1}"), EINVAL, 1, 2 }, { S("{1:2}"), EINVAL, 1, 2 },
	{ S("{null:1}"), EINVAL, 1, 2 }, { S("{\"a\":}"), EINVAL, 1, 6 },
	{ S("{\"a\"}"), EINVAL, 1, 5 }, { S("{\"a\",1}"), EINVAL, 1, 5 },
	{ S("{\"a\":1 \"b\":2}"), EINVAL, 1, 8 }, { S("{,}"), EINVAL, 1, 2 },
	{ S("{\"a\":1]"), EINVAL, 1, 7 }, { S("[1}"), EINVAL, 1, 3 },
	{ S("["), EINVAL, 1, 2 }, { S("{"), EINVAL, 1, 2 }, { S("[1"), EINVAL, 1, 3 },
	{ S("{\"a\""), EINVAL, 1, 5 }, { S("{\"a\":"), EINVAL, 1, 6 }, { S("{\"a\":1"), EINVAL, 1, 7 },
	{ S("]"), EINVAL, 1, 1 }, { S("}"), EINVAL, 1, 1 }, { S(":"), EINVAL, 1, 1 },
	{ S(","), EINVAL, 1, 1 }, { S("{} {}"), EINVAL, 1, 4 }, { S("1 2"), EINVAL, 1, 3 },
	{ S("\"a\" \"b\""), EINVAL, 1, 5 }, { S("/*x*/1"), EINVAL, 1, 1 },
	{ S("[1]//"), EINVAL, 1, 4 }, { S("[1]\f"), EINVAL, 1, 4 }, { S("\v1"), EINVAL, 1, 1 },
	{ S("\xC2\xA0" "1"), EINVAL, 1, 1 }, /* NBSP is not JSON whitespace */
	/* duplicate keys: the position is the second occurrence's */
	{ S("{\"a\":1,\"b\":2,\"a\":3}"), EINVAL, 1, 14 },
	{ S("{\"a\":1,\"\\u0061\":2}"), EINVAL, 1, 8 },
	{ S("{\"a\":1,\"a\":2,\"a\":3}"), EINVAL, 1, 8 },
	{ S("{\"a\":1,\"b\":1,\"b\":2,\"a\":2}"), EINVAL, 1, 14 },
	{ S("{\"a\":1,\"b\":1,\"a\":2,\"b\":2}"), EINVAL, 1, 14 },
	{ S("{\"x\":{\"a\":1,\"a\":2}}"), EINVAL, 1, 13 },
	{ S("{\"\":1,\"\":2}"), EINVAL, 1, 7 },
	{ S("{\"\xC3\xA9\":1,\"\\u00e9\":2}"), EINVAL, 1, 8 },
	{ S("{\"\\uD83D\\uDE00\":1,\"\xF0\x9F\x98\x80\":2}"), EINVAL, 1, 19 },
	/* multi-line documents */
	{ S("{\n  \"name\": \"x\",\n  \"version\": 01\n}"), EINVAL, 3, 14 },
	{ S("[\r\n  1,\r\n  2,\r\n]"), EINVAL, 4, 1 },
	{ S("{\n\t\"\xC3\xA9\": \"x\",\n\t\"\xC3\xA9\": \"y\"\n}"), EINVAL, 3, 2 },
	{ S("[\n  \"ok\",\n  \"\xE6\x97\xA5\xE6\x9C\xAC\x01\"\n]"), EINVAL, 3, 6 },
	{ S("[\n 1,\n 1e999]"), EINVAL, 3, 2 },
	{ S("{\n  \"a\": [\n    true,\n    fals\n  ]\n}"), EINVAL, 4, 5 },
	{ S("\n\n\n   x"), EINVAL, 4, 4 },
	{ S("[\n  \"abc\n]"), EINVAL, 2, 7 },
	{ S("[\n  \"abc"), EINVAL, 2, 3 },
	{ S("{\n  \"a\": 1\n}\n\n x"), EINVAL, 5, 2 },
	{ S("{\n  \"a\": \"\\uD800\"\n}"), EINVAL, 2, 9 },
	{ S("{\n  \"k\": \"\xE2\x82\xAC\\u0000\"\n}"), EINVAL, 2, 10 },
	{ S("{\n  \"a\": 1,\n  \"b\": {\n    \"c\": 2,\n    \"c\": 3\n  }\n}"), EINVAL, 5, 5 },
};

START_TEST(test_invalid_table)
{
	expect_error(invalid_cases[_i].text, invalid_cases[_i].len, NULL, invalid_cases[_i].err,
		     invalid_cases[_i].line, invalid_cases[_i].col);
}
END_TEST

START_TEST(test_error_messages)
{
	struct json_error e;
	ck_assert_ptr_null(parse_n(S("{\"name\":1,\"name\":2}"), NULL, &e));
	ck_assert_msg(strstr(e.msg, "duplicate key \"name\"") != NULL, "%s", e.msg);
	ck_assert_uint_eq(e.offset, 10);
	ck_assert_uint_eq(e.col, 11);
	ck_assert_ptr_null(parse_n(S("[1,2"), NULL, &e));
	ck_assert_uint_eq(e.offset, 4);
	ck_assert_ptr_null(parse_n(S("\xEF\xBB\xBF{}"), NULL, &e));
	ck_assert_uint_eq(e.offset, 0);
	ck_assert_msg(strstr(e.msg, "byte order mark") != NULL, "%s", e.msg);
	/* NUL is named as such, not as just another control character. */
	ck_assert_ptr_null(parse_n(S("\"a\0\""), NULL, &e));
	ck_assert_msg(strstr(e.msg, "NUL") != NULL, "%s", e.msg);
	ck_assert_ptr_null(parse_n(S("\"\\u0000\""), NULL, &e));
	ck_assert_msg(strstr(e.msg, "NUL") != NULL, "%s", e.msg);
	ck_assert_ptr_null(parse_n(S("[\0]"), NULL, &e));
	ck_assert_msg(strstr(e.msg, "NUL") != NULL, "%s", e.msg);
	/* A second call starts from a clean error. */
	cJSON *v = parse_n(S("[]"), NULL, &e);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(e.err, 0);
	cJSON_Delete(v);
	/* A long key is cut in the message, which stays terminated. */
	char doc[700];
	char key[300];
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	int n = snprintf(doc, sizeof(doc), "{\"%s\":1,\"%s\":2}", key, key);
	ck_assert_int_lt(n, (int)sizeof(doc));
	ck_assert_ptr_null(parse_n(doc, (size_t)n, NULL, &e));
	ck_assert_int_eq(e.err, EINVAL);
	ck_assert_uint_lt(strlen(e.msg), sizeof(e.msg));
	ck_assert_uint_eq(e.col, (unsigned)(sizeof(key) - 1) + 7); /* offset 305 */
}
END_TEST

/* ------------------------------------------------------------------ depth */

/* n nested arrays around "1". */
static char *nest_arrays(size_t n, size_t *len)
{
	char *s = malloc(2 * n + 2);
	ck_assert_ptr_nonnull(s);
	memset(s, '[', n);
	s[n] = '1';
	memset(s + n + 1, ']', n);
	s[2 * n + 1] = '\0';
	*len = 2 * n + 1;
	return s;
}

/* n nested objects {"a": ... 1 ... }. */
static char *nest_objects(size_t n, size_t *len)
{
	char *s = malloc(6 * n + 2);
	ck_assert_ptr_nonnull(s);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(s + k, "{\"a\":", 5);
		k += 5;
	}
	s[k++] = '1';
	memset(s + k, '}', n);
	k += n;
	s[k] = '\0';
	*len = k;
	return s;
}

START_TEST(test_depth_default)
{
	size_t len;
	char *s = nest_arrays(128, &len);
	cJSON *v = parse_ok(s, len, NULL);
	cJSON_Delete(v);
	free(s);
	s = nest_arrays(129, &len);
	expect_error(s, len, NULL, EINVAL, 1, 129);
	struct json_error e;
	ck_assert_ptr_null(parse_n(s, len, NULL, &e));
	ck_assert_msg(strstr(e.msg, "128") != NULL, "%s", e.msg);
	free(s);

	s = nest_objects(128, &len);
	v = parse_ok(s, len, NULL);
	cJSON_Delete(v);
	free(s);
	s = nest_objects(129, &len);
	expect_error(s, len, NULL, EINVAL, 1, 128 * 5 + 1);
	free(s);

	/* Alternating arrays and objects, each level on its own line. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 129; i++)
		buf_adds(&b, i % 2 ? "{\"k\":\n" : "[\n");
	buf_adds(&b, "0");
	for (int i = 128; i >= 0; i--)
		buf_adds(&b, i % 2 ? "}" : "]");
	expect_error(b.p, b.len, NULL, EINVAL, 129, 1);
	/* 128 levels of the same shape are fine. */
	buf_reset(&b);
	for (int i = 0; i < 128; i++)
		buf_adds(&b, i % 2 ? "{\"k\":\n" : "[\n");
	buf_adds(&b, "0");
	for (int i = 127; i >= 0; i--)
		buf_adds(&b, i % 2 ? "}" : "]");
	v = parse_ok(b.p, b.len, NULL);
	cJSON_Delete(v);
	buf_free(&b);
}
END_TEST

START_TEST(test_depth_limits)
{
	struct json_limits one = { 1, JSON_DEFAULT_VALUES }, zero = { 0, JSON_DEFAULT_VALUES };
	cJSON *v = parse_ok(S("[1,2,\"x\"]"), &one);
	cJSON_Delete(v);
	v = parse_ok(S("{\"a\":1}"), &one);
	cJSON_Delete(v);
	expect_error(S("[[]]"), &one, EINVAL, 1, 2);
	expect_error(S("[1,{}]"), &one, EINVAL, 1, 4);
	expect_error(S("{\"a\":{}}"), &one, EINVAL, 1, 6);
	v = parse_ok(S("1"), &zero);
	cJSON_Delete(v);
	v = parse_ok(S("\"s\""), &zero);
	cJSON_Delete(v);
	expect_error(S("[]"), &zero, EINVAL, 1, 1);
	expect_error(S(" {}"), &zero, EINVAL, 1, 2);
	struct json_limits deep = { 1000, JSON_DEFAULT_VALUES };
	size_t len;
	char *s = nest_arrays(1000, &len);
	v = parse_ok(s, len, &deep);
	cJSON_Delete(v);
	free(s);
	s = nest_arrays(1001, &len);
	expect_error(s, len, &deep, EINVAL, 1, 1001);
	free(s);
}
END_TEST

START_TEST(test_depth_hostile)
{
	size_t len;
	char *s = nest_arrays(100000, &len);
	double t0 = now();
	expect_error(s, len, NULL, EINVAL, 1, 129);
	/* Unterminated, as a truncated upload would be. */
	expect_error(s, 100000, NULL, EINVAL, 1, 129);
	free(s);
	s = nest_objects(100000, &len);
	expect_error(s, len, NULL, EINVAL, 1, 128 * 5 + 1);
	free(s);
	double dt = now() - t0;
	ck_assert_msg(dt < 2.0, "100,000 levels took %.2f s", dt);
}
END_TEST

/* ----------------------------------------------------------- value limits */

START_TEST(test_max_values)
{
	struct json_limits three = { JSON_DEFAULT_DEPTH, 3 };
	cJSON *v = parse_ok(S("[1,2]"), &three);
	cJSON_Delete(v);
	expect_error(S("[1,2,3]"), &three, EFBIG, 1, 6);
	v = parse_ok(S("{\"a\":1,\"b\":2}"), &three); /* keys are not values */
	cJSON_Delete(v);
	expect_error(S("{\"a\":1,\"b\":2,\"c\":3}"), &three, EFBIG, 1, 18);
	expect_error(S("[[[[]]]]"), &three, EFBIG, 1, 4);
	expect_error(S("[\n [],\n {},\n \"x\"\n]"), &three, EFBIG, 4, 2);

	struct json_limits one = { JSON_DEFAULT_DEPTH, 1 };
	v = parse_ok(S("1"), &one);
	cJSON_Delete(v);
	v = parse_ok(S("[]"), &one);
	cJSON_Delete(v);
	v = parse_ok(S("{}"), &one);
	cJSON_Delete(v);
	expect_error(S("[1]"), &one, EFBIG, 1, 2);
	expect_error(S("{\"a\":null}"), &one, EFBIG, 1, 6);

	struct json_limits none = { JSON_DEFAULT_DEPTH, 0 };
	expect_error(S("1"), &none, EFBIG, 1, 1);
	expect_error(S("  null"), &none, EFBIG, 1, 3);

	/* 10,000 values exactly, then one more. */
	struct json_limits tenk = { JSON_DEFAULT_DEPTH, 10000 };
	struct buf b = BUF_INIT;
	buf_addc(&b, '[');
	for (int i = 0; i < 9999; i++)
		buf_adds(&b, i ? ",0" : "0");
	buf_addc(&b, ']');
	v = parse_ok(b.p, b.len, &tenk);
	ck_assert_int_eq(cJSON_GetArraySize(v), 9999);
	cJSON_Delete(v);
	b.len--;
	buf_adds(&b, ",7]");
	expect_error(b.p, b.len, &tenk, EFBIG, 1, (unsigned)b.len - 1);
	buf_free(&b);
}
END_TEST

/* ------------------------------------------------------------ big objects */

#define BIG 200000

/* {"k0": 0, ...} with one member per line; key_of(i) names member i. */
static char *big_object(long dup_at, long dup_of, size_t *len, size_t *dup_off)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\n");
	for (long i = 0; i < BIG; i++) {
		long k = i == dup_at ? dup_of : i;
		if (i == dup_at)
			*dup_off = b.len + 2;
		buf_printf(&b, "  \"k%ld\": %ld%s\n", k, i, i + 1 < BIG ? "," : "");
	}
	buf_adds(&b, "}\n");
	ck_assert_int_eq(buf_error(&b), 0);
	return buf_detach(&b, len);
}

START_TEST(test_big_object)
{
	size_t len, off = 0;
	char *s = big_object(-1, -1, &len, &off);
	double t0 = now();
	cJSON *v = parse_ok(s, len, NULL);
	double dt = now() - t0;
	REQUIRE(cJSON_GetArraySize(v) == BIG);
	long i = 0;
	char key[32];
	for (const cJSON *c = v->child; c; c = c->next, i++) {
		snprintf(key, sizeof(key), "k%ld", i);
		REQUIRE(strcmp(c->string, key) == 0);
		REQUIRE(c->valuedouble == (double)i);
	}
	REQUIRE(i == BIG);
	cJSON_Delete(v);
	free(s);
	REQUIRE_MSG(dt < 10.0, "200,000 keys took %.2f s", dt);
}
END_TEST

START_TEST(test_big_object_duplicate)
{
	size_t len, off = 0;
	/* k777 again at member 150000: reported there (line 150002, col 3). */
	char *s = big_object(150000, 777, &len, &off);
	struct json_error e;
	ck_assert_ptr_null(parse_n(s, len, NULL, &e));
	ck_assert_int_eq(e.err, EINVAL);
	ck_assert_uint_eq(e.offset, off);
	ck_assert_uint_eq(e.line, 150002);
	ck_assert_uint_eq(e.col, 3);
	ck_assert_msg(strstr(e.msg, "\"k777\"") != NULL, "%s", e.msg);
	free(s);
	/* k199999 first at member 3: its second occurrence is the last member. */
	s = big_object(3, BIG - 1, &len, &off);
	ck_assert_ptr_null(parse_n(s, len, NULL, &e));
	ck_assert_uint_eq(e.line, BIG + 1);
	ck_assert_uint_eq(e.col, 3);
	ck_assert_msg(strstr(e.msg, "\"k199999\"") != NULL, "%s", e.msg);
	free(s);
}
END_TEST

/* ------------------------------------------------------------------ UTF-8 */

/* Independent reference: decode, then reject overlongs, surrogates and
 * code points above U+10FFFF. */
static int ref_utf8_valid(const unsigned char *s, size_t n)
{
	static const unsigned min[] = { 0, 0x80, 0x800, 0x10000 };
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i], cp, need;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			need = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			need = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			need = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i - 1 < need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

START_TEST(test_utf8_table)
{
	static const struct { const char *s; size_t len; int ok; } cases[] = {
		{ S(""), 1 }, { S("abc"), 1 }, { S("\0"), 1 }, { S("a\0b"), 1 }, { S("\x7f"), 1 },
		{ S("\xC2\x80"), 1 }, { S("\xDF\xBF"), 1 }, { S("\xE0\xA0\x80"), 1 },
		{ S("\xED\x9F\xBF"), 1 }, { S("\xEE\x80\x80"), 1 }, { S("\xEF\xBF\xBF"), 1 },
		{ S("\xF0\x90\x80\x80"), 1 }, { S("\xF0\x9D\x84\x9E"), 1 }, { S("\xF4\x8F\xBF\xBF"), 1 },
		{ S("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), 1 },
		{ S("\x80"), 0 }, { S("\xBF"), 0 }, { S("\xC0\x80"), 0 }, { S("\xC1\xBF"), 0 },
		{ S("\xE0\x80\x80"), 0 }, { S("\xE0\x9F\xBF"), 0 }, { S("\xF0\x80\x80\x80"), 0 },
		{ S("\xF0\x8F\xBF\xBF"), 0 }, { S("\xED\xA0\x80"), 0 }, { S("\xED\xBF\xBF"), 0 },
		{ S("\xF4\x90\x80\x80"), 0 }, { S("\xF5\x80\x80\x80"), 0 }, { S("\xF7\xBF\xBF\xBF"), 0 },
		{ S("\xF8\x88\x80\x80\x80"), 0 }, { S("\xFC\x84\x80\x80\x80\x80"), 0 },
		{ S("\xFE"), 0 }, { S("\xFF"), 0 }, { S("\xC3"), 0 }, { S("\xE2\x82"), 0 },
		{ S("\xF0\x9F\x98"), 0 }, { S("\xC3\x41"), 0 }, { S("\xE2\x41\x82"), 0 },
		{ S("\xE2\x82\x41"), 0 }, { S("\xF0\x9F\x41\x80"), 0 }, { S("\xF0\x9F\x98\x41"), 0 },
		{ S("abc\xC3"), 0 }, { S("\xC3\xA9\xC3"), 0 }, { S("\xC3\xC3\xA9"), 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char *copy = malloc(cases[i].len ? cases[i].len : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, cases[i].s, cases[i].len);
		ck_assert_msg(json_utf8_valid(copy, cases[i].len) == cases[i].ok, "case %zu", i);
		free(copy);
	}
	/* Only len bytes count. */
	ck_assert_int_eq(json_utf8_valid("\xC3\xA9", 1), 0);
	ck_assert_int_eq(json_utf8_valid("a\xFF", 1), 1);
}
END_TEST

START_TEST(test_utf8_exhaustive)
{
	unsigned char b[4];
	for (unsigned x = 0; x < 256; x++) {
		b[0] = (unsigned char)x;
		REQUIRE(json_utf8_valid((char *)b, 1) == ref_utf8_valid(b, 1));
		for (unsigned y = 0; y < 256; y++) {
			b[1] = (unsigned char)y;
			REQUIRE_MSG(json_utf8_valid((char *)b, 2) == ref_utf8_valid(b, 2),
				    "%02X %02X", x, y);
			for (unsigned z = 0; z < 256; z++) {
				b[2] = (unsigned char)z;
				if (json_utf8_valid((char *)b, 3) != ref_utf8_valid(b, 3))
					ck_abort_msg("%02X %02X %02X", x, y, z);
			}
		}
	}
	static const unsigned char last[] = { 0x00, 0x41, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF };
	for (unsigned x = 0xF0; x < 0x100; x++)
		for (unsigned y = 0; y < 256; y++)
			for (unsigned z = 0; z < 256; z++)
				for (size_t w = 0; w < N(last); w++) {
					b[0] = (unsigned char)x;
					b[1] = (unsigned char)y;
					b[2] = (unsigned char)z;
					b[3] = last[w];
					if (json_utf8_valid((char *)b, 4) != ref_utf8_valid(b, 4))
						ck_abort_msg("%02X %02X %02X %02X", x, y, z, last[w]);
				}
}
END_TEST

/* The string parser applies the same UTF-8 rules. */
START_TEST(test_utf8_in_strings)
{
	char doc[8];
	for (unsigned x = 0x80; x < 256; x++) {
		for (unsigned y = 0; y < 256; y++) {
			if (y < 0x20 || y == '"' || y == '\\')
				continue;
			unsigned char seq[2] = { (unsigned char)x, (unsigned char)y };
			doc[0] = '"';
			memcpy(doc + 1, seq, 2);
			doc[3] = '"';
			struct json_error e;
			cJSON *v = parse_n(doc, 4, NULL, &e);
			REQUIRE_MSG((v != NULL) == ref_utf8_valid(seq, 2), "%02X %02X", x, y);
			if (v) {
				REQUIRE(memcmp(v->valuestring, seq, 2) == 0 && !v->valuestring[2]);
				cJSON_Delete(v);
			} else {
				REQUIRE(e.err == EINVAL);
				REQUIRE(e.col == 2);
			}
		}
	}
	static const unsigned char leads[] = { 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5 };
	for (size_t i = 0; i < N(leads); i++) {
		for (unsigned y = 0x20; y < 256; y++) {
			for (unsigned z = 0x7F; z <= 0xC0; z++) {
				unsigned char seq[4] = { leads[i], (unsigned char)y, (unsigned char)z, 0x80 };
				size_t k = leads[i] >= 0xF0 ? 4 : 3;
				if (y == '"' || y == '\\')
					continue;
				doc[0] = '"';
				memcpy(doc + 1, seq, k);
				doc[k + 1] = '"';
				struct json_error e;
				cJSON *v = parse_n(doc, k + 2, NULL, &e);
				REQUIRE_MSG((v != NULL) == ref_utf8_valid(seq, k),
					    "%02X %02X %02X", leads[i], y, z);
				if (v)
					cJSON_Delete(v);
			}
		}
	}
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_valid_table, 0, N(valid_cases));
	tcase_add_test(tc, test_string_escapes);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_structure);
	tcase_add_test(tc, test_exact_length);
	tcase_add_loop_test(tc, test_invalid_table, 0, N(invalid_cases));
	tcase_add_test(tc, test_error_messages);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_depth_default);
	tcase_add_test(tc, test_depth_limits);
	tcase_add_test(tc, test_depth_hostile);
	tcase_add_test(tc, test_max_values);
	tcase_add_test(tc, test_big_object);
	tcase_add_test(tc, test_big_object_duplicate);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_utf8_table);
	tcase_add_test(tc, test_utf8_exhaustive);
	tcase_add_test(tc, test_utf8_in_strings);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
