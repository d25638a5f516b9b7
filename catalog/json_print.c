/* json_print: pretty and compact JSON text from cJSON trees. */
#include "catalog/json_print.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int json_print_string(const char *s, struct buf *out)
{
	static const char hex[] = "0123456789abcdef";
	buf_addc(out, '"');
	const char *run = s;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(out, run, (size_t)(p - run));
		run = p + 1;
		switch (c) {
		case '"': buf_adds(out, "\\\""); break;
		case '\\': buf_adds(out, "\\\\"); break;
		case '\b': buf_adds(out, "\\b"); break;
		case '\f': buf_adds(out, "\\f"); break;
		case '\n': buf_adds(out, "\\n"); break;
		case '\r': buf_adds(out, "\\r"); break;
		case '\t': buf_adds(out, "\\t"); break;
		default: {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			buf_add(out, e, 6);
		}
		}
	}
	buf_adds(out, run);
	buf_addc(out, '"');
	return buf_error(out);
}

/* As JavaScript's Number.prototype.toString (ECMA-262, Number::toString):
 * the shortest digits that read back as d, then plain notation for
 * exponents from -7 to 20 and exponent notation ("1e+21", "1.5e-7")
 * outside them. */
int json_print_number(double d, struct buf *out)
{
	char t[48], digits[24];
	if (!isfinite(d))
		return buf_adds(out, "null");
	if (d == 0)
		return buf_adds(out, "0"); /* JSON.stringify(-0) is "0" */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(t, sizeof(t), "%.*e", prec - 1, d);
		if (strtod(t, NULL) == d)
			break;
	}
	/* t is "[-]D[.DDD]e[+-]X": collect the digits k and the exponent. */
	const char *p = t;
	size_t k = 0;
	if (*p == '-') {
		buf_addc(out, '-');
		p++;
	}
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[k++] = *p;
	digits[k] = '\0';
	int n = atoi(p + 1) + 1; /* the decimal point goes after n digits */
	if ((int)k <= n && n <= 21) {
		buf_adds(out, digits);
		for (int i = (int)k; i < n; i++)
			buf_addc(out, '0');
	} else if (0 < n && n <= 21) {
		buf_add(out, digits, (size_t)n);
		buf_addc(out, '.');
		buf_adds(out, digits + n);
	} else if (-6 < n && n <= 0) {
		buf_adds(out, "0.");
		for (int i = n; i < 0; i++)
			buf_addc(out, '0');
		buf_adds(out, digits);
	} else {
		buf_addc(out, digits[0]);
		if (k > 1) {
			buf_addc(out, '.');
			buf_adds(out, digits + 1);
		}
		buf_printf(out, "e%c%d", n - 1 < 0 ? '-' : '+', n - 1 < 0 ? 1 - n : n - 1);
	}
	return buf_error(out);
}

static void indent(struct buf *out, int depth)
{
	buf_addc(out, '\n');
	for (int i = 0; i < depth; i++)
		buf_add(out, "  ", 2);
}

static void print_value(const cJSON *v, struct buf *out, int pretty, int depth);

static void print_container(const cJSON *v, struct buf *out, int pretty, int depth)
{
	int obj = cJSON_IsObject(v);
	buf_addc(out, obj ? '{' : '[');
	const cJSON *c = v->child;
	if (!c) {
		buf_addc(out, obj ? '}' : ']');
		return;
	}
	for (; c; c = c->next) {
		if (pretty)
			indent(out, depth + 1);
		if (obj) {
			json_print_string(c->string ? c->string : "", out);
			buf_adds(out, pretty ? ": " : ":");
		}
		print_value(c, out, pretty, depth + 1);
		if (c->next)
			buf_addc(out, ',');
	}
	if (pretty)
		indent(out, depth);
	buf_addc(out, obj ? '}' : ']');
}

static void print_value(const cJSON *v, struct buf *out, int pretty, int depth)
{
	switch (v->type & 0xFF) {
	case cJSON_False: buf_adds(out, "false"); break;
	case cJSON_True: buf_adds(out, "true"); break;
	case cJSON_NULL: buf_adds(out, "null"); break;
	case cJSON_Number: json_print_number(v->valuedouble, out); break;
	case cJSON_String: json_print_string(v->valuestring ? v->valuestring : "", out); break;
	case cJSON_Raw: buf_adds(out, v->valuestring ? v->valuestring : "null"); break;
	case cJSON_Array:
	case cJSON_Object: print_container(v, out, pretty, depth); break;
	default: buf_adds(out, "null"); break;
	}
}

int json_print_pretty(const cJSON *v, struct buf *out)
{
	print_value(v, out, 1, 0);
	buf_addc(out, '\n');
	return buf_error(out);
}

int json_print_compact(const cJSON *v, struct buf *out)
{
	print_value(v, out, 0, 0);
	return buf_error(out);
}
