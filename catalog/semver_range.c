/* semver_range: npm (node-semver 7.x) ranges.
 *
 * node-semver desugars a range by a fixed sequence of textual rewrites, each
 * driven by a regular expression with bounded ("safe") quantifiers.  Its odd
 * corners ("> =1.2.3" is ">=1.2.3", ">=*1.2.3" is "1.2.3", "=1.2.3 - 2" is
 * invalid, "1 |||| 2" is "*") all fall out of those rewrites, so instead of
 * reinterpreting the grammar we replay every rewrite in the same order, each
 * with a hand-written matcher that picks the match the regex engine would
 * (leftmost, greedy, first alternative).  Matchers are linear, or bounded
 * per start position, so hostile input cannot make parsing quadratic.
 */
#include "catalog/semver.h"
#include "catalog/semver_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* node-semver's safe regexes cap \d+ at 256 digits and [a-zA-Z0-9-]+ at
 * 250 characters, so a numeric identifier has at most 257 digits. */
#define RE_DIGITS 256
#define RE_LDN 250

/* ------------------------------------------------------------------ text */

static int is_vse(int c) { return c == 'v' || c == '=' || c == ' '; }
static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* A counted string.  at() reads 0 past the end, so matchers cannot overrun
 * tokens that are slices of a larger buffer. */
struct str { const char *p; size_t n; };

static int at(struct str s, size_t i) { return i < s.n ? (unsigned char)s.p[i] : 0; }
static struct str str_of(const char *p, size_t n) { return (struct str){ p, n }; }

/* Length of the JavaScript whitespace character (\s, String.trim) that is
 * UTF-8 encoded at p, or 0: npm trims and collapses all of them. */
static size_t js_space(const unsigned char *p)
{
	if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		return 1;
	if (p[0] == 0xC2 && p[1] == 0xA0)
		return 2;
	if ((p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) ||
	    (p[0] == 0xE2 && p[1] == 0x80 && ((p[2] >= 0x80 && p[2] <= 0x8A) ||
	     p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF)) ||
	    (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) ||
	    (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) ||
	    (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF))
		return 3;
	return 0;
}

/* The growable string (struct sb, in semver_internal.h). */
static void sb_addn(struct sb *b, const char *s, size_t n)
{
	if (!b->err && b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		b->err = !p;
		b->p = p ? p : b->p;
		b->cap = p ? cap : b->cap;
	}
	if (b->err)
		return;
	if (n) /* s may be NULL then: an absent capture */
		memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}
static void sb_adds(struct sb *b, const char *s) { sb_addn(b, s, strlen(s)); }
static void sb_addc(struct sb *b, char c) { sb_addn(b, &c, 1); }
static struct str sb_str(const struct sb *b) { return str_of(b->p ? b->p : "", b->n); }

/* Appends the decimal d plus one, like npm's `+d + 1`.  Where npm's float
 * would round, the number exceeds SEMVER_MAX_NUMBER and the comparator is
 * rejected either way. */
static void sb_inc(struct sb *b, struct str d)
{
	char tmp[RE_DIGITS + 4];
	size_t n = min_sz(d.n, sizeof tmp - 2), i = n;
	tmp[0] = '0';
	memcpy(tmp + 1, d.p, n);
	while (i > 0 && tmp[i] == '9')
		tmp[i--] = '0';
	tmp[i]++;
	sb_addn(b, tmp + (tmp[0] == '0'), n + (tmp[0] != '0'));
}

/* Trims s and turns each run of (JavaScript) whitespace into one space,
 * like npm's range.trim().replace(/\s+/g, ' '). */
void semver_normalize(const char *s, struct sb *o)
{
	int pending = 0;
	sb_addn(o, "", 0);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t w = js_space(p);
		if (w == 0 && pending && o->n)
			sb_addc(o, ' ');
		pending = w > 0;
		if (w == 0)
			sb_addc(o, (char)*p);
		p += w ? w : 1;
	}
}

