/* http: the catalog's HTTP client, on libcurl (loaded by http_init(), see
 * curl_shim.h).
 *
 * Every call uses an easy handle of its own, so calls from several threads
 * share nothing but libcurl's global state (set up once by http_init()).
 * Failures become one sentence in r->err naming the URL (without any
 * user:password part) or the host, never the token.  The token is given
 * to libcurl as bearer authentication, never as a header of our own:
 * libcurl sends custom headers on to wherever a redirect points, but its
 * own credentials only to the scheme, host and port they were meant for.
 * A server is hostile until checked: bodies are bounded while they
 * arrive (after decoding), stalled transfers abandoned. */
#include "catalog/http.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "catalog/curl_shim.h"

/* The largest body a GET keeps unless told otherwise: far above any index
 * or artifact (ARTIFACT_DEFAULT_MAX is 64 MiB), low enough not to exhaust
 * memory. */
#define HTTP_MAX_BODY ((size_t)256 << 20)
#define HTTP_MAX_REDIRECTS 3L

/* Pause before attempt i+1 (milliseconds). */
static const long backoff_ms[] = { 500, 1000, 2000 };
_Static_assert(sizeof(backoff_ms) / sizeof(*backoff_ms) >= HTTP_ATTEMPTS - 1, "a pause before every retry");

/* The state of one transfer, shared by the callbacks. */
struct xfer {
	struct http_response *r;
	const char *src;        /* upload body */
	size_t src_len, src_off;
	http_progress_fn progress;
	void *ctx;
	long status;            /* of the last status line seen */
	char reason[96];        /* its reason phrase */
	size_t max;             /* the largest body kept */
	long stall;             /* seconds under HTTP_LOW_SPEED that abort */
	const volatile int *cancel;
	curl_off_t length;      /* the answer's Content-Length, or -1 */
	int encoded;            /* it has a Content-Encoding */
	int too_big, declared, oom;
};

/* What one attempt came to. */
enum outcome { DONE, RETRY };

/* Loading and curl_global_init() happen once, whoever asks first: osfs
 * and osfsctl call http_init() before any thread when a catalog is
 * configured, but a daemon mounted without -o catalog= may still download
 * an artifact that an earlier mount's catalog listed (catalog_fetch), and
 * then the first request loads libcurl. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;
static char init_err[400];

static void init_curl(void)
{
	init_rc = curl_shim_load(init_err, sizeof(init_err));
	if (init_rc == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(init_err, sizeof(init_err), "cannot initialise libcurl (out of memory)");
		init_rc = -ENOMEM;
	}
}

int http_init(char *err, size_t errlen)
{
	pthread_once(&init_once, init_curl);
	if (init_rc < 0)
		snprintf(err, errlen, "%s", init_err);
	return init_rc;
}

void http_response_free(struct http_response *r)
{
	buf_free(&r->body);
	r->status = 0;
	r->etag[0] = r->err[0] = '\0';
}

int http_join(const char *base, const char *path, struct buf *out)
{
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	while (*path == '/')
		path++;
	buf_reset(out);
	buf_add(out, base, n);
	buf_addc(out, '/');
	buf_adds(out, path);
	return buf_error(out);
}

/* ------------------------------------------------------------ messages */

/* A sentence into r->err (cut to its size: a long URL must not fail). */
static void say(struct http_response *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct http_response *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
}

/* The URL as messages show it: a "user:password@" part is left out, so a
 * credential put into a URL is not printed either. */
static void display_url(const char *url, char *out, size_t len)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *end = host + strcspn(host, "/?#");
	const char *at = memchr(host, '@', (size_t)(end - host));
	if (scheme && at)
		snprintf(out, len, "%.*s%s", (int)(host - url), url, at + 1);
	else
		snprintf(out, len, "%s", url);
}

/* "host:port" of the URL a failed connection was for (the port as the
 * scheme implies it when the URL gives none). */
static void host_port(const char *url, char *out, size_t len)
{
	const char *scheme = strstr(url, "://");
	if (!scheme) {
		display_url(url, out, len);
		return;
	}
	const char *host = scheme + 3;
	const char *end = host + strcspn(host, "/?#");
	for (const char *p = host; p < end; p++) /* user:password@ */
		if (*p == '@')
			host = p + 1;
	/* An IPv6 address is in brackets, colons and all. */
	const char *colon = NULL;
	if (*host == '[') {
		const char *rb = memchr(host, ']', (size_t)(end - host));
		colon = rb && rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(host, ':', (size_t)(end - host));
	}
	const char *hend = colon ? colon : end;
	if (colon && colon + 1 < end)
		snprintf(out, len, "%.*s:%.*s", (int)(hend - host), host, (int)(end - colon - 1), colon + 1);
	else
		snprintf(out, len, "%.*s:%s", (int)(hend - host), host,
			 scheme - url == 5 && !strncasecmp(url, "https", 5) ? "443" : "80");
}

