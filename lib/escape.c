/* escape: see escape.h. */
#include "lib/escape.h"

#include <stddef.h>

/* The length of the valid UTF-8 sequence at p (2-4), or 0: overlong
 * forms, surrogates and code points past U+10FFFF are not valid. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned c = p[0];
	if (c >= 0xc2 && c <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

static void hex(struct buf *b, unsigned char c)
{
	static const char digits[] = "0123456789abcdef";
	char e[4] = { '\\', 'x', digits[c >> 4], digits[c & 15] };
	buf_add(b, e, sizeof(e));
}

int esc_text(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		unsigned char c = *p;
		size_t n;
		if (c == '\n') {
			buf_add(b, "\\n", 2);
		} else if (c == '\t') {
			buf_add(b, "\\t", 2);
		} else if (c == '\r') {
			buf_add(b, "\\r", 2);
		} else if (c < 0x20 || c == 0x7f) {
			hex(b, c);
		} else if (c < 0x80) {
			buf_addc(b, (char)c);
		} else if ((n = utf8_len(p)) == 0) {
			hex(b, c);
		} else if (c == 0xc2 && p[1] < 0xa0) {
			/* A C1 control: terminals take U+009B for ESC [. */
			hex(b, p[0]);
			hex(b, p[1]);
			p += 2;
			continue;
		} else {
			buf_add(b, p, n);
			p += n;
			continue;
		}
		p++;
	}
	return buf_error(b);
}
