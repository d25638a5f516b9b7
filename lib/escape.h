/* escape: text from users and artifacts made safe to show on one line.
 *
 * Names and messages written to a tenant's log, stderr or syslog may hold
 * any bytes a user chose (a file name with a newline, an ESC sequence, a
 * byte that is not UTF-8).  Shown raw, a newline forges a line of the log
 * and an escape sequence drives the reader's terminal.  These functions
 * write every such byte as a C-style escape instead, so one event is
 * always one line and no byte of it is a control:
 *
 *   \n \t \r        those three
 *   \xHH            any other C0 byte, DEL, a byte that is not part of
 *                   valid UTF-8, and the bytes of a C1 control (U+0080-U+009F)
 *
 * A backslash stays as it is: messages quote JSON escapes ("invalid \u
 * escape") that read better undoubled, and a name holding a real "\n"
 * forges nothing either: it is on the one line of its event.
 *
 * Valid UTF-8 (é, 日本) stays as it is.  Used by store/sqlite/log.c (the tenant
 * log) and fs/main.c (stderr, syslog).
 */
#ifndef OSFS_ESCAPE_H
#define OSFS_ESCAPE_H

#include "lib/buf.h"

/* Appends s, escaped, to b.  Returns 0 or -ENOMEM (b's sticky error). */
int esc_text(struct buf *b, const char *s);

#endif
