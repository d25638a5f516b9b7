/* json_parse: strict recursive-descent JSON parser building a cJSON tree.
 *
 * Recursion is bounded by max_depth (128 by default), so a hostile
 * 100,000-level document fails fast without touching the stack limit.
 * Duplicate keys are found per object once it is complete: by comparing
 * every pair in a small object, by sorting the keys in a large one
 * (O(n log n) even for an object with a million members).
 *
 * json_parse_arena() puts every node and string of the tree in a few large
 * blocks instead of two or three malloc()s per value: an artifact's tree
 * (17,000 values for the 722 KB showcase) is built and freed in a fraction
 * of the time.
 */
#include "catalog/json_parse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* Blocks of ARENA_BLOCK bytes, or one of its own for a larger string. */
#define ARENA_BLOCK 65536
#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct json_arena {
	struct arena_block *head;
};

struct parser {
	const unsigned char *s;
	size_t len, pos;
	int depth, max_depth;
	size_t values, max_values;
	struct json_error *e;
	struct buf str; /* scratch for decoded strings */
	struct json_arena *arena; /* NULL: every node and string is malloc()ed */
};

/* size bytes of zeroes from the arena, or NULL. */
static void *arena_alloc(struct json_arena *a, size_t size)
{
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct arena_block *b = a->head;
	if (!b || b->cap - b->used < size) {
		size_t cap = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;
		struct arena_block *n = malloc(sizeof(*n) + cap);
		if (!n)
			return NULL;
		n->used = 0;
		n->cap = cap;
		/* A block of its own goes behind the current one, which may
		 * still have room for small values. */
		if (b && cap == size) {
			n->next = b->next;
			b->next = n;
		} else {
			n->next = b;
			a->head = n;
		}
		b = n;
	}
	void *r = b->data + b->used;
	b->used += size;
	memset(r, 0, size);
	return r;
}

void json_arena_free(struct json_arena *a)
{
	if (!a)
		return;
	for (struct arena_block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

/* A value of that type, without contents. */
static cJSON *new_item(struct parser *p, int type)
{
	cJSON *v = p->arena ? arena_alloc(p->arena, sizeof(*v)) : cJSON_CreateNull();
	if (v)
		v->type = type;
	return v;
}

/* A copy of the decoded string, owned by the tree. */
static char *tree_str(struct parser *p)
{
	size_t n = p->str.len + 1;
	char *c = p->arena ? arena_alloc(p->arena, n) : cJSON_malloc(n);
	if (c)
		memcpy(c, buf_str(&p->str), n);
	return c;
}

/* Frees a subtree of a failed parse (an arena's goes with the arena). */
static void drop(struct parser *p, cJSON *v)
{
	if (!p->arena)
		cJSON_Delete(v);
}

static void where(const unsigned char *s, size_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			l++;
			c = 1;
		} else if ((s[i] & 0xC0) != 0x80) {
			c++; /* count characters, not continuation bytes */
		}
	}
	*line = l;
	*col = c;
}

__attribute__((format(printf, 4, 5)))
static void fail_at(struct parser *p, size_t off, int err, const char *fmt, ...)
{
	if (p->e->err)
		return; /* keep the first problem */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->e->msg, sizeof(p->e->msg), fmt, ap);
	va_end(ap);
	p->e->err = err;
	p->e->offset = off;
	where(p->s, off, &p->e->line, &p->e->col);
}

#define fail(p, ...) fail_at((p), (p)->pos, EINVAL, __VA_ARGS__)

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t k;
	unsigned lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		k = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		k = 3;
		if (c == 0xE0)
			lo = 0xA0;      /* overlong */
		else if (c == 0xED)
			hi = 0x9F;      /* UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		k = 4;
		if (c == 0xF0)
			lo = 0x90;      /* overlong */
		else if (c == 0xF4)
			hi = 0x8F;      /* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return k;
}

size_t json_utf8_seq(const char *s, size_t n)
{
	return n ? utf8_seq((const unsigned char *)s, n) : 0;
}

int json_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq(u + i, len - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

/* Reports what was found instead of `expected`: the end of the input, a
 * NUL byte or invalid UTF-8 (both invisible in most editors), or the
 * character itself. */
