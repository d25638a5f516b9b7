/* names: naming rules and file-name escaping. */
#include "catalog/names.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

static int is_lower(int c) { return c >= 'a' && c <= 'z'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

int name_is_pkg_id(const char *s)
{
	size_t n = strlen(s), segs = 0;
	if (n == 0 || n > NAME_MAX_ID)
		return 0;
	const char *p = s;
	for (;;) {
		if (!is_lower((unsigned char)*p))
			return 0;
		p++;
		while (is_lower((unsigned char)*p) || is_digit((unsigned char)*p) || *p == '-')
			p++;
		segs++;
		if (*p == '\0')
			return segs >= 2;
		if (*p != '.')
			return 0;
		p++;
	}
}

int name_is_namespace(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 20 || !is_lower((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!is_lower(c) && !is_digit(c) && c != '_')
			return 0;
	}
	return 1;
}

int name_is_snake(const char *s)
{
	if (!*s || !(is_lower((unsigned char)*s) || *s == '_'))
		return 0;
	for (const char *p = s + 1; *p; p++) {
		int c = (unsigned char)*p;
		if (!is_lower(c) && !is_digit(c) && c != '_')
			return 0;
	}
	return strlen(s) <= NAME_MAX_STEM;
}

int name_is_object(const char *s, const char *ns)
{
	size_t nl = strlen(ns);
	return name_is_snake(s) && strncmp(s, ns, nl) == 0 && s[nl] == '_' &&
	       s[nl + 1] != '\0';
}

int name_is_tenant(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 63 || !(is_lower((unsigned char)s[0]) || is_digit((unsigned char)s[0])))
		return 0;
	for (size_t i = 1; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!is_lower(c) && !is_digit(c) && c != '_' && c != '-')
			return 0;
	}
	return 1;
}

int name_id_reserved(const char *id)
{
	return strncmp(id, "sys.", 4) == 0;
}

int name_ns_reserved(const char *ns)
{
	return !strcmp(ns, "sys") || !strcmp(ns, "system") || !strcmp(ns, "base");
}

int name_object_reserved(const char *name)
{
	return strncmp(name, "sys_", 4) == 0;
}

int name_default_namespace(const char *id, char *out, size_t outlen)
{
	const char *seg = strrchr(id, '.');
	seg = seg ? seg + 1 : id;
	size_t n = strlen(seg);
	if (n + 1 > outlen)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++) {
		int c = tolower((unsigned char)seg[i]);
		out[i] = (is_lower(c) || is_digit(c) || c == '_') ? (char)c : '_';
	}
	out[n] = '\0';
	return 0;
}

int name_suggest(const char *name, const char *ns, struct buf *out)
{
	struct buf s = BUF_INIT;
	int prev_us = 1;    /* suppress leading and doubled underscores */
	int prev_lower = 0; /* a word starts at a capital after a lower-case letter */
	for (const char *p = name; *p; p++) {
		int c = (unsigned char)*p;
		if (isupper(c) && c < 0x80 && prev_lower && !prev_us)
			buf_addc(&s, '_');
		if (isalnum(c) && c < 0x80) {
			buf_addc(&s, (char)tolower(c));
			prev_us = 0;
			prev_lower = !isupper(c);
		} else if (!prev_us) {
			buf_addc(&s, '_');
			prev_us = 1;
			prev_lower = 0;
		}
	}
	while (s.len && s.p[s.len - 1] == '_')
		s.p[--s.len] = '\0';
	/* Nothing usable, or nothing but the namespace itself. */
	if (s.len == 0 || (ns && !strcmp(buf_str(&s), ns))) {
		buf_reset(&s);
		buf_adds(&s, "name");
	}
	if (ns && !(strncmp(buf_str(&s), ns, strlen(ns)) == 0 && buf_str(&s)[strlen(ns)] == '_'))
		buf_printf(out, "%s_", ns);
	if (is_digit((unsigned char)buf_str(&s)[0]) && !ns)
		buf_addc(out, '_');
	buf_add(out, s.p ? s.p : "", s.len);
	int err = buf_error(&s);
	buf_free(&s);
	return err ? err : buf_error(out);
}

static int needs_escape(unsigned char c, size_t i)
{
	return c == '%' || c == '/' || c == ',' || c < 0x20 || c == 0x7f ||
	       (i == 0 && c == '.');
}

int name_escape(const char *s, size_t len, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (needs_escape(c, i)) {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_add(out, e, 3);
		} else {
			buf_addc(out, (char)c);
		}
	}
	return buf_error(out);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int name_unescape(const char *s, struct buf *out)
{
	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			int hi = hexval((unsigned char)s[i + 1]);
			int lo = hi < 0 ? -1 : hexval((unsigned char)s[i + 2]);
			if (lo < 0)
				return -EINVAL;
			unsigned char v = (unsigned char)(hi * 16 + lo);
			/* Only the canonical form maps back: an escape of a byte
			 * that needs none would give a second name for one key. */
			if (!needs_escape(v, i))
				return -EINVAL;
			buf_addc(out, (char)v);
			i += 2;
		} else if (needs_escape(c, i)) {
			return -EINVAL;
		} else {
			buf_addc(out, (char)c);
		}
	}
	return buf_error(out);
}
