/* check_strset: unit tests for catalog/strset.c. */
#include "catalog/strset.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check_common.h"

#define BIG 100000

START_TEST(test_empty)
{
	struct strset set = STRSET_INIT;
	size_t v = 77;
	ck_assert_int_eq(strset_get(&set, "a", &v), 0);
	ck_assert_uint_eq(v, 77); /* untouched when absent */
	ck_assert_int_eq(strset_get(&set, "", NULL), 0);
	ck_assert_uint_eq(set.n, 0);
	strset_free(&set);
	strset_free(&set); /* freeing twice is harmless */
}
END_TEST

START_TEST(test_add_get)
{
	struct strset set = STRSET_INIT;
	size_t v = 0, old = 99;
	ck_assert_int_eq(strset_add(&set, "alpha", 1, &old), 1);
	ck_assert_uint_eq(old, 99); /* untouched when added */
	ck_assert_int_eq(strset_add(&set, "beta", 2, NULL), 1);
	ck_assert_int_eq(strset_add(&set, "", 3, NULL), 1);
	ck_assert_int_eq(strset_add(&set, "alph", 4, NULL), 1);
	ck_assert_int_eq(strset_add(&set, "alphaa", 5, NULL), 1);
	ck_assert_int_eq(strset_add(&set, "Alpha", 6, NULL), 1);
	ck_assert_uint_eq(set.n, 6);

	ck_assert_int_eq(strset_get(&set, "alpha", &v), 1);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(strset_get(&set, "beta", &v), 1);
	ck_assert_uint_eq(v, 2);
	ck_assert_int_eq(strset_get(&set, "", &v), 1);
	ck_assert_uint_eq(v, 3);
	ck_assert_int_eq(strset_get(&set, "alph", &v), 1);
	ck_assert_uint_eq(v, 4);
	ck_assert_int_eq(strset_get(&set, "alphaa", &v), 1);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(strset_get(&set, "Alpha", &v), 1);
	ck_assert_uint_eq(v, 6);
	ck_assert_int_eq(strset_get(&set, "alpha", NULL), 1);
	v = 42;
	ck_assert_int_eq(strset_get(&set, "gamma", &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(strset_get(&set, "al", &v), 0);
	ck_assert_int_eq(strset_get(&set, "ALPHA", &v), 0);
	strset_free(&set);
	ck_assert_ptr_null(set.slot);
	ck_assert_uint_eq(set.n, 0);
	ck_assert_uint_eq(set.cap, 0);
}
END_TEST

START_TEST(test_duplicates)
{
	struct strset set = STRSET_INIT;
	size_t old = 0, v = 0;
	char a[] = "same", b[] = "same"; /* equal text, different storage */
	ck_assert_int_eq(strset_add(&set, a, 10, NULL), 1);
	ck_assert_int_eq(strset_add(&set, b, 20, &old), 0);
	ck_assert_uint_eq(old, 10);
	ck_assert_int_eq(strset_add(&set, a, 30, &old), 0);
	ck_assert_uint_eq(old, 10);
	ck_assert_int_eq(strset_add(&set, "same", 40, NULL), 0);
	ck_assert_uint_eq(set.n, 1);
	/* The first value stays. */
	ck_assert_int_eq(strset_get(&set, b, &v), 1);
	ck_assert_uint_eq(v, 10);
	/* Values are arbitrary, including 0 and SIZE_MAX. */
	ck_assert_int_eq(strset_add(&set, "zero", 0, NULL), 1);
	ck_assert_int_eq(strset_add(&set, "max", (size_t)-1, NULL), 1);
	old = 5;
	ck_assert_int_eq(strset_add(&set, "zero", 1, &old), 0);
	ck_assert_uint_eq(old, 0);
	ck_assert_int_eq(strset_add(&set, "max", 1, &old), 0);
	ck_assert_uint_eq(old, (size_t)-1);
	ck_assert_uint_eq(set.n, 3);
	strset_free(&set);
}
END_TEST

/* The set keeps the caller's pointers, not copies. */
START_TEST(test_borrowed)
{
	struct strset set = STRSET_INIT;
	const char *key = "borrowed";
	ck_assert_int_eq(strset_add(&set, key, 1, NULL), 1);
	int found = 0;
	for (size_t i = 0; i < set.cap; i++)
		if (set.slot[i] == key)
			found++;
	ck_assert_int_eq(found, 1);
	strset_free(&set);
}
END_TEST

static char **make_keys(const char *prefix, size_t n)
{
	char **k = malloc(n * sizeof(*k));
	ck_assert_ptr_nonnull(k);
	for (size_t i = 0; i < n; i++) {
		char t[32];
		snprintf(t, sizeof(t), "%s%zu", prefix, i);
		k[i] = strdup(t);
		ck_assert_ptr_nonnull(k[i]);
	}
	return k;
}

static void free_keys(char **k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(k[i]);
	free(k);
}

START_TEST(test_growth)
{
	struct strset set = STRSET_INIT;
	char **keys = make_keys("key", BIG), **other = make_keys("key", BIG);
	char **absent = make_keys("nokey", BIG);
	size_t v, old;
	for (size_t i = 0; i < BIG; i++) {
		REQUIRE(strset_add(&set, keys[i], i, NULL) == 1);
		REQUIRE(set.n == (i + 1));
		/* Capacity is a power of two and the table at most half full. */
		REQUIRE((set.cap & (set.cap - 1)) == 0);
		REQUIRE((2 * set.n) <= set.cap);
		/* Every so often, all earlier keys are still there. */
		if ((i & (i + 1)) == 0) {
			for (size_t j = 0; j <= i; j++) {
				REQUIRE(strset_get(&set, keys[j], &v) == 1);
				REQUIRE(v == j);
			}
		}
	}
	for (size_t i = 0; i < BIG; i++) {
		REQUIRE(strset_get(&set, other[i], &v) == 1);
		REQUIRE(v == i);
		REQUIRE(strset_get(&set, absent[i], &v) == 0);
		REQUIRE(strset_add(&set, other[i], BIG + i, &old) == 0);
		REQUIRE(old == i);
	}
	REQUIRE(set.n == BIG);
	size_t used = 0;
	for (size_t i = 0; i < set.cap; i++)
		used += set.slot[i] != NULL;
	REQUIRE(used == BIG);
	strset_free(&set);

	/* A freed set can be used again. */
	for (size_t i = 0; i < BIG; i += 7)
		REQUIRE(strset_add(&set, absent[i], i, NULL) == 1);
	REQUIRE(strset_get(&set, keys[0], &v) == 0);
	REQUIRE(strset_get(&set, absent[7], &v) == 1);
	REQUIRE(v == 7);
	strset_free(&set);
	free_keys(keys, BIG);
	free_keys(other, BIG);
	free_keys(absent, BIG);
}
END_TEST

/* Keys that differ only in one byte, or only in length. */
START_TEST(test_similar_keys)
{
	struct strset set = STRSET_INIT;
	static char keys[256][4];
	static char lens[200][201];
	size_t v;
	for (int c = 1; c < 256; c++) {
		keys[c][0] = 'k';
		keys[c][1] = (char)c;
		keys[c][2] = '\0';
		ck_assert_int_eq(strset_add(&set, keys[c], (size_t)c, NULL), 1);
	}
	for (int n = 0; n < 200; n++) {
		memset(lens[n], 'a', (size_t)n);
		lens[n][n] = '\0';
		ck_assert_int_eq(strset_add(&set, lens[n], 1000 + (size_t)n, NULL), 1);
	}
	for (int c = 1; c < 256; c++) {
		ck_assert_int_eq(strset_get(&set, keys[c], &v), 1);
		ck_assert_uint_eq(v, (size_t)c);
	}
	for (int n = 0; n < 200; n++) {
		ck_assert_int_eq(strset_get(&set, lens[n], &v), 1);
		ck_assert_uint_eq(v, 1000 + (size_t)n);
	}
	ck_assert_int_eq(strset_get(&set, "ka", &v), 1);
	ck_assert_uint_eq(v, 'a');
	ck_assert_int_eq(strset_get(&set, "k", &v), 0);
	ck_assert_int_eq(strset_get(&set, "a", &v), 1);
	ck_assert_uint_eq(v, 1001);
	ck_assert_uint_eq(set.n, 255 + 200);
	strset_free(&set);
}
END_TEST

static Suite *strset_suite(void)
{
	Suite *s = suite_create("strset");
	TCase *tc = tcase_create("basic");
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_add_get);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_borrowed);
	tcase_add_test(tc, test_similar_keys);
	suite_add_tcase(s, tc);
	tc = tcase_create("large");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_growth);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(strset_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