/* The standard phrase, for HTTP/2 answers (which carry none). */
static const char *status_phrase(long s)
{
	static const struct {
		long code;
		const char *text;
	} t[] = {
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 409, "Conflict" }, { 411, "Length Required" },
		{ 413, "Content Too Large" }, { 429, "Too Many Requests" }, { 500, "Internal Server Error" },
		{ 501, "Not Implemented" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" }, { 507, "Insufficient Storage" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		if (t[i].code == s)
			return t[i].text;
	return "";
}

/* ------------------------------------------------------------ callbacks */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	if (x->status < 200 || x->status > 299) /* an error page: not kept */
		return len;
	/* These are decoded bytes (CURLOPT_ACCEPT_ENCODING): a small gzip
	 * body that inflates to gigabytes stops here too. */
	if (len > x->max - x->r->body.len) {
		x->too_big = 1;
		return 0; /* aborts the transfer (CURLE_WRITE_ERROR) */
	}
	if (buf_add(&x->r->body, p, len) < 0) {
		x->oom = 1;
		return 0;
	}
	return len;
}

/* Copies a header's value, trimmed, into out. */
static void header_value(const char *v, size_t len, char *out, size_t outlen)
{
	while (len > 0 && (*v == ' ' || *v == '\t'))
		v++, len--;
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		len--;
	if (len >= outlen) /* a truncated ETag would never match: drop it */
		len = 0;
	memcpy(out, v, len);
	out[len] = '\0';
}

/* Status lines (one per answer, redirects and "100 Continue" included:
 * the last one counts), the ETag, and the size an answer announces: a
 * body declared larger than the limit is refused before its first byte.
 * Only a plain one: an encoded body's length is not its decoded size. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	char v[64];
	if (len > 5 && !strncmp(p, "HTTP/", 5)) {
		const char *sp = memchr(p, ' ', len);
		x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		x->reason[0] = x->r->etag[0] = '\0';
		x->length = -1;
		x->encoded = 0;
		const char *ph = sp && (size_t)(sp - p) + 5 < len ? sp + 5 : NULL;
		if (ph)
			header_value(ph, len - (size_t)(ph - p), x->reason, sizeof(x->reason));
	} else if (len > 5 && !strncasecmp(p, "etag:", 5)) {
		header_value(p + 5, len - 5, x->r->etag, sizeof(x->r->etag));
	} else if (len > 15 && !strncasecmp(p, "content-length:", 15)) {
		header_value(p + 15, len - 15, v, sizeof(v));
		char *end;
		errno = 0;
		long long cl = strtoll(v, &end, 10);
		x->length = !errno && end != v && !*end && cl >= 0 ? (curl_off_t)cl : -1;
	} else if (len > 17 && !strncasecmp(p, "content-encoding:", 17)) {
		header_value(p + 17, len - 17, v, sizeof(v));
		x->encoded = v[0] && strcasecmp(v, "identity");
	} else if ((len == 2 && p[0] == '\r') || (len == 1 && p[0] == '\n')) { /* the end of the headers */
		if (x->status >= 200 && x->status <= 299 && !x->src && !x->encoded && x->length >= 0 &&
		    (uint64_t)x->length > x->max) {
			x->too_big = x->declared = 1;
			return 0; /* aborts the transfer before the body */
		}
	}
	return len;
}

static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n, left = x->src_len - x->src_off;
	if (len > left)
		len = left;
	memcpy(p, x->src + x->src_off, len);
	x->src_off += len;
	return len;
}

/* libcurl rewinds the body to send it again after a redirect. */
static int on_seek(void *ud, curl_off_t off, int origin)
{
	struct xfer *x = ud;
	if (origin != SEEK_SET || off < 0 || (size_t)off > x->src_len)
		return CURL_SEEKFUNC_CANTSEEK;
	x->src_off = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer *x = ud;
	(void)dltotal;
	(void)dlnow;
	if (x->cancel && *x->cancel)
		return 1; /* CURLE_ABORTED_BY_CALLBACK */
	if (x->progress)
		x->progress(x->ctx, (size_t)ulnow, (size_t)ultotal);
	return 0;
}

/* ------------------------------------------------------------ requests */

/* A header with a CR or LF in it would smuggle another header in. */
static int header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return 0;
	return 1;
}

/* Overwrites the list's strings before freeing them: nothing of a request
 * is left in freed memory. */
static void free_headers(struct curl_slist *h)
{
	for (struct curl_slist *i = h; i; i = i->next)
		explicit_bzero(i->data, strlen(i->data));
	curl_slist_free_all(h);
}

