/* json_util: helpers that check_json.c and check_json_print.c share. */
#ifndef OSFS_TESTS_JSON_UTIL_H
#define OSFS_TESTS_JSON_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "catalog/json_parse.h"
#include "tests/unit/check_common.h"

/* 1 if a and b are the same tree, member for member in the same order
 * (cJSON_Compare is exponential in the depth of nested objects). */
static inline int same_tree(const cJSON *a, const cJSON *b)
{
	size_t n = 0, cap = 64;
	const cJSON **st = malloc(cap * 2 * sizeof(*st));
	int same = st != NULL;
	if (same) {
		st[n * 2] = a;
		st[n * 2 + 1] = b;
		n++;
	}
	while (same && n) {
		n--;
		const cJSON *x = st[n * 2], *y = st[n * 2 + 1];
		if (!x || !y) {
			same = !x && !y;
			continue;
		}
		same = (x->type & 0xFF) == (y->type & 0xFF) && !x->string == !y->string &&
		       (!x->string || !strcmp(x->string, y->string)) && !x->valuestring == !y->valuestring &&
		       (!x->valuestring || !strcmp(x->valuestring, y->valuestring)) &&
		       !memcmp(&x->valuedouble, &y->valuedouble, sizeof(double)) && x->valueint == y->valueint;
		if (!same)
			break;
		if (n + 2 > cap) {
			const cJSON **g = realloc(st, (cap *= 2) * 2 * sizeof(*st));
			if (!g) {
				same = 0;
				break;
			}
			st = g;
		}
		/* the next siblings, then the first children (taken first) */
		st[n * 2] = x->next;
		st[n * 2 + 1] = y->next;
		n++;
		st[n * 2] = x->child;
		st[n * 2 + 1] = y->child;
		n++;
	}
	free(st);
	return same;
}

/* Every document is parsed from a heap copy of exactly its length (no
 * terminating NUL), so a sanitizer build catches any read past the end.
 * It is parsed twice, by json_parse() and by json_parse_arena(): both must
 * give the same tree, or the same error at the same place. */
static inline cJSON *parse_n(const char *s, size_t len, const struct json_limits *lim,
		      struct json_error *e)
{
	char *copy = malloc(len ? len : 1);
	REQUIRE(copy != NULL);
	memcpy(copy, s, len);
	cJSON *v = json_parse(copy, len, lim, e);
	struct json_error ea;
	struct json_arena *arena = (struct json_arena *)&ea; /* must be overwritten */
	cJSON *va = json_parse_arena(copy, len, lim, &ea, &arena);
	free(copy);
	REQUIRE_MSG(!v == !va, "%.60s: json_parse %s it, json_parse_arena %s it", s,
		    v ? "accepts" : "refuses", va ? "accepts" : "refuses");
	REQUIRE_MSG(!va == !arena, "%.60s: an arena %s a tree", s, arena ? "without" : "missing for");
	if (v)
		REQUIRE_MSG(same_tree(v, va), "%.60s: the arena's tree differs", s);
	else
		REQUIRE_MSG(e->err == ea.err && e->offset == ea.offset && e->line == ea.line &&
			    e->col == ea.col && !strcmp(e->msg, ea.msg),
			    "%.60s: errors differ: %s at %u:%u, arena %s at %u:%u", s, e->msg, e->line,
			    e->col, ea.msg, ea.line, ea.col);
	json_arena_free(arena);
	return v;
}

static inline cJSON *parse_ok(const char *s, size_t len, const struct json_limits *lim)
{
	struct json_error e;
	cJSON *v = parse_n(s, len, lim, &e);
	REQUIRE_MSG(v != NULL, "rejected %.60s: %s at %u:%u", s, e.msg, e.line, e.col);
	return v;
}

#endif
