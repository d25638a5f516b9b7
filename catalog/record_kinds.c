/* record_kinds: the value contract of each field kind (SPEC section 13):
 * no coercion ("7" is not a number, 1 is not true, 2026-02-30 is not a
 * day).  Each check answers 0 or -EINVAL with the rule in msg, phrased
 * to follow "<object>.<field> ". */
#include "catalog/record_check.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

__attribute__((format(printf, 3, 4))) static int bad(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int is(const char *type, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(type, *set))
			return 1;
	return 0;
}

static const char *const text_kinds[] = { "text", "textarea", "email", "url", "phone", "password", "secret",
					  "markdown", "html", "richtext", "code", "color", NULL };
static const char *const number_kinds[] = { "number", "currency", "percent", "rating", "slider", "progress", NULL };
static const char *const ref_kinds[] = { "lookup", "master_detail", "tree", "user", NULL };
static const char *const list_kinds[] = { "multiselect", "checkboxes", "tags", NULL };

/* A numeric property of the field definition, if it has one. */
static int prop_num(const cJSON *field, const char *name, double *v)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(field, name);
	if (!cJSON_IsNumber(p))
		return 0;
	*v = p->valuedouble;
	return 1;
}

/* Characters (code points) of valid UTF-8: json_parse checked it. */
static size_t code_points(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int has_space_or_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7F)
			return 1;
	return 0;
}

static int check_email(const char *s, char *msg, size_t len)
{
	const char *at = strchr(s, '@');
	if (has_space_or_control(s) || !at || at == s || strchr(at + 1, '@'))
		goto no;
	const char *dom = at + 1, *dot = strrchr(dom, '.');
	if (!dot || dot == dom || !dot[1] || strstr(dom, "..") || dom[strlen(dom) - 1] == '.')
		goto no;
	return 0;
no:
	return bad(msg, len, "must be an email address: local@domain.tld, no spaces");
}

static int check_url(const char *s, char *msg, size_t len)
{
	if (has_space_or_control(s) || !*s)
		goto no;
	if (s[0] == '/')
		return 0; /* a path on the same site */
	size_t n = 0;
	if (!isalpha((unsigned char)s[0]))
		goto no;
	while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.')
		n++;
	if (s[n] != ':' || !s[n + 1])
		goto no;
	if ((n == 10 && !strncasecmp(s, "javascript", 10)) || (n == 8 && !strncasecmp(s, "vbscript", 8)))
		return bad(msg, len, "must be a url, and a %.*s: url runs code when followed: it is never accepted",
			   (int)n, s);
	if (!strncmp(s + n, "://", 3) && (!s[n + 3] || s[n + 3] == '/') &&
	    !(n == 4 && !strncasecmp(s, "file", 4)))
		goto no; /* scheme:// with no host */
	return 0;
no:
	return bad(msg, len, "must be a url: scheme://host..., a path starting with /, or another absolute URI "
		   "such as mailto:..., with no spaces");
}

static int check_phone(const char *s, char *msg, size_t len)
{
	size_t n = 0;
	for (const char *p = s; *p; p++, n++)
		if (!isdigit((unsigned char)*p) && !strchr(" +-.()", *p))
			return bad(msg, len, "must be a phone number: digits, spaces and + - . ( ) only");
	if (n < 5)
		return bad(msg, len, "must be a phone number of at least 5 characters");
	return 0;
}

static int check_color(const char *s, char *msg, size_t len)
{
	size_t n = strlen(s);
	int ok = s[0] == '#' && (n == 4 || n == 7 || n == 9);
	for (size_t i = 1; ok && i < n; i++)
		ok = isxdigit((unsigned char)s[i]);
	return ok ? 0 : bad(msg, len, "must be a color: #rgb, #rrggbb or #rrggbbaa (hex digits)");
}

