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

/* JavaScript writes exponents without padding or '+' for negatives: 1e-7,
 * 1e+21.  C's %g writes 1e-07 and 1e+21. */
static void js_exponent(char *t)
{
	char *e = strchr(t, 'e');
	if (!e)
		return;
	char *d = e + 2; /* after the sign */
	char *z = d;
	while (*z == '0' && z[1])
		z++;
	memmove(d, z, strlen(z) + 1);
}

int json_print_number(double d, struct buf *out)
{
	char t[40];
	if (!isfinite(d))
		return buf_adds(out, "null");
	if (d == 0)
		return buf_adds(out, "0"); /* JSON.stringify(-0) is "0" */
	if (d == floor(d) && fabs(d) < 1e21) {
		snprintf(t, sizeof(t), "%.0f", d);
		return buf_adds(out, t);
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(t, sizeof(t), "%.*g", prec, d);
		if (strtod(t, NULL) == d)
			break;
	}
	js_exponent(t);
	return buf_adds(out, t);
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
