/* merge: objects with extensions, records with updates. */
#include "catalog/merge.h"

#include <errno.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog/json_parse.h"
#include "catalog/json_print.h"

static cJSON *parse_object(const char *s, size_t len)
{
	struct json_error e;
	cJSON *v = json_parse(s, len, NULL, &e);
	if (v && !cJSON_IsObject(v)) {
		cJSON_Delete(v);
		v = NULL;
	}
	return v;
}

/* Sets dst[key] to a copy of v, replacing a member of that name. */
static int set_copy(cJSON *dst, const char *key, const cJSON *v)
{
	cJSON *c = cJSON_Duplicate(v, 1);
	if (!c)
		return -ENOMEM;
	if (cJSON_GetObjectItemCaseSensitive(dst, key))
		return cJSON_ReplaceItemInObjectCaseSensitive(dst, key, c) ? 0 : -ENOMEM;
	return cJSON_AddItemToObject(dst, key, c) ? 0 : -ENOMEM;
}

/* Every member of src over dst, key by key. */
static int merge_keys(cJSON *dst, const cJSON *src)
{
	for (const cJSON *m = src->child; m; m = m->next)
		if (set_copy(dst, m->string, m) < 0)
			return -ENOMEM;
	return 0;
}

static int merge_fields(cJSON *obj, const cJSON *fields)
{
	cJSON *mine = cJSON_GetObjectItemCaseSensitive(obj, "fields");
	if (!cJSON_IsObject(mine))
		return set_copy(obj, "fields", fields);
	for (const cJSON *f = fields->child; f; f = f->next) {
		cJSON *have = cJSON_GetObjectItemCaseSensitive(mine, f->string);
		int rc = cJSON_IsObject(have) && cJSON_IsObject(f) ? merge_keys(have, f) : set_copy(mine, f->string, f);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int append_items(cJSON *obj, const char *key, const cJSON *arr)
{
	cJSON *mine = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsArray(mine))
		return set_copy(obj, key, arr);
	for (const cJSON *e = arr->child; e; e = e->next) {
		cJSON *c = cJSON_Duplicate(e, 1);
		if (!c || !cJSON_AddItemToArray(mine, c)) {
			cJSON_Delete(c);
			return -ENOMEM;
		}
	}
	return 0;
}

static int apply_extension(cJSON *obj, const cJSON *ext)
{
	static const char *own[] = { "extend", "priority", "name", "label" };
	for (const cJSON *m = ext->child; m; m = m->next) {
		int skip = 0, rc;
		for (size_t i = 0; i < sizeof(own) / sizeof(*own); i++)
			skip |= !strcmp(m->string, own[i]);
		if (skip)
			continue;
		cJSON *mine = cJSON_GetObjectItemCaseSensitive(obj, m->string);
		if (!strcmp(m->string, "fields") && cJSON_IsObject(m))
			rc = merge_fields(obj, m);
		else if (cJSON_IsArray(m))
			rc = append_items(obj, m->string, m);
		else if (cJSON_IsObject(m) && cJSON_IsObject(mine))
			rc = merge_keys(mine, m);
		else
			rc = set_copy(obj, m->string, m);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int merge_object(const char *base, size_t base_len, char *const *exts, const size_t *ext_len, size_t n,
		 struct buf *out)
{
	cJSON *obj = parse_object(base, base_len);
	int rc = obj ? 0 : -EINVAL;
	for (size_t i = 0; i < n && rc == 0; i++) {
		cJSON *ext = parse_object(exts[i], ext_len[i]);
		rc = ext ? apply_extension(obj, ext) : -EINVAL;
		cJSON_Delete(ext);
	}
	if (rc == 0)
		rc = json_print_pretty(obj, out);
	cJSON_Delete(obj);
	return rc;
}

int merge_record(const char *old, size_t old_len, const void *update_json, struct buf *out)
{
	const cJSON *upd = update_json;
	cJSON *rec = parse_object(old, old_len);
	int rc = rec ? merge_keys(rec, upd) : -EINVAL;
	if (rc == 0)
		rc = json_print_pretty(rec, out);
	cJSON_Delete(rec);
	return rc;
}
