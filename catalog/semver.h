/* semver: Semantic Versioning 2.0.0 versions and npm ranges.
 *
 * Ranges follow npm's `semver` package (node-semver 7.x, includePrerelease
 * off, loose off) exactly: comparators (< <= > >= =), x-ranges (* x X and
 * partial versions), tilde (~, ~>), caret (^), hyphen ranges (A - B),
 * whitespace-separated comparator sets and `||` unions, and the prerelease
 * rule: a version with a prerelease tag satisfies a comparator set only if
 * some comparator in that set has the same major.minor.patch and a
 * prerelease of its own.  Build metadata never affects precedence.
 */
#ifndef OSFS_SEMVER_H
#define OSFS_SEMVER_H

#include <stddef.h>
#include <stdint.h>

/* npm refuses version strings longer than this (ranges have no overall
 * limit, but each version in one does), and version numbers above
 * Number.MAX_SAFE_INTEGER. */
#define SEMVER_MAX_LENGTH 256
#define SEMVER_MAX_NUMBER 9007199254740991ULL

struct semver {
	uint64_t major, minor, patch;
	char *pre;   /* prerelease identifiers, dot-separated ("beta.2"), or NULL */
	char *build; /* build metadata ("sha.5114f85"), or NULL */
};

enum semver_mode {
	/* Exactly SemVer 2.0.0: "1.2.3", "1.0.0-rc.1+build.5"; no leading
	 * "v", no surrounding whitespace, no leading zeros. */
	SEMVER_STRICT,
	/* As npm's `new SemVer(s)`: surrounding whitespace is trimmed and one
	 * leading "v" is allowed; otherwise as strict. */
	SEMVER_NPM,
};

/* Parses s into *out.  Returns 0, or -1 if s is not a valid version in that
 * mode (out is then zeroed and owns nothing).  Free with semver_free(). */
int semver_parse(const char *s, enum semver_mode mode, struct semver *out);
void semver_free(struct semver *v);

/* Precedence order (SemVer 2.0.0 section 11): <0, 0 or >0.  Build metadata
 * is ignored, so 1.0.0+a and 1.0.0+b compare equal. */
int semver_compare(const struct semver *a, const struct semver *b);

/* Canonical text "M.m.p[-pre][+build]" into buf (always NUL-terminated).
 * Returns the length it needed, like snprintf. */
int semver_format(const struct semver *v, char *buf, size_t len);

struct semver_range;

/* Parses an npm range.  Returns NULL if it is not a valid range, with a
 * one-line reason in err (if err is not NULL). */
struct semver_range *semver_range_parse(const char *s, char *err, size_t errlen);
void semver_range_free(struct semver_range *r);

/* 1 if v satisfies r, else 0 (npm's Range.test). */
int semver_range_test(const struct semver_range *r, const struct semver *v);

/* The range as npm desugars it (npm's `new Range(s).range`): comparator sets
 * joined by "||", comparators by " ", e.g. "^1.2.3" -> ">=1.2.3 <2.0.0-0",
 * "*" -> "".  Returns the length it needed, like snprintf. */
int semver_range_format(const struct semver_range *r, char *buf, size_t len);

/* npm's semver.satisfies(version, range): 1 or 0; an invalid version or an
 * invalid range gives 0.  The version is parsed in SEMVER_NPM mode. */
int semver_satisfies(const char *version, const char *range);

#endif
