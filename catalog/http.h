/* http: the catalog's HTTP client (libcurl, loaded by http_init()): GET with ETag revalidation,
 * PUT with a bearer token, timeouts, retries with backoff, and a sentence
 * for every failure.  A token is never written to a message or a log. */
#ifndef OSFS_HTTP_H
#define OSFS_HTTP_H

#include <stddef.h>

#include "lib/buf.h"

/* Connect within 5 s, finish within 60 s; on a failed connection or a 5xx
 * answer, try again after 0.5, 1 and 2 s; a 4xx is final. */
#define HTTP_CONNECT_TIMEOUT 5L
#define HTTP_TIMEOUT 60L
#define HTTP_ATTEMPTS 4

struct http_response {
	long status;          /* the final HTTP status, or 0 if none came */
	struct buf body;      /* the body of a 2xx answer */
	char etag[256];       /* the ETag header of the answer, or "" */
	char err[512];        /* a sentence when the request failed */
};

#define HTTP_RESPONSE_INIT { 0, BUF_INIT, "", "" }
void http_response_free(struct http_response *r);

/* What a GET may take.  A body larger than max_body is cut at its first
 * byte over (its decoded size: a gzip body is bounded by what it inflates
 * to), and refused up front when its Content-Length says so; a transfer
 * slower than HTTP_LOW_SPEED bytes a second for stall seconds is
 * abandoned; a non-zero *cancel stops it at once (unmount). */
struct http_opts {
	size_t max_body;              /* 0: HTTP_MAX_BODY */
	long stall;                   /* seconds; 0: HTTP_STALL */
	const volatile int *cancel;   /* may be NULL */
};

#define HTTP_LOW_SPEED 1024L
#define HTTP_STALL 30L

/* Loads libcurl (dlopen: a process that makes no request maps none of it)
 * and initialises it, once per process; call it before threads start where
 * a catalog is configured, so that a missing libcurl is said at once (a
 * request without it loads libcurl itself, or fails with the sentence).
 * -ENOENT when libcurl cannot be loaded, -ENOMEM when it cannot start; err
 * says which in a sentence. */
int http_init(char *err, size_t errlen);

/* Progress: called with bytes done and in all (0 if unknown). */
typedef void (*http_progress_fn)(void *ctx, size_t done, size_t total);

/* GET url.  With etag (may be NULL or ""), sends If-None-Match; a 304
 * answer is a success with status 304 and an empty body.  Redirects are
 * followed (at most 3, http and https only); the token is sent as
 * libcurl's own bearer authentication, which libcurl never sends on to
 * another scheme, host or port.  Returns 0 for a 2xx or 304 answer,
 * -ENOENT for 404, -EACCES for 401, -EPERM for 403, -EIO for the rest
 * (r->err says what happened, r->status which status it was). */
int http_get(const char *url, const char *etag, const char *token, struct http_response *r);
/* The same with limits (o may be NULL): -EFBIG for a body over
 * o->max_body, -ETIMEDOUT for a stalled transfer, -ECANCELED once
 * *o->cancel is set; r->err says which and the numbers. */
int http_get_opts(const char *url, const char *etag, const char *token, const struct http_opts *o,
		  struct http_response *r);

/* PUT body to url with "Authorization: Bearer <token>" (if token).  Same
 * returns as http_get.  progress may be NULL.  A redirect is not followed
 * (the body and the token would go with it): it is -EIO with a sentence
 * naming where the server points. */
int http_put(const char *url, const void *body, size_t len, const char *token, http_progress_fn progress,
	     void *ctx, struct http_response *r);

/* base + "/" + path, without doubled slashes, into out. */
int http_join(const char *base, const char *path, struct buf *out);

#endif
