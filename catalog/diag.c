/* diag: errors and warnings with an errno and a sentence each. */
#include "catalog/diag.h"

#include "catalog/json_parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int diag_push(struct diag *d, int err, char *msg)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag_item *v = realloc(d->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n].err = err;
	d->v[d->n].msg = msg;
	d->n++;
	if (err)
		d->nerr++;
	return 0;
}

/* Messages quote names cut to a length ("%.80s"), which may split a
 * character: every byte that is not part of valid UTF-8 becomes '?'. */
static void repair_utf8(char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t k = json_utf8_seq(s + i, n - i);
		if (k) {
			i += k;
		} else {
			s[i++] = '?';
		}
	}
}

void diag_add(struct diag *d, int err, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n >= 0)
		repair_utf8(msg);
	if (n < 0 || diag_push(d, err, msg) < 0) {
		if (n >= 0)
			free(msg);
		d->oom = 1;
	}
}

int diag_errno(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].err)
			return d->v[i].err;
	return d->oom ? ENOMEM : 0;
}

const char *diag_first(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].err)
			return d->v[i].msg;
	return d->oom ? "out of memory while recording a problem" : NULL;
}

void diag_move(struct diag *dst, struct diag *src)
{
	for (size_t i = 0; i < src->n; i++) {
		if (diag_push(dst, src->v[i].err, src->v[i].msg) < 0) {
			free(src->v[i].msg);
			dst->oom = 1;
		}
	}
	dst->oom |= src->oom;
	free(src->v);
	memset(src, 0, sizeof(*src));
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

const char *diag_errname(int err)
{
	switch (err) {
	case EFBIG: return "EFBIG";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case ENOPKG: return "ENOPKG";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EROFS: return "EROFS";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case ENOSPC: return "ENOSPC";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	default: return "error";
	}
}
