/* check_escape: unit tests for lib/escape.c (issue 11 item 10). */
#include "lib/escape.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check_common.h"

static const struct { const char *in, *out; } cases[] = {
	{ "", "" },
	{ "plain text", "plain text" },
	{ "x\n2026-12-05T00:00:00.000Z installed", "x\\n2026-12-05T00:00:00.000Z installed" },
	{ "a\tb\rc", "a\\tb\\rc" },
	{ "\x1b[31mred", "\\x1b[31mred" },
	{ "\x01\x1f\x7f", "\\x01\\x1f\\x7f" },
	{ "back\\slash \\u0000", "back\\slash \\u0000" },        /* kept: see escape.h */
	{ "caf\xc3\xa9", "caf\xc3\xa9" },                 /* é stays */
	{ "\xe6\x97\xa5\xf0\x9f\x98\x80", "\xe6\x97\xa5\xf0\x9f\x98\x80" }, /* 日 and an emoji */
	{ "\xff", "\\xff" },                              /* never UTF-8 */
	{ "\xc3", "\\xc3" },                              /* cut short at the end */
	{ "\xc3(", "\\xc3(" },                            /* a bad continuation */
	{ "\xc0\xaf", "\\xc0\\xaf" },                     /* overlong '/' */
	{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },            /* a surrogate */
	{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },   /* past U+10FFFF */
	{ "\xc2\x9b" "2J", "\\xc2\\x9b" "2J" },           /* C1 CSI */
	{ "\xc2\xa0", "\xc2\xa0" },                       /* no-break space is text */
};

START_TEST(test_cases)
{
	struct buf b = BUF_INIT;
	ck_assert_int_eq(esc_text(&b, cases[_i].in), 0);
	ck_assert_str_eq(buf_str(&b), cases[_i].out);
	buf_free(&b);
}
END_TEST

/* Whatever the bytes, the output is printable ASCII or valid UTF-8 with
 * no control character: one line, no terminal escape. */
START_TEST(test_any_bytes)
{
	rng_seed(11);
	for (int n = 0; n < 20000; n++) {
		char in[24];
		size_t len = rng() % (sizeof(in) - 1);
		for (size_t i = 0; i < len; i++)
			in[i] = (char)(1 + rng() % 255);
		in[len] = '\0';
		struct buf b = BUF_INIT;
		REQUIRE(esc_text(&b, in) == 0);
		for (const unsigned char *p = (const unsigned char *)buf_str(&b); *p; p++) {
			REQUIRE_MSG(*p >= 0x20 && *p != 0x7f, "control byte %02x from input %d", *p, n);
			REQUIRE_MSG(!(p[0] == 0xc2 && p[1] < 0xa0 && p[1] >= 0x80), "C1 control from input %d", n);
		}
		buf_free(&b);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("basic");
	tcase_add_loop_test(tc, test_cases, 0, N(cases));
	tcase_add_test(tc, test_any_bytes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
