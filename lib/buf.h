/* buf: a growable byte buffer with a sticky error.
 *
 * Appends after a failed allocation do nothing, so a caller can build a
 * whole document and check buf_error() once at the end instead of after
 * every append.  Every function still returns 0 or -ENOMEM.
 */
#ifndef OSFS_BUF_H
#define OSFS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;      /* always NUL-terminated when len > 0 or cap > 0 */
	size_t len;
	size_t cap;
	int err;      /* 0 or -ENOMEM, sticky */
};

#define BUF_INIT { NULL, 0, 0, 0 }

int buf_reserve(struct buf *b, size_t extra);
int buf_add(struct buf *b, const void *data, size_t n);
int buf_addc(struct buf *b, char c);
int buf_adds(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Returns the sticky error (0 or -ENOMEM). */
static inline int buf_error(const struct buf *b) { return b->err; }
/* The contents as a C string ("" for an empty buffer). */
const char *buf_str(const struct buf *b);
/* Hands the storage to the caller (NUL-terminated, never NULL unless the
 * buffer is in error) and resets b. */
char *buf_detach(struct buf *b, size_t *len);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
