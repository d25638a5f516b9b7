/* json_parse: a strict RFC 8259 parser that builds a cJSON tree.
 *
 * cJSON alone accepts too much for an installer (leading zeros, "1.",
 * raw control characters in strings, trailing garbage after a length,
 * invalid UTF-8, lone surrogates, NUL escapes that silently truncate,
 * numbers that overflow to infinity) and it neither reports duplicate keys
 * nor where an error is.  This parser checks all of that, bounds nesting
 * and the number of values, and reports line and column.
 */
#ifndef OSFS_JSON_PARSE_H
#define OSFS_JSON_PARSE_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct json_limits {
	int max_depth;        /* deepest allowed nesting of arrays/objects */
	size_t max_values;    /* most values (of any kind) in one document */
};

#define JSON_DEFAULT_DEPTH 128
#define JSON_DEFAULT_VALUES ((size_t)1 << 22)

struct json_error {
	int err;              /* EINVAL, or ENOMEM / EFBIG */
	size_t offset;        /* byte offset of the problem */
	unsigned line, col;   /* 1-based; col counts characters */
	char msg[160];        /* "duplicate key \"name\"", "expected ',' or '}'" */
};

/* Parses exactly buf[0..len) as one JSON value.  Returns the tree, or NULL
 * with *e filled in.  limits may be NULL for the defaults. */
cJSON *json_parse(const char *buf, size_t len, const struct json_limits *limits,
		  struct json_error *e);

/* The same, with the tree's nodes and strings in an arena (*arena, NULL on
 * failure): much faster to build and to free.  The tree is read-only — no
 * cJSON function that adds, replaces, detaches or deletes may touch it, and
 * nothing of it may be linked into another tree — and it is freed, all at
 * once, by json_arena_free(), never by cJSON_Delete(). */
struct json_arena;
cJSON *json_parse_arena(const char *buf, size_t len, const struct json_limits *limits,
			struct json_error *e, struct json_arena **arena);
void json_arena_free(struct json_arena *a);

/* 1 if [s, s+len) is valid UTF-8 (no overlongs, surrogates, or > U+10FFFF). */
int json_utf8_valid(const char *s, size_t len);
/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
size_t json_utf8_seq(const char *s, size_t n);

#endif
