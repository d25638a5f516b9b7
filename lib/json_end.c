/* json_end: the end of a JSON document written in pieces (lib/json_end.h). */
#include "lib/json_end.h"

#include <string.h>

void json_end_reset(struct json_end *s)
{
	memset(s, 0, sizeof(*s));
}

void json_end_off(struct json_end *s)
{
	s->state = JSON_END_OFF;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One byte inside the value: strings, escapes, nesting. */
static void value_byte(struct json_end *s, char c)
{
	if (s->in_string) {
		if (s->escape)
			s->escape = 0;
		else if (c == '\\')
			s->escape = 1;
		else if (c == '"') {
			s->in_string = 0;
			if (s->depth == 0)
				s->state = JSON_END_DONE; /* a top-level string */
		}
		return;
	}
	if (c == '"')
		s->in_string = 1;
	else if (c == '{' || c == '[')
		s->depth++;
	else if ((c == '}' || c == ']') && --s->depth == 0)
		s->state = JSON_END_DONE;
}

int json_end_feed(struct json_end *s, size_t off, const char *p, size_t len)
{
	if (s->state == JSON_END_OFF)
		return 0;
	if (off != s->at) {
		s->state = JSON_END_OFF;
		return 0;
	}
	s->at += len;
	for (size_t i = 0; i < len && s->state != JSON_END_OFF; i++) {
		char c = p[i];
		if (s->state == JSON_END_VALUE)
			value_byte(s, c);
		else if (is_space(c))
			continue;
		else if (s->state == JSON_END_DONE)
			s->state = JSON_END_OFF; /* more after the value: not JSON, close() says so */
		else if (c == '{' || c == '[')
			s->state = JSON_END_VALUE, s->depth = 1;
		else if (c == '"')
			s->state = JSON_END_VALUE, s->in_string = 1;
		else
			s->state = JSON_END_OFF; /* a number or literal: no byte marks its end */
	}
	return s->state == JSON_END_DONE;
}
