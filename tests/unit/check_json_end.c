/* check_json_end: unit tests for lib/json_end.c, the end of a document
 * written in pieces (SPEC 4: the check at the write that completes it). */
#include "lib/json_end.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check_common.h"

/* Each document, and whether its bytes are one complete value followed by
 * whitespace at most (1), or not (0: incomplete, or not followed). */
static const struct { const char *doc; int done; } cases[] = {
	{ "", 0 },
	{ "  \n", 0 },
	{ "{", 0 },
	{ "{}", 1 },
	{ "{}\n", 1 },
	{ " \t{ }\r\n  ", 1 },
	{ "[1, [2, {\"a\": []}]]", 1 },
	{ "[1, [2, {\"a\": []}]", 0 },
	{ "{\"a\": \"}\"", 0 },                 /* a brace in a string */
	{ "{\"a\": \"\\\"}\"}", 1 },            /* an escaped quote */
	{ "{\"a\": \"\\\\\"}", 1 },             /* an escaped backslash ends before the quote */
	{ "{\"a\": \"\\\\\"", 0 },
	{ "{\"manifest\": nope}\n", 1 },        /* invalid, but complete: the check says so */
	{ "{]", 1 },                            /* can never be valid: checking it refuses nothing */
	{ "\"text\"", 1 },
	{ "\"te", 0 },
	{ "{}x", 0 },                           /* more after the value: off */
	{ "{}\n{}", 0 },
	{ "123", 0 },                           /* a number: off */
	{ "true", 0 },
	{ "\xef\xbb\xbf{}", 0 },                /* a BOM is not whitespace */
	{ "}", 0 },
};

static int feed_split(const char *doc, size_t step)
{
	struct json_end s;
	json_end_reset(&s);
	size_t len = strlen(doc);
	int done = 0;
	for (size_t off = 0; off < len; off += step)
		done = json_end_feed(&s, off, doc + off, off + step > len ? len - off : step);
	return done;
}

START_TEST(test_cases)
{
	const char *doc = cases[_i].doc;
	for (size_t step = 1; step <= strlen(doc) + 1; step++)
		ck_assert_msg(feed_split(doc, step) == cases[_i].done, "\"%s\" in pieces of %zu", doc, step);
}
END_TEST

START_TEST(test_not_sequential)
{
	struct json_end s;
	json_end_reset(&s);
	ck_assert_int_eq(json_end_feed(&s, 0, "{\"a\"", 4), 0);
	ck_assert_int_eq(json_end_feed(&s, 2, "}", 1), 0); /* not at the end: off */
	ck_assert_int_eq(s.state, JSON_END_OFF);
	ck_assert_int_eq(json_end_feed(&s, 4, "}", 1), 0); /* and it stays off */
	json_end_reset(&s);                                  /* truncated to 0 */
	ck_assert_int_eq(json_end_feed(&s, 0, "{}", 2), 1);
	ck_assert_int_eq(json_end_feed(&s, 2, "\n", 1), 1);
	ck_assert_int_eq(json_end_feed(&s, 5, "\n", 1), 0); /* a hole: off */
}
END_TEST

/* Any bytes, in any pieces: the same answer as fed whole. */
START_TEST(test_any_split)
{
	static const char alphabet[] = "{}[]\"\\ a1\n";
	rng_seed(14);
	for (int n = 0; n < 20000; n++) {
		char doc[24];
		size_t len = 1 + rng() % (sizeof(doc) - 1);
		for (size_t i = 0; i < len; i++)
			doc[i] = alphabet[rng() % (sizeof(alphabet) - 1)];
		doc[len] = '\0';
		int whole = feed_split(doc, len);
		size_t step = 1 + rng() % len;
		REQUIRE_MSG(feed_split(doc, step) == whole, "input %d in pieces of %zu", n, step);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json_end");
	TCase *tc = tcase_create("basic");
	tcase_add_loop_test(tc, test_cases, 0, N(cases));
	tcase_add_test(tc, test_not_sequential);
	tcase_add_test(tc, test_any_split);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