static int check_text(const cJSON *field, const char *type, const cJSON *v, char *msg, size_t len)
{
	if (!cJSON_IsString(v))
		return bad(msg, len, "must be a string (a %s field)", type);
	const char *s = v->valuestring;
	double lim;
	size_t n = code_points(s);
	if (prop_num(field, "minLength", &lim) && (double)n < lim)
		return bad(msg, len, "must be at least %.0f characters long (minLength); it has %zu", lim, n);
	if (prop_num(field, "maxLength", &lim) && (double)n > lim)
		return bad(msg, len, "must be at most %.0f characters long (maxLength); it has %zu", lim, n);
	if (!strcmp(type, "email"))
		return check_email(s, msg, len);
	if (!strcmp(type, "url"))
		return check_url(s, msg, len);
	if (!strcmp(type, "phone"))
		return check_phone(s, msg, len);
	if (!strcmp(type, "color"))
		return check_color(s, msg, len);
	return 0;
}

/* The digits of d as JavaScript writes it (the shortest text that reads
 * back as d): how many in all and after the point. */
static void digits_of(double d, int *total, int *decimals)
{
	char s[40];
	for (int p = 1; p <= 17; p++) {
		snprintf(s, sizeof(s), "%.*e", p - 1, fabs(d));
		if (strtod(s, NULL) == fabs(d))
			break;
	}
	char *e = strchr(s, 'e');
	int exp = atoi(e + 1), ndig = 0, last = 0;
	for (char *p = s; p < e; p++)
		if (isdigit((unsigned char)*p)) {
			ndig++;
			if (*p != '0')
				last = ndig; /* trailing zeros of the mantissa do not count */
		}
	ndig = last ? last : 1;
	int intd = exp + 1 > 0 ? exp + 1 : 0, dec = ndig - 1 - exp > 0 ? ndig - 1 - exp : 0;
	if (d == 0)
		intd = 1, dec = 0;
	*total = (intd ? intd : 0) + dec;
	*decimals = dec;
}

static int check_number(const cJSON *field, const char *type, const cJSON *v, char *msg, size_t len)
{
	if (!cJSON_IsNumber(v))
		return bad(msg, len, "must be a JSON number (a %s field; \"7\" is a string)", type);
	double d = v->valuedouble, lim;
	if (!isfinite(d))
		return bad(msg, len, "must be a finite number");
	if (prop_num(field, "min", &lim) && d < lim)
		return bad(msg, len, "must be at least %.17g (min)", lim);
	if (prop_num(field, "max", &lim) && d > lim)
		return bad(msg, len, "must be at most %.17g (max)", lim);
	int total, dec;
	digits_of(d, &total, &dec);
	if (prop_num(field, "scale", &lim) && dec > lim)
		return bad(msg, len, "must have at most %.0f decimals (scale); it has %d", lim, dec);
	if (prop_num(field, "precision", &lim) && total > lim)
		return bad(msg, len, "must have at most %.0f digits in all (precision); it has %d", lim, total);
	return 0;
}

static int num2(const char *s)
{
	return isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) ? (s[0] - '0') * 10 + (s[1] - '0') : -1;
}

/* "YYYY-MM-DD" at s, a real calendar day. */
static int is_day(const char *s)
{
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return 0;
	int y = atoi(s), m = num2(s + 5), d = num2(s + 8);
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12 || d < 1)
		return 0;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

/* "HH:MM" then, if seconds, ":SS[.fff]"; returns the length, or 0. */
static size_t clock_len(const char *s, int need_seconds)
{
	/* Each byte is read only once the ones before it matched: s may end
	 * anywhere. */
	int h = num2(s), mi = h >= 0 && s[2] == ':' ? num2(s + 3) : -1;
	if (h < 0 || h > 23 || mi < 0 || mi > 59)
		return 0;
	size_t n = 5;
	if (s[5] != ':')
		return need_seconds ? 0 : n;
	int sec = num2(s + 6);
	if (sec < 0 || sec > 60) /* 60: a leap second, as RFC 3339 allows */
		return 0;
	n = 8;
	if (s[n] == '.') {
		size_t f = n + 1;
		while (isdigit((unsigned char)s[f]))
			f++;
		if (f == n + 1)
			return 0;
		n = f;
	}
	return n;
}

/* "Z" or "+hh:mm"/"-hh:mm": its length, or 0. */
static size_t zone_len(const char *s)
{
	if (*s == 'Z' || *s == 'z')
		return 1;
	if (*s != '+' && *s != '-')
		return 0;
	int h = num2(s + 1), m = h >= 0 && s[3] == ':' ? num2(s + 4) : -1;
	return h >= 0 && h <= 23 && m >= 0 && m <= 59 ? 6 : 0;
}