/* ------------------------------------------------------------- matchers
 *
 * Each m_* function matches one of node-semver's regex fragments at s[i]
 * and returns the length of the match its regex engine picks (0: none). */

/* Characters of class cls from i, counting at most cap + 1. */
static size_t run(struct str s, size_t i, int (*cls)(int), size_t cap)
{
	size_t k = 0;
	while (k <= cap && cls(at(s, i + k)))
		k++;
	return k;
}

/* 0|[1-9]\d{0,256} */
static size_t m_numid(struct str s, size_t i)
{
	return at(s, i) == '0' ? 1
		: min_sz(run(s, i, semver_is_digit, RE_DIGITS + 1), RE_DIGITS + 1);
}

/* 0|[1-9]\d{0,256}|x|X|\* */
static size_t m_xrid(struct str s, size_t i)
{
	int c = at(s, i);
	return c == 'x' || c == 'X' || c == '*' ? 1 : m_numid(s, i);
}

/* \d{0,256}[a-zA-Z-][a-zA-Z0-9-]{0,250} */
static size_t m_nonnum(struct str s, size_t i)
{
	size_t d = run(s, i, semver_is_digit, RE_DIGITS);
	if (d > RE_DIGITS || !semver_is_alhy(at(s, i + d)))
		return 0;
	return d + 1 + min_sz(run(s, i + d + 1, semver_is_ldn, RE_LDN), RE_LDN);
}

/* Prerelease identifiers (strict, loose) and build identifiers. */
static size_t m_prid(struct str s, size_t i)
{
	size_t l = m_nonnum(s, i);
	return l ? l : m_numid(s, i);
}
static size_t m_pridl(struct str s, size_t i)
{
	size_t l = m_nonnum(s, i);
	return l ? l : min_sz(run(s, i, semver_is_digit, RE_DIGITS), RE_DIGITS);
}
static size_t m_bid(struct str s, size_t i)
{
	return min_sz(run(s, i, semver_is_ldn, RE_LDN), RE_LDN);
}

/* ID(\.ID)* */
static size_t m_idlist(struct str s, size_t i, size_t (*id)(struct str, size_t))
{
	size_t e = id(s, i), l;
	if (!e)
		return 0;
	for (e += i; at(s, e) == '.' && (l = id(s, e + 1)) > 0;)
		e += 1 + l;
	return e - i;
}

/* [v=\s]* is unbounded, but every start inside one run ends at the same
 * place, so remembering the last run keeps repeated scans linear. */
struct vcache { size_t start, end; };

static size_t skip_vse(struct str s, size_t i, struct vcache *vc)
{
	if (vc && i >= vc->start && i < vc->end)
		return vc->end;
	size_t e = i;
	while (is_vse(at(s, e)))
		e++;
	if (vc && e > i)
		*vc = (struct vcache){ i, e };
	return e;
}

/* XRANGEPLAIN: [v=\s]*XRID(\.XRID(\.XRID(-PRE)?(\+BUILD)?)?)? */
struct xrp {
	struct str raw; /* the whole match, ending at s[end] */
	size_t end;
	struct str id[3]; /* major, minor, patch; n == 0 when absent */
	struct str pre; /* with its '-' */
};

static int m_xrp(struct str s, size_t i, struct vcache *vc, struct xrp *x)
{
	size_t e = skip_vse(s, i, vc), l;
	memset(x, 0, sizeof *x);
	for (int k = 0; k < 3; k++) {
		size_t b = e + (k > 0);
		if ((k > 0 && at(s, e) != '.') || !(l = m_xrid(s, b)))
			break;
		x->id[k] = str_of(s.p + b, l);
		e = b + l;
	}
	if (x->id[2].n && at(s, e) == '-' && (l = m_idlist(s, e + 1, m_prid)) > 0) {
		x->pre = str_of(s.p + e, 1 + l);
		e += 1 + l;
	}
	if (x->id[2].n && at(s, e) == '+' && (l = m_idlist(s, e + 1, m_bid)) > 0)
		e += 1 + l;
	x->raw = str_of(s.p + i, e - i);
	x->end = e;
	return x->id[0].n > 0;
}

