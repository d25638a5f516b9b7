/* json_util: helpers that check_json.c and check_json_print.c share. */
#ifndef OSFS_TESTS_JSON_UTIL_H
#define OSFS_TESTS_JSON_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "catalog/json_parse.h"
#include "tests/unit/check_common.h"

/* Every document is parsed from a heap copy of exactly its length (no
 * terminating NUL), so a sanitizer build catches any read past the end. */
static inline cJSON *parse_n(const char *s, size_t len, const struct json_limits *lim,
		      struct json_error *e)
{
	char *copy = malloc(len ? len : 1);
	REQUIRE(copy != NULL);
	memcpy(copy, s, len);
	cJSON *v = json_parse(copy, len, lim, e);
	free(copy);
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