static struct curl_slist *add_header(struct curl_slist *h, int *oom, const char *head, const char *v)
{
	char line[4096 + 64];
	snprintf(line, sizeof(line), "%s%s", head, v);
	struct curl_slist *n = curl_slist_append(h, line);
	explicit_bzero(line, sizeof(line));
	if (!n)
		*oom = 1;
	return n ? n : h;
}

/* The request's headers, or sets r->err and returns NULL with *rc. */
static struct curl_slist *make_headers(const char *etag, const char *token, struct http_response *r, int *rc)
{
	int oom = 0;
	struct curl_slist *h = add_header(NULL, &oom, "Accept: ", "application/json");
	if (token && *token && (!header_safe(token) || strlen(token) > 4096)) {
		say(r, "the token is not usable: it is too long or has control characters in it");
		*rc = -EINVAL;
		free_headers(h);
		return NULL;
	}
	if (etag && *etag && header_safe(etag) && strlen(etag) < 1024)
		h = add_header(h, &oom, "If-None-Match: ", etag);
	if (oom) {
		say(r, "out of memory");
		*rc = -ENOMEM;
		free_headers(h);
		return NULL;
	}
	return h;
}

static void set_protocols(CURL *c)
{
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

static void setup(CURL *c, const char *url, struct curl_slist *h, const char *token, struct xfer *x, char *errbuf)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (token && *token) {
		/* libcurl's own credentials: never sent on to another scheme,
		 * host or port (CURLOPT_UNRESTRICTED_AUTH stays off). */
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, token);
	}
	curl_easy_setopt(c, CURLOPT_USERAGENT, "osfs/" OSFS_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM: threads */
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, HTTP_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, HTTP_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, HTTP_LOW_SPEED);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, x->stall);
	/* An upload is not sent on: the artifact and the token would go
	 * wherever the server points. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, x->src ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, HTTP_MAX_REDIRECTS);
	set_protocols(c);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	if (x->src) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, x);
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(c, CURLOPT_SEEKDATA, x);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->src_len); /* Content-Length */
	}
	if (x->progress || x->cancel) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
}

/* A transport failure into a sentence; RETRY if the connection failed
 * (as opposed to a request that was answered, or cannot work at all). */
static enum outcome transport_error(CURL *c, CURLcode cc, const char *url, const char *errbuf, struct xfer *x, int *rc)
{
	struct http_response *r = x->r;
	char shown[300], where[300];
	char *eff = NULL;
	long oserr = 0;
	double connect_time = 0, total = 0;
	curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
	curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &oserr);
	curl_easy_getinfo(c, CURLINFO_CONNECT_TIME, &connect_time);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &total);
	display_url(url, shown, sizeof(shown));
	host_port(eff ? eff : url, where, sizeof(where));
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);
	*rc = -EIO;
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
		say(r, "cannot connect to %s: %s", where, oserr ? strerror((int)oserr) : why);
		return RETRY;
	case CURLE_OPERATION_TIMEDOUT:
		if (connect_time <= 0) { /* the 5 s connect timeout, not the 60 s one */
			say(r, "cannot connect to %s: timed out after %ld s", where, HTTP_CONNECT_TIMEOUT);
			return RETRY;
		}
		*rc = -ETIMEDOUT;
		if (total < (double)HTTP_TIMEOUT - 0.5) /* the low-speed limit, not the 60 s one */
			say(r, "%s: the server sent less than %ld bytes a second for %ld s: the transfer was abandoned "
			    "(%zu bytes had arrived)", shown, HTTP_LOW_SPEED, x->stall, r->body.len);
		else
			say(r, "%s: timed out after %ld s", shown, HTTP_TIMEOUT);
		return DONE;
	case CURLE_ABORTED_BY_CALLBACK:
		say(r, "%s: the transfer was cancelled (the filesystem is being unmounted)", shown);
		*rc = -ECANCELED;
		return DONE;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		say(r, "%s: the connection to %s broke off (%s)", shown, where, why);
		return RETRY;
	case CURLE_COULDNT_RESOLVE_HOST:
		/* Not retried: a misspelt host name is the usual cause. */
		say(r, "%s: cannot resolve the host name (%s)", shown, why);
		return DONE;
	case CURLE_UNSUPPORTED_PROTOCOL:
		say(r, "%s: only http:// and https:// URLs are supported (%s)", shown, why);
		return DONE;
	case CURLE_URL_MALFORMAT:
		say(r, "\"%s\" is not a valid URL", shown);
		return DONE;
	case CURLE_TOO_MANY_REDIRECTS:
		say(r, "%s: more than %ld redirects", shown, HTTP_MAX_REDIRECTS);
		return DONE;
	default:
		break;
	}
	if (x->too_big && x->declared) {
		say(r, "%s: the answer would be %lld bytes (its Content-Length), more than the %zu allowed: "
		    "not downloaded", shown, (long long)x->length, x->max);
		*rc = -EFBIG;
	} else if (x->too_big) {
		say(r, "%s: the answer is larger than the %zu bytes allowed: the transfer was stopped there", shown,
		    x->max);
		*rc = -EFBIG;
	} else if (x->oom || cc == CURLE_OUT_OF_MEMORY) {
		say(r, "%s: out of memory", shown);
		*rc = -ENOMEM;
	} else {
		say(r, "%s: %s", shown, why);
	}
	return DONE;
}

