/* check_common: small helpers shared by the Check unit tests. */
#ifndef OSFS_CHECK_COMMON_H
#define OSFS_CHECK_COMMON_H

#include <check.h>
#include <stdint.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* A string literal and its length, embedded NULs included. */
#define S(x) x, sizeof(x) - 1
/* ck_assert records every check that passes, which is slow in loops of a
 * million checks (in a sanitizer build especially); these report only a
 * failure. */
#define REQUIRE(cond) \
	do { \
		if (!(cond)) \
			ck_abort_msg("Assertion '%s' failed", #cond); \
	} while (0)
#define REQUIRE_MSG(cond, ...) \
	do { \
		if (!(cond)) \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

/* Deterministic xorshift64* so failures reproduce. */
static uint64_t rng_state;

static inline void rng_seed(uint64_t s)
{
	rng_state = s ? s : 0x9E3779B97F4A7C15ull;
}

static inline uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static inline unsigned rnd(unsigned n)
{
	return (unsigned)(rng() % n);
}

#endif
