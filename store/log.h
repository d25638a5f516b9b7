/* log: each tenant's append-only, human-readable event log
 * (tenants/<t>/log), one row per line addressed by its byte offset. */
#ifndef OSFS_LOG_H
#define OSFS_LOG_H

#include <stdint.h>

#include "lib/buf.h"
#include "store/changes.h"
#include "store/db.h"

/* Appends "<UTC time> <text>\n".  text (which may quote a hostile
 * artifact or name) is escaped by esc_text (lib/escape.h): a newline
 * in it never starts a line, and reading the log never drives the
 * terminal.  Inside a write transaction. */
int log_append(struct db *db, int64_t tenant, int64_t ts, const char *text, struct changes *ch);

/* Up to size bytes of the tenant's log from byte off, appended to out
 * (nothing past the end). */
int log_read(struct db *db, int64_t tenant, uint64_t off, size_t size, struct buf *out);

/* "2026-11-24T08:16:00.123Z" */
void log_format_time(int64_t ns, char *buf, size_t len);

#endif
