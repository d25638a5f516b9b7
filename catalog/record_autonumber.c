/* record_autonumber: autonumberFormat rendered. */
#include "catalog/record_autonumber.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* fmt rendered into pre (before the counter) and post (after it); the
 * counter's width in *width.  -EINVAL if fmt has no counter. */
static int render(const char *fmt, const cJSON *rec, int64_t now, struct buf *pre, struct buf *post, int *width)
{
	time_t t = (time_t)(now / 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	struct buf *cur = pre;
	*width = -1;
	for (const char *p = fmt; *p; p++) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		if (!end) {
			buf_addc(cur, *p);
			continue;
		}
		size_t n = (size_t)(end - p - 1);
		const char *tok = p + 1;
		if (n && strspn(tok, "0") == n && *width < 0) {
			*width = (int)n;
			cur = post;
		} else if (n == 4 && !strncmp(tok, "YYYY", 4)) {
			buf_printf(cur, "%04d", tm.tm_year + 1900);
		} else if (n == 2 && !strncmp(tok, "MM", 2)) {
			buf_printf(cur, "%02d", tm.tm_mon + 1);
		} else if (n == 2 && !strncmp(tok, "DD", 2)) {
			buf_printf(cur, "%02d", tm.tm_mday);
		} else if (n == 8 && !strncmp(tok, "YYYYMMDD", 8)) {
			buf_printf(cur, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		} else {
			char name[128];
			snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), tok);
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, name);
			if (cJSON_IsString(v))
				buf_adds(cur, v->valuestring);
			else if (cJSON_IsNumber(v))
				buf_printf(cur, "%.17g", v->valuedouble);
			else if (!v)
				buf_add(cur, p, n + 2); /* not a token: kept as written */
		}
		p = end;
	}
	if (buf_error(pre) || buf_error(post))
		return -ENOMEM;
	return *width < 0 ? -EINVAL : 0;
}

int autonumber_next(const char *fmt, const cJSON *rec, int64_t now, const char *const *taken, size_t ntaken,
		    struct buf *out)
{
	struct buf pre = BUF_INIT, post = BUF_INIT;
	int width, rc = render(fmt ? fmt : "{0}", rec, now, &pre, &post, &width);
	unsigned long long top = 0;
	for (size_t i = 0; i < ntaken && rc == 0; i++) {
		const char *s = taken[i];
		size_t lp = pre.len, ls = strlen(s), lq = post.len;
		if (ls < lp + lq + 1 || strncmp(s, buf_str(&pre), lp) || strcmp(s + ls - lq, buf_str(&post)))
			continue;
		const char *d = s + lp;
		size_t nd = ls - lp - lq;
		if (strspn(d, "0123456789") < nd || nd > 18)
			continue;
		unsigned long long v = strtoull(d, NULL, 10);
		if (v > top)
			top = v;
	}
	if (rc == 0)
		rc = buf_printf(out, "%s%0*llu%s", buf_str(&pre), width, top + 1, buf_str(&post));
	buf_free(&pre);
	buf_free(&post);
	return rc;
}