/* LOOSEPLAIN: [v=\s]*\d+\.\d+\.\d+(-?PRE_LOOSE)?(\+BUILD)?; its end. */
static int m_loose(struct str s, size_t i, struct vcache *vc, size_t *end)
{
	size_t e = skip_vse(s, i, vc), l;
	for (int k = 0; k < 3; k++) {
		size_t d = run(s, e, semver_is_digit, RE_DIGITS);
		if (!d || (k < 2 && (d > RE_DIGITS || at(s, e + d) != '.')))
			return 0;
		e += k < 2 ? d + 1 : min_sz(d, RE_DIGITS);
	}
	if (at(s, e) == '-' && (l = m_idlist(s, e + 1, m_pridl)) > 0)
		e += 1 + l;
	else if ((l = m_idlist(s, e, m_pridl)) > 0)
		e += l; /* `-?` backtracked: a lone '-' is an identifier */
	if (at(s, e) == '+' && (l = m_idlist(s, e + 1, m_bid)) > 0)
		e += 1 + l;
	*end = e;
	return 1;
}

static int is_x(struct str id)
{
	int c = at(id, 0);
	return id.n == 0 || (id.n == 1 && (c == 'x' || c == 'X' || c == '*'));
}

/* Writes a replacement template: M m p are the captured major, minor and
 * patch, A B C the same plus one, r "-prerelease" if there is one, R the
 * whole capture; the rest is literal. */
static void emit(struct sb *b, const struct xrp *x, const char *tpl)
{
	static const char keys[] = "MmpABCrR";
	for (; *tpl; tpl++) {
		const char *k = strchr(keys, *tpl);
		size_t i = k ? (size_t)(k - keys) : 8;
		struct str v = i < 3 ? x->id[i] : i == 6 ? x->pre : i == 7 ? x->raw : str_of(tpl, 1);
		if (i >= 3 && i < 6)
			sb_inc(b, x->id[i - 3]);
		else
			sb_addn(b, v.p, v.n);
	}
}

/* ----------------------------------------------------- range rewrites */

typedef void (*rewrite_fn)(struct str in, struct sb *out);

/* Every "+build" goes first, wherever it is (an unbounded, global regex). */
static void strip_builds(struct str s, struct sb *o)
{
	size_t i = 0, last = 0;
	for (; i < s.n; i++) {
		if (at(s, i) != '+' || !semver_is_ldn(at(s, i + 1)))
			continue;
		sb_addn(o, s.p + last, i - last);
		for (last = i + 1; semver_is_ldn(at(s, last)) ||
				    (at(s, last) == '.' && semver_is_ldn(at(s, last + 1)));)
			last++;
		i = last - 1;
	}
	sb_addn(o, s.p + last, s.n - last);
}

/* "A - B", the whole string: >=A <=B, widened for partial versions.  A
 * plain bound keeps its raw text ("R"), so "=1.2.3 - 2" yields the invalid
 * ">==1.2.3", exactly as in npm. */
static void hyphen(struct str s, struct sb *o)
{
	struct xrp f, t;
	if (!m_xrp(s, at(s, 0) == ' ', NULL, &f) || at(s, f.end) != ' ' ||
	    at(s, f.end + 1) != '-' || at(s, f.end + 2) != ' ' ||
	    !m_xrp(s, f.end + 3, NULL, &t) || t.end + (at(s, t.end) == ' ') != s.n) {
		sb_addn(o, s.p, s.n);
		return;
	}
	if (!is_x(f.id[0]))
		emit(o, &f, is_x(f.id[1]) ? ">=M.0.0" : is_x(f.id[2]) ? ">=M.m.0" : ">=R");
	if (o->n && !is_x(t.id[0]))
		sb_addc(o, ' ');
	if (!is_x(t.id[0]))
		emit(o, &t, is_x(t.id[1]) ? "<A.0.0-0" : is_x(t.id[2]) ? "<M.B.0-0"
			       : t.pre.n ? "<=M.m.pr" : "<=R");
}