static void fail_expected(struct parser *p, const char *expected, const char *where)
{
	if (p->pos >= p->len) {
		fail(p, "unexpected end of input in %s", where);
		return;
	}
	unsigned char c = p->s[p->pos];
	if (c == 0)
		fail(p, "NUL byte where %s was expected in %s", expected, where);
	else if (c >= 0x80 && !utf8_seq(p->s + p->pos, p->len - p->pos))
		fail(p, "invalid UTF-8 where %s was expected in %s", expected, where);
	else if (c > 0x20 && c < 0x7f)
		fail(p, "expected %s in %s, found '%c'", expected, where, c);
	else
		fail(p, "expected %s in %s", expected, where);
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int count_value(struct parser *p)
{
	if (++p->values > p->max_values) {
		fail_at(p, p->pos, EFBIG, "more than %zu values in one document", p->max_values);
		return -1;
	}
	return 0;
}

static int hex4(const unsigned char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	char o[4];
	size_t n;
	if (cp < 0x80) {
		o[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		o[0] = (char)(0xF0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_add(b, o, n);
}

/* \uXXXX (and its low surrogate, if it is a high one) at p->pos, which
 * points at the 'u'. */
static int parse_u_escape(struct parser *p)
{
	size_t start = p->pos - 1;
	unsigned cp, lo;
	if (p->len - p->pos < 5 || hex4(p->s + p->pos + 1, &cp) < 0) {
		fail_at(p, start, EINVAL, "invalid \\u escape: expected four hex digits");
		return -1;
	}
	p->pos += 5;
	if (cp >= 0xDC00 && cp <= 0xDFFF) {
		fail_at(p, start, EINVAL, "invalid \\u escape: lone low surrogate \\u%04X", cp);
		return -1;
	}
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
		    hex4(p->s + p->pos + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF) {
			fail_at(p, start, EINVAL,
				"invalid \\u escape: high surrogate \\u%04X without its low surrogate", cp);
			return -1;
		}
		p->pos += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	if (cp == 0) {
		fail_at(p, start, EINVAL, "NUL character (\\u0000) in a string");
		return -1;
	}
	put_utf8(&p->str, cp);
	return 0;
}

static int parse_escape(struct parser *p)
{
	unsigned char c = p->pos < p->len ? p->s[p->pos] : 0;
	char out;
	switch (c) {
	case '"': out = '"'; break;
	case '\\': out = '\\'; break;
	case '/': out = '/'; break;
	case 'b': out = '\b'; break;
	case 'f': out = '\f'; break;
	case 'n': out = '\n'; break;
	case 'r': out = '\r'; break;
	case 't': out = '\t'; break;
	case 'u': return parse_u_escape(p);
	default:
		fail_at(p, p->pos - 1, EINVAL, "invalid escape sequence in a string");
		return -1;
	}
	p->pos++;
	buf_addc(&p->str, out);
	return 0;
}

/* Decodes the string at p->pos (which is at the opening quote) into
 * p->str.  Returns 0 or -1. */
static int parse_string_raw(struct parser *p)
{
	size_t start = p->pos++;
	buf_reset(&p->str);
	for (;;) {
		if (p->pos >= p->len) {
			fail_at(p, start, EINVAL, "unterminated string");
			return -1;
		}
		unsigned char c = p->s[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c == '\\') {
			p->pos++;
			if (parse_escape(p) < 0)
				return -1;
			continue;
		}
		if (c == 0) {
			fail(p, "NUL byte in a string");
			return -1;
		}
		if (c < 0x20) {
			fail(p, "unescaped control character 0x%02X in a string", c);
			return -1;
		}
		size_t k = utf8_seq(p->s + p->pos, p->len - p->pos);
		if (!k) {
			fail(p, "invalid UTF-8 in a string");
			return -1;
		}
		/* Copy the longest run of plain bytes at once. */
		size_t run = p->pos + k;
		while (run < p->len && p->s[run] >= 0x20 && p->s[run] < 0x80 &&
		       p->s[run] != '"' && p->s[run] != '\\')
			run++;
		buf_add(&p->str, p->s + p->pos, run - p->pos);
		p->pos = run;
	}
	if (buf_error(&p->str)) {
		fail_at(p, start, ENOMEM, "out of memory");
		return -1;
	}
	return 0;
}

static size_t digits(const struct parser *p, size_t i)
{
	while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9')
		i++;
	return i;
}

static cJSON *parse_number(struct parser *p)
{
	size_t start = p->pos, i = p->pos;
	if (i < p->len && p->s[i] == '-')
		i++;
	if (i >= p->len || p->s[i] < '0' || p->s[i] > '9') {
		fail_at(p, start, EINVAL, "invalid number");
		return NULL;
	}
	if (p->s[i] == '0') {
		i++;
		if (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') {
			fail_at(p, start, EINVAL, "invalid number: leading zero");
			return NULL;
		}
	} else {
		i = digits(p, i);
	}
	if (i < p->len && p->s[i] == '.') {
		size_t j = digits(p, i + 1);
		if (j == i + 1) {
			fail_at(p, i, EINVAL, "invalid number: expected a digit after '.'");
			return NULL;
		}
		i = j;
	}
	if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
		size_t j = i + 1;
		if (j < p->len && (p->s[j] == '+' || p->s[j] == '-'))
			j++;
		size_t k = digits(p, j);
		if (k == j) {
			fail_at(p, i, EINVAL, "invalid number: expected a digit in the exponent");
			return NULL;
		}
		i = k;
	}
	/* strtod needs a terminated copy; the input need not be terminated. */
	size_t n = i - start;
	char small[64], *tmp = n < sizeof(small) ? small : malloc(n + 1);
	if (!tmp) {
		fail_at(p, start, ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(tmp, p->s + start, n);
	tmp[n] = '\0';
	double d = strtod(tmp, NULL);
	if (tmp != small)
		free(tmp);
	if (isinf(d)) {
		fail_at(p, start, EINVAL, "number out of range");
		return NULL;
	}
	p->pos = i;
	cJSON *v = new_item(p, cJSON_Number);
	if (!v) {
		fail_at(p, start, ENOMEM, "out of memory");
		return NULL;
	}
	cJSON_SetNumberValue(v, d);
	return v;
}

static cJSON *parse_value(struct parser *p);

static int enter(struct parser *p)
{
	if (++p->depth > p->max_depth) {
		fail(p, "nesting deeper than %d levels", p->max_depth);
		return -1;
	}
	return 0;
}

static cJSON *parse_array(struct parser *p)
{
	if (enter(p) < 0)
		return NULL;
	cJSON *arr = new_item(p, cJSON_Array);
	if (!arr) {
		fail_at(p, p->pos, ENOMEM, "out of memory");
		return NULL;
	}
	p->pos++; /* '[' */
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == ']') {
		p->pos++;
		p->depth--;
		return arr;
	}
	for (;;) {
		skip_ws(p);
		cJSON *v = parse_value(p);
		if (!v)
			goto bad;
		cJSON_AddItemToArray(arr, v);
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == ']') {
			p->pos++;
			break;
		}
		fail_expected(p, "',' or ']'", "an array");
		goto bad;
	}
	p->depth--;
	return arr;
bad:
	drop(p, arr);
	return NULL;
}

struct keypos {
	const char *key;
	size_t off;
};

/* The keys of an object being parsed, with their offsets for the error.
 * Most objects have a few members: those need no allocation. */
#define KEYS_SMALL 16

struct keys {
	struct keypos small[KEYS_SMALL];
	struct keypos *kp;   /* small, or heap when there are more */
	size_t n, cap;
};

static int keypos_cmp(const void *a, const void *b)
{
	const struct keypos *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The first key in the document that repeats an earlier one, or NULL
 * (its offset in *off).  Pairs for a small object; for a large one,
 * after sorting equal keys are adjacent and ordered by position, so the
 * first repeat in the document is the smallest offset among the repeats. */
static const char *first_duplicate(struct keys *k, size_t *off)
{
	if (k->n <= KEYS_SMALL) {
		for (size_t j = 1; j < k->n; j++)
			for (size_t i = 0; i < j; i++)
				if (!strcmp(k->kp[i].key, k->kp[j].key)) {
					*off = k->kp[j].off;
					return k->kp[j].key;
				}
		return NULL;
	}
	qsort(k->kp, k->n, sizeof(*k->kp), keypos_cmp);
	const char *key = NULL;
	*off = (size_t)-1;
	for (size_t i = 1; i < k->n; i++) {
		if (!strcmp(k->kp[i - 1].key, k->kp[i].key) && k->kp[i].off < *off) {
			*off = k->kp[i].off;
			key = k->kp[i].key;
		}
	}
	return key;
}

static int keys_add(struct keys *k, const char *key, size_t off)
{
	if (k->n == k->cap) {
		size_t c = k->cap * 4;
		struct keypos *n = k->kp == k->small ? malloc(c * sizeof(*n)) : realloc(k->kp, c * sizeof(*n));
		if (!n)
			return -1;
		if (k->kp == k->small)
			memcpy(n, k->small, sizeof(k->small));
		k->kp = n;
		k->cap = c;
	}
	k->kp[k->n++] = (struct keypos){ key, off };
	return 0;
}

static int parse_member(struct parser *p, cJSON *obj, struct keys *k)
{
	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != '"') {
		fail_expected(p, "a string key", "an object");
		return -1;
	}
	size_t koff = p->pos;
	if (parse_string_raw(p) < 0)
		return -1;
	char *key = tree_str(p);
	if (!key) {
		fail_at(p, koff, ENOMEM, "out of memory");
		return -1;
	}
	skip_ws(p);
	cJSON *v = NULL;
	if (p->pos >= p->len || p->s[p->pos] != ':') {
		fail_expected(p, "':' after a key", "an object");
	} else {
		p->pos++;
		skip_ws(p);
		v = parse_value(p);
	}
	if (!v) {
		if (!p->arena)
			cJSON_free(key);
		return -1;
	}
	/* The key goes to cJSON without another copy; cJSON_Delete frees it. */
	v->string = key;
	cJSON_AddItemToArray(obj, v);
	if (keys_add(k, key, koff) < 0) {
		fail_at(p, koff, ENOMEM, "out of memory");
		return -1;
	}
	return 0;
}

static cJSON *parse_object(struct parser *p)
{
	if (enter(p) < 0)
		return NULL;
	cJSON *obj = new_item(p, cJSON_Object);
	struct keys k;
	k.kp = k.small;
	k.n = 0;
	k.cap = KEYS_SMALL;
	if (!obj) {
		fail_at(p, p->pos, ENOMEM, "out of memory");
		return NULL;
	}
	p->pos++; /* '{' */
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == '}') {
		p->pos++;
		goto done;
	}
	for (;;) {
		if (parse_member(p, obj, &k) < 0)
			goto bad;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == '}') {
			p->pos++;
			break;
		}
		fail_expected(p, "',' or '}'", "an object");
		goto bad;
	}
	size_t off;
	const char *dup = first_duplicate(&k, &off);
	if (dup) {
		fail_at(p, off, EINVAL, "duplicate key \"%.80s\" in an object", dup);
		goto bad;
	}
done:
	if (k.kp != k.small)
		free(k.kp);
	p->depth--;
	return obj;
bad:
	if (k.kp != k.small)
		free(k.kp);
	drop(p, obj);
	return NULL;
}

static cJSON *parse_literal(struct parser *p)
{
	static const struct { const char *text; int type; } lit[] = {
		{ "true", cJSON_True }, { "false", cJSON_False }, { "null", cJSON_NULL },
	};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(lit[i].text);
		if (p->len - p->pos >= n && !memcmp(p->s + p->pos, lit[i].text, n)) {
			p->pos += n;
			cJSON *v = new_item(p, lit[i].type);
			if (!v)
				fail_at(p, p->pos - n, ENOMEM, "out of memory");
			return v;
		}
	}
	for (size_t i = 0; i < 3; i++) {
		size_t have = p->len - p->pos;
		if (have < strlen(lit[i].text) && !memcmp(p->s + p->pos, lit[i].text, have)) {
			fail(p, "unexpected end of input in the literal %s", lit[i].text);
			return NULL;
		}
	}
	unsigned char c = p->s[p->pos];
	if (c == 0)
		fail(p, "NUL byte");
	else if (c >= 0x80 && !utf8_seq(p->s + p->pos, p->len - p->pos))
		fail(p, "invalid UTF-8");
	else if (c >= 0x20 && c < 0x7f)
		fail(p, "unexpected character '%c'", c);
	else
		fail(p, "unexpected character");
	return NULL;
}

