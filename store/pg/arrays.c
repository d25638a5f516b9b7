/* arrays: one-dimensional array parameters in PostgreSQL's binary format,
 * so that many rows go to the server in one statement
 * (INSERT ... SELECT ... FROM unnest($1::bigint[], $2::text[], ...)) rather
 * than one round trip each (docs/performance.md, "PostgreSQL installs").
 *
 * The format is array_recv's: ndim, a has-NULL flag, the element type,
 * then per dimension its length and lower bound, then each element as a
 * length (-1 for NULL) and its bytes in the element type's binary form.
 * Binary needs no quoting or escaping of the elements, which a text array
 * literal would ({"a\"b",NULL} and its rules). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/pg.h"

#define HEADER 20 /* ndim, flags, element type, length, lower bound */

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static unsigned char *room(struct pg_array *a, size_t n)
{
	if (a->err)
		return NULL;
	if (a->len + n > PG_ARRAY_MAX) {
		a->err = -EFBIG;
		return NULL;
	}
	if (a->len + n > a->cap) {
		size_t cap = a->cap ? a->cap : 256;
		while (cap < a->len + n)
			cap *= 2;
		unsigned char *p = realloc(a->p, cap);
		if (!p) {
			a->err = -ENOMEM;
			return NULL;
		}
		a->p = p;
		a->cap = cap;
	}
	unsigned char *at = a->p + a->len;
	a->len += n;
	return at;
}

void pg_array_init(struct pg_array *a, Oid elem, Oid type)
{
	memset(a, 0, sizeof(*a));
	a->elem = elem;
	a->type = type;
	a->len = HEADER; /* written by pg_array_arg() */
	if (!(a->p = malloc(256)))
		a->err = -ENOMEM;
	else
		a->cap = 256;
}

void pg_array_reset(struct pg_array *a)
{
	a->len = HEADER;
	a->n = 0;
	a->nulls = 0;
	a->err = a->p ? 0 : -ENOMEM;
}

static void element(struct pg_array *a, const void *v, size_t n)
{
	unsigned char *p = room(a, 4 + n);
	if (!p)
		return;
	put32(p, (uint32_t)n);
	if (n)
		memcpy(p + 4, v, n);
	a->n++;
}

void pg_array_null(struct pg_array *a)
{
	unsigned char *p = room(a, 4);
	if (!p)
		return;
	put32(p, 0xFFFFFFFFu);
	a->n++;
	a->nulls = 1;
}

void pg_array_text(struct pg_array *a, const char *s)
{
	if (!s) {
		pg_array_null(a);
		return;
	}
	/* As pg_query() refuses such text: it would fail the statement. */
	if (!pg_utf8_ok(s)) {
		if (!a->err)
			a->err = -EILSEQ;
		return;
	}
	element(a, s, strlen(s));
}

void pg_array_bytes(struct pg_array *a, const void *p, size_t n)
{
	if (!p) {
		pg_array_null(a);
		return;
	}
	element(a, p, n);
}

void pg_array_i64(struct pg_array *a, int64_t v)
{
	struct pg_arg x = pg_i64(v);
	element(a, x.i8, 8);
}

void pg_array_f64(struct pg_array *a, double v)
{
	struct pg_arg x = pg_f64(v);
	element(a, x.i8, 8);
}

struct pg_arg pg_array_arg(struct pg_array *a)
{
	struct pg_arg x = { a->type, (const char *)a->p, (int)a->len, 1, { 0 } };
	if (!a->p)
		return x;
	put32(a->p, 1);
	put32(a->p + 4, (uint32_t)a->nulls);
	put32(a->p + 8, a->elem);
	put32(a->p + 12, (uint32_t)a->n);
	put32(a->p + 16, 1);
	return x;
}

void pg_array_free(struct pg_array *a)
{
	free(a->p);
	a->p = NULL;
	a->len = a->cap = 0;
}