/* COMPARATORTRIM, global (\s?)(<|>)?=?\s?(LOOSEPLAIN|XRANGEPLAIN) -> $1$2$3:
 * drops the \s? after an operator.  Only the greedy path can matter: '='
 * and ' ' also open the plain's own [v=\s]*, so every other split of the
 * optional parts reaches the same plain and fails or succeeds alike.  On a
 * match, the dropped space is cut[1] (0 or 1) characters at cut[0]. */
static int ctrim_at(struct str s, size_t i, struct vcache *vc, size_t cut[2], size_t *end)
{
	struct xrp x;
	size_t k = i + (at(s, i) == ' ');
	k += at(s, k) == '<' || at(s, k) == '>';
	k += at(s, k) == '=';
	cut[0] = k;
	cut[1] = at(s, k) == ' ';
	/* LOOSEPLAIN is the first alternative; XRANGEPLAIN matches whenever
	 * it does (a digit is an x-range identifier). */
	if (!m_xrp(s, k + cut[1], vc, &x))
		return 0;
	if (!m_loose(s, k + cut[1], vc, end))
		*end = x.end;
	return 1;
}

static void comparator_trim(struct str s, struct sb *o)
{
	struct vcache vc = { 0, 0 };
	size_t i = 0, last = 0, cut[2], end;
	while (i < s.n) {
		int hit = ctrim_at(s, i, &vc, cut, &end);
		if (hit) {
			sb_addn(o, s.p + last, cut[0] - last);
			last = cut[0] + cut[1];
		}
		i = hit && end > i ? end : i + 1;
	}
	sb_addn(o, s.p + last, s.n - last);
}

/* TILDETRIM (\s?)~>?\s -> $1~ and CARETTRIM (\s?)\^\s -> $1^, global.
 * "~> 1" loses its ">" here, and "~ >1" becomes "~>1", as in npm. */
static void lone_trim(struct str s, struct sb *o, char op)
{
	size_t i = 0, last = 0;
	while (i < s.n) {
		size_t c = i + (at(s, i) == ' '), w = 0; /* w: characters dropped */
		if (at(s, c) == op)
			w = op == '~' && at(s, c + 1) == '>' && at(s, c + 2) == ' ' ? 2 : at(s, c + 1) == ' ';
		if (w) {
			sb_addn(o, s.p + last, c + 1 - last);
			last = c + 1 + w;
		}
		i = w ? last : i + 1;
	}
	sb_addn(o, s.p + last, s.n - last);
}

static void tilde_trim(struct str s, struct sb *o) { lone_trim(s, o, '~'); }
static void caret_trim(struct str s, struct sb *o) { lone_trim(s, o, '^'); }

/* ------------------------------------------------- comparator rewrites */

/* The anchored ^<op>XRANGEPLAIN$ regexes: 1 if t is op followed by one. */
static int whole_xrp(struct str t, size_t op_len, struct xrp *x)
{
	return m_xrp(t, op_len, NULL, x) && x->end == t.n;
}

static void caret_one(struct str t, struct sb *o)
{
	struct xrp x;
	if (at(t, 0) != '^' || !whole_xrp(t, 1, &x)) {
		sb_addn(o, t.p, t.n);
		return;
	}
	int M0 = at(x.id[0], 0) == '0', m0 = at(x.id[1], 0) == '0';
	emit(o, &x, is_x(x.id[0]) ? "" : is_x(x.id[1]) ? ">=M.0.0 <A.0.0-0"
		       : is_x(x.id[2]) ? (M0 ? ">=M.m.0 <M.B.0-0" : ">=M.m.0 <A.0.0-0")
		       : !M0 ? ">=M.m.pr <A.0.0-0" : m0 ? ">=M.m.pr <M.m.C-0" : ">=M.m.pr <M.B.0-0");
}

