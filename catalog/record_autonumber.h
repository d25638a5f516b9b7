/* record_autonumber: the value of an autonumber field of a new record
 * (catalog/record_autonumber.c; docs/records.md). */
#ifndef OSFS_RECORD_AUTONUMBER_H
#define OSFS_RECORD_AUTONUMBER_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"

/* Renders fmt (autonumberFormat: literal text, {0000} the counter padded
 * to that many digits, {YYYY} {MM} {DD} {YYYYMMDD} the UTC date of now,
 * {field} the record's value of a field) for record rec, with the counter
 * one above the highest that the values in taken (rendered with the same
 * prefix and suffix) hold: the counter restarts per rendered prefix.
 * NULL fmt is "{0}".  Returns 0 or -ENOMEM / -EINVAL (no counter). */
int autonumber_next(const char *fmt, const cJSON *rec, int64_t now, const char *const *taken, size_t ntaken,
		    struct buf *out);

#endif