/* An answer into a return code (and a sentence unless it is a success);
 * RETRY for a 5xx. */
static enum outcome answer(CURL *c, const char *url, struct xfer *x, int *rc)
{
	struct http_response *r = x->r;
	char shown[300];
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if ((r->status >= 200 && r->status <= 299) || r->status == 304) {
		if (r->status == 304)
			buf_reset(&r->body);
		*rc = 0;
		return DONE;
	}
	buf_reset(&r->body);
	display_url(url, shown, sizeof(shown));
	const char *phrase = x->status == r->status && x->reason[0] ? x->reason : status_phrase(r->status);
	char *to = NULL;
	curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &to);
	if (r->status >= 300 && r->status <= 399 && x->src && to) {
		char where[300];
		display_url(to, where, sizeof(where));
		say(r, "%s: the server redirects the upload to %s (HTTP %ld): an upload is not sent on to another "
		    "address", shown, where, r->status);
	} else {
		say(r, "%s: HTTP %ld%s%s", shown, r->status, *phrase ? " " : "", phrase);
	}
	*rc = r->status == 404 ? -ENOENT : r->status == 401 ? -EACCES : r->status == 403 ? -EPERM : -EIO;
	return r->status >= 500 && r->status <= 599 ? RETRY : DONE;
}

static enum outcome attempt(CURL *c, const char *url, struct xfer *x, char *errbuf, int *rc)
{
	struct http_response *r = x->r;
	buf_reset(&r->body);
	r->status = 0;
	r->etag[0] = r->err[0] = '\0';
	x->src_off = 0;
	x->status = 0;
	x->reason[0] = '\0';
	x->too_big = x->declared = x->oom = 0;
	x->length = -1;
	x->encoded = 0;
	errbuf[0] = '\0';
	CURLcode cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		r->status = 0;
		buf_reset(&r->body);
		r->etag[0] = '\0';
		return transport_error(c, cc, url, errbuf, x, rc);
	}
	return answer(c, url, x, rc);
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int request(const char *url, const char *etag, const char *token, struct xfer *x)
{
	struct http_response *r = x->r;
	int rc = 0;
	r->status = 0;
	r->etag[0] = r->err[0] = '\0';
	char why[sizeof(init_err)];
	if ((rc = http_init(why, sizeof(why))) < 0) {
		say(r, "%s", why);
		return rc == -ENOENT ? -EIO : rc;
	}
	struct curl_slist *h = make_headers(etag, token, r, &rc);
	if (!h)
		return rc;
	CURL *c = curl_easy_init();
	if (!c) {
		free_headers(h);
		say(r, "cannot set up an HTTP request (out of memory)");
		return -ENOMEM;
	}
	char errbuf[CURL_ERROR_SIZE];
	setup(c, url, h, token, x, errbuf);
	int n = 1;
	while (attempt(c, url, x, errbuf, &rc) == RETRY && n < HTTP_ATTEMPTS && !(x->cancel && *x->cancel))
		pause_ms(backoff_ms[n++ - 1]);
	if (rc && n > 1) {
		size_t l = strlen(r->err);
		snprintf(r->err + l, sizeof(r->err) - l, " after %d attempts", n);
	}
	curl_easy_cleanup(c);
	free_headers(h);
	return rc;
}

int http_get_opts(const char *url, const char *etag, const char *token, const struct http_opts *o,
		  struct http_response *r)
{
	struct xfer x = { .r = r, .max = HTTP_MAX_BODY, .stall = HTTP_STALL, .length = -1 };
	if (o && o->max_body)
		x.max = o->max_body;
	if (o && o->stall > 0)
		x.stall = o->stall;
	if (o)
		x.cancel = o->cancel;
	return request(url, etag, token, &x);
}

int http_get(const char *url, const char *etag, const char *token, struct http_response *r)
{
	return http_get_opts(url, etag, token, NULL, r);
}

int http_put(const char *url, const void *body, size_t len, const char *token, http_progress_fn progress, void *ctx,
	     struct http_response *r)
{
	struct xfer x = { .r = r, .src = body ? body : "", .src_len = len, .progress = progress, .ctx = ctx,
			  .max = HTTP_MAX_BODY, .stall = HTTP_STALL, .length = -1 };
	return request(url, NULL, token, &x);
}