static void tilde_one(struct str t, struct sb *o)
{
	struct xrp x;
	if (at(t, 0) != '~' || !whole_xrp(t, 1 + (at(t, 1) == '>'), &x))
		sb_addn(o, t.p, t.n);
	else
		emit(o, &x, is_x(x.id[0]) ? "" : is_x(x.id[1]) ? ">=M.0.0 <A.0.0-0"
			       : is_x(x.id[2]) ? ">=M.m.0 <M.B.0-0" : ">=M.m.pr <M.B.0-0");
}

/* An x-range, with an optional operator: "1.x" is ">=1.0.0 <2.0.0-0", ">1.2"
 * is ">=1.3.0", "<=1" is "<2.0.0-0"; "=" is dropped. */
static void xrange_one(struct str t, struct sb *o)
{
	static const char *const bound[2][2][2] = { /* [>][<= or >=][x minor] */
		{ { "<M.m.0-0", "<M.0.0-0" }, { "<M.B.0-0", "<A.0.0-0" } },
		{ { ">=M.B.0", ">=A.0.0" }, { ">=M.m.0", ">=M.0.0" } },
	};
	struct xrp x;
	size_t g = at(t, 0) == '<' || at(t, 0) == '>';
	g += at(t, g) == '=';
	int ok = whole_xrp(t, g, &x), op = g && at(t, 0) != '=';
	int xM = ok && is_x(x.id[0]), xm = xM || (ok && is_x(x.id[1]));
	int xp = xm || (ok && is_x(x.id[2]));
	/* No x at all, or an x before a number ("*.1", "1.x.2"): unchanged. */
	if (!xp || (xM && !is_x(x.id[1])) || (is_x(x.id[1]) && x.id[2].n && !is_x(x.id[2])))
		sb_addn(o, t.p, t.n);
	else if (xM)
		sb_adds(o, op && g == 1 ? "<0.0.0-0" : "*");
	else if (op)
		emit(o, &x, bound[at(t, 0) == '>'][g - 1][xm]);
	else
		emit(o, &x, xm ? ">=M.0.0 <A.0.0-0" : ">=M.m.0 <M.B.0-0");
}

/* STAR, (<|>)?=?\s?\*, non-global: every match ends at the first '*', so
 * the leftmost match starts at the earliest of the three characters before
 * it from which only "(<|>)?=?\s?" remains. */
static void stars(struct str s, struct sb *o)
{
	const char *star = memchr(s.p, '*', s.n);
	size_t q = star ? (size_t)(star - s.p) : 0, i = q > 3 ? q - 3 : 0;
	for (; star; i++) {
		size_t k = i + (s.p[i] == '<' || s.p[i] == '>');
		k += k < q && s.p[k] == '=';
		if (k + (k < q && s.p[k] == ' ') == q)
			break;
	}
	sb_addn(o, s.p, star ? i : s.n);
	if (star)
		sb_addn(o, star + 1, s.n - q - 1);
}

/* Applies fn to each ' '-separated token, joining the results with ' '. */
static void map_tokens(struct str s, struct sb *o, rewrite_fn fn)
{
	for (size_t i = 0, j;; i = j + 1) {
		for (j = i; j < s.n && s.p[j] != ' '; j++) {}
		fn(str_of(s.p + i, j - i), o);
		if (j >= s.n)
			return;
		sb_addc(o, ' ');
	}
}

static void caret_all(struct str s, struct sb *o) { map_tokens(s, o, caret_one); }
static void tilde_all(struct str s, struct sb *o) { map_tokens(s, o, tilde_one); }
static void xrange_all(struct str s, struct sb *o) { map_tokens(s, o, xrange_one); }

/* Runs the rewrites in order, each feeding the next; the last appends
 * to out. */