static cJSON *parse_value(struct parser *p)
{
	if (p->pos >= p->len) {
		fail(p, "unexpected end of input: expected a value");
		return NULL;
	}
	if (count_value(p) < 0)
		return NULL;
	unsigned char c = p->s[p->pos];
	if (c == '{')
		return parse_object(p);
	if (c == '[')
		return parse_array(p);
	if (c == '"') {
		size_t start = p->pos;
		if (parse_string_raw(p) < 0)
			return NULL;
		cJSON *v = new_item(p, cJSON_String);
		if (v && !(v->valuestring = tree_str(p))) {
			drop(p, v);
			v = NULL;
		}
		if (!v)
			fail_at(p, start, ENOMEM, "out of memory");
		return v;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p);
	return parse_literal(p);
}

static cJSON *parse(const char *buf, size_t len, const struct json_limits *limits,
		    struct json_error *e, struct json_arena *arena)
{
	struct parser p = {
		.s = (const unsigned char *)buf,
		.len = len,
		.max_depth = limits ? limits->max_depth : JSON_DEFAULT_DEPTH,
		.max_values = limits ? limits->max_values : JSON_DEFAULT_VALUES,
		.e = e,
		.str = BUF_INIT,
		.arena = arena,
	};
	memset(e, 0, sizeof(*e));
	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) {
		fail(&p, "starts with a UTF-8 byte order mark; save the file without one");
		return NULL;
	}
	skip_ws(&p);
	cJSON *root = parse_value(&p);
	if (root) {
		skip_ws(&p);
		if (p.pos < p.len) {
			if (p.s[p.pos] == 0)
				fail(&p, "NUL byte after the document");
			else
				fail(&p, "unexpected data after the end of the document");
			drop(&p, root);
			root = NULL;
		}
	}
	buf_free(&p.str);
	return root;
}

cJSON *json_parse(const char *buf, size_t len, const struct json_limits *limits,
		  struct json_error *e)
{
	return parse(buf, len, limits, e, NULL);
}

cJSON *json_parse_arena(const char *buf, size_t len, const struct json_limits *limits,
			struct json_error *e, struct json_arena **arena)
{
	*arena = calloc(1, sizeof(**arena));
	if (!*arena) {
		memset(e, 0, sizeof(*e));
		e->err = ENOMEM;
		snprintf(e->msg, sizeof(e->msg), "out of memory");
		e->line = e->col = 1;
		return NULL;
	}
	cJSON *root = parse(buf, len, limits, e, *arena);
	if (!root) {
		json_arena_free(*arena);
		*arena = NULL;
	}
	return root;
}
