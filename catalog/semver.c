/* semver: SemVer 2.0.0 versions, as npm (node-semver 7.x) reads them.
 *
 * Parsing, precedence and formatting.  Ranges, which replay node-semver's
 * regex rewrites, are in semver_range.c; what the two share is declared in
 * semver_internal.h.
 */
#include "catalog/semver.h"
#include "catalog/semver_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ text */

int semver_is_digit(int c) { return c >= '0' && c <= '9'; }
int semver_is_alhy(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'; }
int semver_is_ldn(int c) { return semver_is_digit(c) || semver_is_alhy(c); }

/* Length in UTF-16 code units, which is what npm's length limit counts. */
static size_t js_length(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += ((*p & 0xC0) != 0x80) + (*p >= 0xF0);
	return n;
}

/* -------------------------------------------------------------- versions */

static int eat(const char **p, const char *end, char c)
{
	return *p < end && **p == c ? (++*p, 1) : 0;
}

/* A numeric identifier without leading zeros, at most SEMVER_MAX_NUMBER. */
static int parse_num(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	if (p == end || !semver_is_digit(*p) || (*p == '0' && p + 1 < end && semver_is_digit(p[1])))
		return -1;
	for (; p < end && semver_is_digit(*p); p++)
		if ((v = v * 10 + (uint64_t)(*p - '0')) > SEMVER_MAX_NUMBER)
			return -1;
	*pp = p;
	*out = v;
	return 0;
}

/* Dot-separated [0-9A-Za-z-]+ identifiers: the end, or NULL.  In a
 * prerelease an all-digit identifier may not have a leading zero. */
static const char *parse_ids(const char *p, const char *end, int pre)
{
	do {
		const char *id = p;
		int digits = 1;
		for (; p < end && semver_is_ldn(*p); p++)
			digits &= semver_is_digit(*p);
		if (p == id || (pre && digits && *id == '0' && p - id > 1))
			return NULL;
	} while (eat(&p, end, '.'));
	return p;
}

/* Exactly "M.m.p[-pre][+build]" over s[0..n); *v is all zero on failure. */
int semver_parse_core(const char *s, size_t n, struct semver *v)
{
	const char *p = s, *end = s + n, *pre = NULL, *pre_end = NULL, *bld = NULL;
	struct semver t = { 0, 0, 0, NULL, NULL };
	memset(v, 0, sizeof *v);
	if (n > SEMVER_MAX_LENGTH || parse_num(&p, end, &t.major) || !eat(&p, end, '.') ||
	    parse_num(&p, end, &t.minor) || !eat(&p, end, '.') || parse_num(&p, end, &t.patch))
		return -1;
	if (eat(&p, end, '-') && !(pre_end = parse_ids(pre = p, end, 1)))
		return -1;
	p = pre_end ? pre_end : p;
	if ((eat(&p, end, '+') && !(p = parse_ids(bld = p, end, 0))) || p != end)
		return -1;
	if ((pre && !(t.pre = strndup(pre, (size_t)(pre_end - pre)))) ||
	    (bld && !(t.build = strndup(bld, (size_t)(end - bld))))) {
		semver_free(&t);
		return -1;
	}
	*v = t;
	return 0;
}

int semver_parse(const char *s, enum semver_mode mode, struct semver *out)
{
	memset(out, 0, sizeof *out);
	if (!s)
		return -1;
	if (mode == SEMVER_STRICT)
		return semver_parse_core(s, strlen(s), out);
	if (js_length(s) > SEMVER_MAX_LENGTH) /* npm measures before trimming */
		return -1;
	/* Collapsing inner whitespace too is harmless: any makes it invalid. */
	struct sb b = { 0 };
	semver_normalize(s, &b);
	size_t v = !b.err && b.p[0] == 'v';
	int rc = b.err ? -1 : semver_parse_core(b.p + v, b.n - v, out);
	free(b.p);
	return rc;
}

void semver_free(struct semver *v)
{
	if (v) {
		free(v->pre);
		free(v->build);
		v->pre = v->build = NULL;
	}
}

/* Numeric identifiers compare as exact integers of any length (npm goes
 * through floats, which we deliberately do not copy) and sort below
 * alphanumeric ones; alphanumerics compare in ASCII order. */
static int cmp_ident(const char *a, size_t al, const char *b, size_t bl)
{
	/* Each identifier ends at '.' or NUL, so strspn stops there. */
	int an = strspn(a, "0123456789") == al, bn = strspn(b, "0123456789") == bl;
	if (an != bn)
		return an ? -1 : 1;
	for (; an && al > 1 && *a == '0'; a++, al--) {}
	for (; bn && bl > 1 && *b == '0'; b++, bl--) {}
	if (an && al != bl)
		return SEMVER_CMP(al, bl);
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? SEMVER_CMP(c, 0) : SEMVER_CMP(al, bl);
}

static int cmp_pre(const char *a, const char *b)
{
	int ha = a && *a, hb = b && *b, c;
	if (!ha || !hb)
		return hb - ha; /* a release sorts above its prereleases */
	for (;;) {
		size_t al = strcspn(a, "."), bl = strcspn(b, ".");
		if ((c = cmp_ident(a, al, b, bl)) != 0)
			return c;
		a += al;
		b += bl;
		if (!*a || !*b) /* more fields sort higher */
			return (*a != 0) - (*b != 0);
		a++, b++;
	}
}

int semver_compare(const struct semver *a, const struct semver *b)
{
	int c = SEMVER_CMP(a->major, b->major);
	c = c ? c : SEMVER_CMP(a->minor, b->minor);
	c = c ? c : SEMVER_CMP(a->patch, b->patch);
	return c ? c : cmp_pre(a->pre, b->pre);
}

int semver_format(const struct semver *v, char *buf, size_t len)
{
	int pre = v->pre && *v->pre, build = v->build && *v->build;
	return snprintf(buf, len, "%" PRIu64 ".%" PRIu64 ".%" PRIu64 "%s%s%s%s",
			v->major, v->minor, v->patch, pre ? "-" : "", pre ? v->pre : "",
			build ? "+" : "", build ? v->build : "");
}
