/* json_print: deterministic JSON text from a cJSON tree.
 *
 * Pretty output is indented by two spaces with ": " after keys and ends in
 * a newline, like `jq .`.  Numbers print as JavaScript's JSON.stringify
 * prints them (integers without a fraction, otherwise the shortest text
 * that reads back as the same double), so the files a compiler would emit
 * and the files osfs shows agree.  Non-ASCII text is kept as UTF-8.
 */
#ifndef OSFS_JSON_PRINT_H
#define OSFS_JSON_PRINT_H

#include <cjson/cJSON.h>

#include "lib/buf.h"

int json_print_pretty(const cJSON *v, struct buf *out);
int json_print_compact(const cJSON *v, struct buf *out);
/* Appends s as a JSON string literal (quotes included). */
int json_print_string(const char *s, struct buf *out);
/* Appends a number as JSON.stringify would. */
int json_print_number(double d, struct buf *out);

#endif