static void pipeline(struct str in, const rewrite_fn *fn, size_t n, struct sb *out)
{
	struct sb b[2] = { { 0 }, { 0 } };
	for (size_t i = 0; i < n; i++) {
		b[i % 2].n = 0;
		fn[i](i ? sb_str(&b[(i + 1) % 2]) : in, i + 1 == n ? out : &b[i % 2]);
	}
	out->err |= b[0].err | b[1].err;
	free(b[0].p);
	free(b[1].p);
}

/* npm's parseComparator on one token.  (Its leading build strip never
 * matches: every "+build" went first and no rewrite makes a new one.) */
static void desugar(struct str tok, struct sb *o)
{
	static const rewrite_fn steps[] = { caret_all, tilde_all, xrange_all, stars };
	pipeline(tok, steps, 4, o);
}

static void desugar_all(struct str s, struct sb *o) { map_tokens(s, o, desugar); }

/* npm's parseRange on one "||" part, up to the comparator strings. */
static void part_tokens(struct str part, struct sb *out)
{
	static const rewrite_fn steps[] = { strip_builds, hyphen, comparator_trim,
					    tilde_trim, caret_trim, desugar_all };
	pipeline(part, steps, sizeof steps / sizeof steps[0], out);
}

/* ------------------------------------------------------------ comparators */

enum op { OP_ANY, OP_EQ, OP_LT, OP_LE, OP_GT, OP_GE };

/* npm's Comparator; value is its .value, e.g. ">=1.2.3-0", "" for ANY. */
struct comparator { enum op op; struct semver v; char *value; int keep; };
/* A comparator set: c[start .. start + n) of its range. */
struct cset { size_t start, n; };