static int check_time_kind(const char *type, const cJSON *v, char *msg, size_t len)
{
	static const char *const rule[] = { "a date: a real calendar day YYYY-MM-DD",
					    "a datetime: RFC 3339 with a zone, YYYY-MM-DDTHH:MM:SS[.fff]Z or ±hh:mm",
					    "a time: HH:MM[:SS[.fff]] and an optional zone (Z or ±hh:mm)" };
	int k = !strcmp(type, "date") ? 0 : !strcmp(type, "datetime") ? 1 : 2;
	if (!cJSON_IsString(v))
		return bad(msg, len, "must be %s, as a string", rule[k]);
	const char *s = v->valuestring;
	size_t n = strlen(s), c, z;
	int ok;
	if (k == 0)
		ok = n == 10 && is_day(s);
	else if (k == 1)
		ok = n > 11 && is_day(s) && (s[10] == 'T' || s[10] == 't') && (c = clock_len(s + 11, 1)) &&
		     (z = zone_len(s + 11 + c)) && 11 + c + z == n;
	else
		ok = (c = clock_len(s, 0)) && (c == n || ((z = zone_len(s + c)) && c + z == n));
	return ok ? 0 : bad(msg, len, "must be %s", rule[k]);
}

/* Is s one of the field's option values?  1 if it is or no options are
 * declared, 0 if not. */
static int in_options(const cJSON *field, const char *s, int *declared)
{
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(field, "options");
	*declared = cJSON_IsArray(opts) && opts->child;
	if (!*declared)
		return 1;
	for (const cJSON *o = opts->child; o; o = o->next) {
		const cJSON *val = cJSON_GetObjectItemCaseSensitive(o, "value");
		if (cJSON_IsString(val) && !strcmp(val->valuestring, s))
			return 1;
		if (cJSON_IsString(o) && !strcmp(o->valuestring, s))
			return 1; /* options given as bare strings */
	}
	return 0;
}

static int option_list(const cJSON *field, char *out, size_t len)
{
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(field, "options");
	size_t used = 0;
	out[0] = '\0';
	for (const cJSON *o = opts ? opts->child : NULL; o && used + 1 < len; o = o->next) {
		const cJSON *val = cJSON_IsString(o) ? o : cJSON_GetObjectItemCaseSensitive(o, "value");
		if (!cJSON_IsString(val))
			continue;
		int w = snprintf(out + used, len - used, "%s\"%s\"", used ? ", " : "", val->valuestring);
		if (w < 0 || (size_t)w >= len - used) {
			snprintf(out + (len > 4 ? len - 4 : 0), 4, "...");
			break;
		}
		used += (size_t)w;
	}
	return 0;
}

static int check_option(const cJSON *field, const cJSON *v, int blank_ok, char *msg, size_t len)
{
	int declared;
	char opts[200];
	if (!cJSON_IsString(v))
		return bad(msg, len, "must be an option value, as a string");
	if (blank_ok && !v->valuestring[0])
		return 0; /* "" = unset; required is checked apart */
	if (in_options(field, v->valuestring, &declared))
		return 0;
	option_list(field, opts, sizeof(opts));
	return bad(msg, len, "must be one of its options (exactly, case counts): %s", opts);
}

static int check_key(const cJSON *v, char *msg, size_t len)
{
	if (!cJSON_IsString(v))
		return bad(msg, len, "must be the key of a record, as a string");
	return 0;
}

/* Every element of array v passes one(); names the first that does not. */
static int each(const cJSON *field, const char *type, const cJSON *v, char *msg, size_t len,
		int (*one)(const cJSON *field, const char *type, const cJSON *e, char *msg, size_t len))
{
	if (!cJSON_IsArray(v))
		return bad(msg, len, "must be a JSON array (a %s field%s), never a bare value", type,
			   is(type, list_kinds) ? "" : " with multiple: true");
	size_t i = 0;
	for (const cJSON *e = v->child; e; e = e->next, i++) {
		char sub[400];
		if (one(field, type, e, sub, sizeof(sub)) < 0)
			return bad(msg, len, "item %zu %s", i, sub);
	}
	return 0;
}

