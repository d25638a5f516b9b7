/* json_end: where a JSON document written in pieces ends, found as its
 * bytes arrive, without reading any byte twice.
 *
 * Shells throw away the error of close(), so osfs also checks a document
 * at the write() that completes it (SPEC 4, fs/write_check.c).  This is
 * how it knows that write: a few bytes of state per upload, fed each
 * write's bytes in order.  It tracks nesting, strings and escapes only; it
 * does not validate.  Brackets that do not match ("{]") count as closing,
 * which is right: such bytes can never become valid JSON, so checking them
 * then refuses nothing a later write could have mended.
 *
 * A write at any offset but the end of what was scanned, a top-level
 * number or literal (whose end no byte marks), or anything but whitespace
 * after the value turns the scan off: the close() decides alone.
 */
#ifndef OSFS_JSON_END_H
#define OSFS_JSON_END_H

#include <stddef.h>

enum json_end_state {
	JSON_END_BEFORE,   /* only whitespace so far */
	JSON_END_VALUE,    /* inside the top-level value */
	JSON_END_DONE,     /* the value is closed, whitespace at most after it */
	JSON_END_OFF,      /* not followed (see above) */
};

struct json_end {
	size_t at;              /* bytes scanned: where a sequential write starts */
	size_t depth;           /* open arrays and objects */
	unsigned char state;    /* enum json_end_state */
	unsigned char in_string, escape;
	unsigned char checked;  /* the caller's: the complete document was checked */
};

/* Back to an empty document (a truncation to 0). */
void json_end_reset(struct json_end *s);
/* Stops following the document. */
void json_end_off(struct json_end *s);
/* Scans the len bytes written at offset off.  Returns 1 if the bytes
 * scanned so far are one complete value followed by whitespace at most,
 * else 0. */
int json_end_feed(struct json_end *s, size_t off, const char *p, size_t len);

#endif