struct semver_range {
	struct comparator *c; /* every comparator parsed, kept or dropped */
	size_t nc, ccap;
	struct cset *set;
	size_t nset;
	char *text, *err; /* err, errlen: the caller's buffer while parsing */
	size_t errlen;
	int failed;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct semver_range *r, const char *fmt, ...)
{
	va_list ap;
	if (!r->failed++ && r->err && r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* COMPARATOR: (<|>)?=?v?FULLVERSION, or "" (ANY), like npm's Comparator
 * constructor; ">=0.0.0" is ANY as well (npm's replaceGTE0). */
static int cmp_parse(struct semver_range *r, struct str t, struct comparator *c)
{
	static const char *const names[] = { "", "", "<", "<=", ">", ">=" };
	size_t g = at(t, 0) == '<' || at(t, 0) == '>', skip;
	g += at(t, g) == '=';
	skip = at(t, g) == 'v';
	c->op = g == 0 || at(t, 0) == '=' ? OP_EQ
		: at(t, 0) == '<' ? (g == 2 ? OP_LE : OP_LT) : (g == 2 ? OP_GE : OP_GT);
	if (t.n == 0 || (t.n == 7 && !memcmp(t.p, ">=0.0.0", 7)))
		c->op = OP_ANY;
	else if (t.n - g > SEMVER_MAX_LENGTH ||
		 semver_parse_core(t.p + g + skip, t.n - g - skip, &c->v))
		return fail(r, "invalid comparator \"%.*s\"", (int)min_sz(t.n, 64), t.p);
	free(c->v.build); /* not in npm's value, never compared */
	c->v.build = NULL;
	char buf[SEMVER_MAX_LENGTH + 8];
	int n = snprintf(buf, sizeof buf, "%s", names[c->op]);
	if (c->op != OP_ANY)
		semver_format(&c->v, buf + n, sizeof buf - (size_t)n);
	return (c->value = strdup(buf)) ? 0 : fail(r, "out of memory");
}

static int is_null_set(const struct semver_range *r, const struct cset *s)
{
	return strcmp(r->c[s->start].value, "<0.0.0-0") == 0;
}

struct vi { const char *v; size_t i; };

static int vi_cmp(const void *pa, const void *pb)
{
	const struct vi *a = pa, *b = pb;
	int c = strcmp(a->v, b->v);
	return c ? c : SEMVER_CMP(a->i, b->i);
}

/* npm's cleanup of a set: a null comparator ("<0.0.0-0") makes the set
 * just that; otherwise ANY goes beside anything else, and of equal values
 * the first stays (sorting, so huge sets do not go quadratic).  The kept
 * comparators move to the front, in order. */
static int finish_set(struct semver_range *r, struct cset *set)
{
	struct comparator *c = r->c + set->start, *tmp = malloc(set->n * sizeof *tmp);
	struct vi *v = malloc(set->n * sizeof *v);
	size_t n = set->n, any = 0, null = n, k = 0;
	for (size_t i = 0; tmp && v && i < n; i++) {
		any += c[i].op == OP_ANY;
		null = null == n && !strcmp(c[i].value, "<0.0.0-0") ? i : null;
		v[i] = (struct vi){ c[i].value, i };
	}
	if (tmp && v) {
		qsort(v, n, sizeof *v, vi_cmp);
		for (size_t j = 0; j < n; j++)
			c[v[j].i].keep = null < n ? v[j].i == null
				: (j == 0 || strcmp(v[j].v, v[j - 1].v)) && (any == n || c[v[j].i].op != OP_ANY);
		for (int pass = 1; pass >= 0; pass--)
			for (size_t i = 0; i < n; i++)
				if (c[i].keep == pass)
					tmp[k++] = c[i];
		memcpy(c, tmp, n * sizeof *c);
		for (set->n = 0; set->n < n && c[set->n].keep; set->n++) {}
	}
	free(tmp);
	free(v);
	return k == n ? 0 : fail(r, "out of memory");
}

/* Adds the comparators of one "||" part (trimmed, as npm does) as a set. */
static int parse_set(struct semver_range *r, struct str part)
{
	struct sb toks = { 0 };
	for (; part.n && part.p[0] == ' '; part.p++, part.n--) {}
	for (; part.n && part.p[part.n - 1] == ' '; part.n--) {}
	part_tokens(part, &toks);
	struct str s = sb_str(&toks);
	size_t need = r->nc + 1, i, j;
	for (i = 0; i < s.n; i++)
		need += s.p[i] == ' ';
	if (need > r->ccap) {
		size_t cap = need > 2 * r->ccap ? need : 2 * r->ccap;
		struct comparator *c = realloc(r->c, cap * sizeof *c);
		r->c = c ? c : r->c;
		r->ccap = c ? cap : r->ccap;
	}
	if (toks.err || need > r->ccap)
		fail(r, "out of memory");
	struct cset *set = &r->set[r->nset++];
	*set = (struct cset){ r->nc, 0 };
	for (i = 0; !r->failed && i <= s.n; i = j + 1) {
		for (j = i; j < s.n && s.p[j] != ' '; j++) {}
		/* Empty tokens are ANY, which only matters if nothing else is. */
		if (j > i || (j == s.n && set->n == 0)) {
			memset(&r->c[r->nc++], 0, sizeof *r->c);
			set->n++;
			cmp_parse(r, str_of(s.p + i, j - i), &r->c[r->nc - 1]);
		}
	}
	free(toks.p);
	return r->failed ? -1 : finish_set(r, set);
}

/* ----------------------------------------------------------------- ranges */

/* Across "||": null sets go unless all are null (then the first stays),
 * and then a set that is just ANY swallows the whole range. */
static void fold_sets(struct semver_range *r)
{
	size_t live = 0, any = r->nset, k = 0;
	for (size_t i = 0; i < r->nset; i++) {
		live += !is_null_set(r, &r->set[i]);
		if (any == r->nset && r->c[r->set[i].start].op == OP_ANY)
			any = i;
	}
	for (size_t i = 0; i < r->nset; i++)
		if (r->nset < 2 || (live ? (any < r->nset ? i == any : !is_null_set(r, &r->set[i])) : i == 0))
			r->set[k++] = r->set[i];
	r->nset = k;
}

static int format_sets(struct semver_range *r)
{
	struct sb b = { 0 };
	sb_addn(&b, "", 0);
	for (size_t i = 0; i < r->nset; i++) {
		sb_adds(&b, i ? "||" : "");
		for (size_t k = 0; k < r->set[i].n; k++) {
			sb_adds(&b, k ? " " : "");
			sb_adds(&b, r->c[r->set[i].start + k].value);
		}
	}
	r->text = b.p;
	return b.err ? fail(r, "out of memory") : 0;
}

/* strstr(p, "||") written out: sanitizer builds intercept strstr with a
 * strlen of the whole rest, which made long ranges quadratic there. */
static const char *find_or(const char *p)
{
	for (; *p; p++)
		if (p[0] == '|' && p[1] == '|')
			return p;
	return NULL;
}

struct semver_range *semver_range_parse(const char *s, char *err, size_t errlen)
{
	struct sb raw = { 0 };
	struct semver_range *r = calloc(1, sizeof *r);
	size_t parts = 1;
	if (err && errlen)
		snprintf(err, errlen, "%s", r ? "" : "out of memory");
	if (!r)
		return NULL;
	*r = (struct semver_range){ .err = err, .errlen = errlen };
	if (!s)
		fail(r, "no range");
	semver_normalize(s ? s : "", &raw);
	for (const char *p = raw.p; !raw.err && (p = find_or(p)); p += 2)
		parts++;
	if (raw.err || !(r->set = calloc(parts, sizeof *r->set)))
		fail(r, "out of memory");
	for (const char *p = raw.p, *q; !r->failed; p = q + 2) {
		q = find_or(p);
		if (parse_set(r, str_of(p, q ? (size_t)(q - p) : strlen(p))) || !q)
			break;
	}
	free(raw.p);
	if (!r->failed) {
		fold_sets(r);
		format_sets(r);
	}
	r->err = NULL;
	if (!r->failed)
		return r;
	semver_range_free(r);
	return NULL;
}

void semver_range_free(struct semver_range *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nc; i++) {
		semver_free(&r->c[i].v);
		free(r->c[i].value);
	}
	free(r->c);
	free(r->set);
	free(r->text);
	free(r);
}

static int cmp_test(const struct comparator *c, const struct semver *v)
{
	int d = c->op == OP_ANY ? 0 : semver_compare(v, &c->v);
	return c->op == OP_LT ? d < 0 : c->op == OP_LE ? d <= 0 : c->op == OP_GT ? d > 0
		: c->op == OP_GE ? d >= 0 : d == 0;
}

/* Every comparator must pass; a prerelease version also needs a comparator
 * with a prerelease on its own major.minor.patch, so that ^1.2.3-beta.2
 * admits 1.2.3-beta.4 while >=1.0.0 never admits 1.5.0-rc.1. */
static int set_test(const struct comparator *c, size_t n, const struct semver *v)
{
	int pre_ok = !v->pre || !*v->pre;
	for (size_t i = 0; i < n; i++) {
		if (!cmp_test(&c[i], v))
			return 0;
		pre_ok |= c[i].op != OP_ANY && c[i].v.pre && *c[i].v.pre && c[i].v.major == v->major &&
			  c[i].v.minor == v->minor && c[i].v.patch == v->patch;
	}
	return pre_ok;
}

int semver_range_test(const struct semver_range *r, const struct semver *v)
{
	for (size_t i = 0; r && v && i < r->nset; i++)
		if (set_test(r->c + r->set[i].start, r->set[i].n, v))
			return 1;
	return 0;
}

int semver_range_format(const struct semver_range *r, char *buf, size_t len)
{
	return snprintf(buf, len, "%s", r && r->text ? r->text : "");
}

int semver_satisfies(const char *version, const char *range)
{
	struct semver v;
	struct semver_range *r = semver_range_parse(range, NULL, 0);
	int ok = r && !semver_parse(version, SEMVER_NPM, &v) && semver_range_test(r, &v);
	if (r)
		semver_free(&v);
	semver_range_free(r);
	return ok;
}