static int check_location(const cJSON *v, char *msg, size_t len)
{
	const cJSON *lat = cJSON_GetObjectItemCaseSensitive(v, "lat"), *lng = cJSON_GetObjectItemCaseSensitive(v, "lng");
	if (!cJSON_IsObject(v) || !cJSON_IsNumber(lat) || !cJSON_IsNumber(lng))
		return bad(msg, len, "must be a location: {\"lat\": number, \"lng\": number}");
	if (lat->valuedouble < -90 || lat->valuedouble > 90 || lng->valuedouble < -180 || lng->valuedouble > 180)
		return bad(msg, len, "must be a location with lat in [-90, 90] and lng in [-180, 180]");
	return 0;
}

static int check_address(const cJSON *v, char *msg, size_t len)
{
	if (!cJSON_IsObject(v))
		return bad(msg, len, "must be an address: an object of strings");
	for (const cJSON *m = v->child; m; m = m->next)
		if (!cJSON_IsString(m) && !cJSON_IsNull(m))
			return bad(msg, len, "must be an address: an object of strings (\"%s\" is not one)", m->string);
	return 0;
}

static int check_vector(const cJSON *field, const cJSON *v, char *msg, size_t len)
{
	double dims;
	size_t n = 0;
	if (!cJSON_IsArray(v))
		return bad(msg, len, "must be a vector: a JSON array of numbers");
	for (const cJSON *e = v->child; e; e = e->next, n++)
		if (!cJSON_IsNumber(e))
			return bad(msg, len, "must be a vector: item %zu is not a number", n);
	if (prop_num(field, "dimensions", &dims) && (double)n != dims)
		return bad(msg, len, "must be a vector of exactly %.0f numbers (dimensions); it has %zu", dims, n);
	return 0;
}

static int check_repeater(const cJSON *v, char *msg, size_t len)
{
	size_t i = 0;
	if (!cJSON_IsArray(v))
		return bad(msg, len, "must be a repeater: a JSON array of objects");
	for (const cJSON *e = v->child; e; e = e->next, i++)
		if (!cJSON_IsObject(e))
			return bad(msg, len, "must be a repeater: item %zu is not an object", i);
	return 0;
}

/* One value of a kind that holds one value (the element of a multiple). */
static int check_single(const cJSON *field, const char *type, const cJSON *v, char *msg, size_t len)
{
	if (is(type, text_kinds))
		return check_text(field, type, v, msg, len);
	if (is(type, number_kinds))
		return check_number(field, type, v, msg, len);
	if (!strcmp(type, "boolean") || !strcmp(type, "toggle"))
		return cJSON_IsBool(v) ? 0 : bad(msg, len, "must be true or false (a %s field; 1 and \"true\" are not)", type);
	if (!strcmp(type, "date") || !strcmp(type, "datetime") || !strcmp(type, "time"))
		return check_time_kind(type, v, msg, len);
	if (!strcmp(type, "select") || !strcmp(type, "radio"))
		return check_option(field, v, 1, msg, len);
	if (is(type, ref_kinds))
		return check_key(v, msg, len);
	if (!strcmp(type, "location"))
		return check_location(v, msg, len);
	if (!strcmp(type, "address"))
		return check_address(v, msg, len);
	if (!strcmp(type, "composite"))
		return cJSON_IsObject(v) ? 0 : bad(msg, len, "must be a composite: a JSON object");
	if (!strcmp(type, "repeater"))
		return check_repeater(v, msg, len);
	if (!strcmp(type, "vector"))
		return check_vector(field, v, msg, len);
	return 0; /* json, and the kinds not checked yet (docs/records.md) */
}

static int check_list_item(const cJSON *field, const char *type, const cJSON *e, char *msg, size_t len)
{
	(void)type;
	return check_option(field, e, 0, msg, len);
}

int record_check_value(const cJSON *field, const char *type, const cJSON *v, char *msg, size_t len)
{
	if (is(type, list_kinds))
		return each(field, type, v, msg, len, check_list_item);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(field, "multiple")) && strcmp(type, "json") &&
	    strcmp(type, "vector") && strcmp(type, "repeater"))
		return each(field, type, v, msg, len, check_single);
	return check_single(field, type, v, msg, len);
}
