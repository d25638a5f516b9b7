/* record_secrets: password and secret values apart from the record. */
#include "catalog/record_secrets.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/record_check.h"
#include "store/records.h"

static int is_secret_field(const cJSON *f)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(f, "type");
	return cJSON_IsString(t) && (!strcmp(t->valuestring, "password") || !strcmp(t->valuestring, "secret"));
}

static int add(struct record_secrets *s, const char *field, char *value)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct record_secret *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v, s->cap = cap;
	}
	char *f = strdup(field);
	if (!f)
		return -ENOMEM;
	s->v[s->n++] = (struct record_secret){ f, value };
	return 0;
}

int record_secrets_take(const cJSON *def, cJSON *rec, int keep_absent, struct record_secrets *s)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(def, "fields");
	for (const cJSON *f = cJSON_IsObject(fields) ? fields->child : NULL; f; f = f->next) {
		if (!is_secret_field(f))
			continue;
		cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, f->string);
		if (!v || cJSON_IsNull(v)) {
			if (!keep_absent && add(s, f->string, NULL) < 0)
				return -ENOMEM;
			continue;
		}
		if (cJSON_IsString(v) && !strcmp(v->valuestring, RECORD_MASK))
			continue; /* unchanged */
		char *value = cJSON_IsString(v) ? strdup(v->valuestring) : cJSON_PrintUnformatted(v);
		cJSON *mask = cJSON_CreateString(RECORD_MASK);
		if (!value || !mask || add(s, f->string, value) < 0) {
			free(value);
			cJSON_Delete(mask);
			return -ENOMEM;
		}
		if (!cJSON_ReplaceItemInObjectCaseSensitive(rec, f->string, mask)) {
			cJSON_Delete(mask);
			return -ENOMEM;
		}
	}
	return 0;
}

int record_secrets_any(const cJSON *def)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(def, "fields");
	for (const cJSON *f = cJSON_IsObject(fields) ? fields->child : NULL; f; f = f->next)
		if (is_secret_field(f))
			return 1;
	return 0;
}

int record_secrets_differ(struct db *db, int64_t tbl, const char *key, const struct record_secrets *s)
{
	struct buf stored = BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		buf_reset(&stored);
		rc = records_secret_get(db, tbl, key, s->v[i].field, &stored);
		if (rc == -ENOENT)
			rc = s->v[i].value != NULL;
		else if (rc == 0)
			rc = !s->v[i].value || strcmp(buf_str(&stored), s->v[i].value) != 0;
	}
	buf_free(&stored);
	return rc;
}

int record_secrets_store(struct db *db, int64_t tbl, const char *key, const struct record_secrets *s)
{
	int rc = 0;
	for (size_t i = 0; i < s->n && rc == 0; i++)
		rc = s->v[i].value ? records_secret_put(db, tbl, key, s->v[i].field, s->v[i].value)
				   : records_secret_drop(db, tbl, key, s->v[i].field);
	return rc;
}

void record_secrets_free(struct record_secrets *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].field);
		if (s->v[i].value) /* not left in freed memory */
			explicit_bzero(s->v[i].value, strlen(s->v[i].value));
		free(s->v[i].value);
	}
	free(s->v);
	*s = (struct record_secrets)RECORD_SECRETS_INIT;
}
