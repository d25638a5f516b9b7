/* merge: objects with extensions, records with updates. */
#include "catalog/merge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog/json_parse.h"
#include "catalog/json_print.h"
#include "catalog/strset.h"

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

/* The members of src, indexed by key once, so that laying src over dst is
 * linear (looking each key up in dst, as cJSON does, is quadratic: a
 * 1 MB record or extension took seconds, a few MB minutes, all under the
 * store's write lock). */
struct keyed {
	struct strset idx;
	const cJSON **v;
	unsigned char *used;
	size_t n;
};

static void keyed_free(struct keyed *k)
{
	strset_free(&k->idx);
	free(k->v);
	free(k->used);
}

static int keyed_init(struct keyed *k, const cJSON *src, const char *const *skip, size_t nskip)
{
	size_t n = 0;
	*k = (struct keyed){ STRSET_INIT, NULL, NULL, 0 };
	for (const cJSON *m = src->child; m; m = m->next)
		n++;
	k->v = calloc(n ? n : 1, sizeof(*k->v));
	k->used = calloc(n ? n : 1, 1);
	if (!k->v || !k->used)
		return -ENOMEM;
	for (const cJSON *m = src->child; m; m = m->next) {
		int own = 0;
		for (size_t i = 0; i < nskip; i++)
			own |= !strcmp(m->string, skip[i]);
		if (own)
			continue;
		/* Keys are unique: json_parse refuses a repeated one. */
		k->v[k->n] = m;
		if (strset_add(&k->idx, m->string, k->n++, NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Replaces member d of dst by a copy of v (cJSON_Duplicate copies the key). */
static int replace_copy(cJSON *dst, cJSON *d, const cJSON *v)
{
	cJSON *c = cJSON_Duplicate(v, 1);
	if (!c)
		return -ENOMEM;
	if (!cJSON_ReplaceItemViaPointer(dst, d, c)) {
		cJSON_Delete(c);
		return -ENOMEM;
	}
	return 0;
}

static int append_copy(cJSON *dst, const cJSON *v)
{
	cJSON *c = cJSON_Duplicate(v, 1);
	if (!c || !cJSON_AddItemToArray(dst, c)) {
		cJSON_Delete(c);
		return -ENOMEM;
	}
	return 0;
}

enum how { KEYS, FIELDS, EXTENSION };

static int lay_over(cJSON *dst, const cJSON *src, enum how how);

/* src member m over dst member d of the same key. */
static int lay_member(cJSON *dst, cJSON *d, const cJSON *m, enum how how)
{
	if (how == FIELDS && cJSON_IsObject(d) && cJSON_IsObject(m))
		return lay_over(d, m, KEYS);
	if (how == EXTENSION) {
		if (!strcmp(m->string, "fields") && cJSON_IsObject(m))
			return cJSON_IsObject(d) ? lay_over(d, m, FIELDS) : replace_copy(dst, d, m);
		if (cJSON_IsArray(m)) {
			if (!cJSON_IsArray(d))
				return replace_copy(dst, d, m);
			for (const cJSON *e = m->child; e; e = e->next)
				if (append_copy(d, e) < 0)
					return -ENOMEM;
			return 0;
		}
		if (cJSON_IsObject(m) && cJSON_IsObject(d))
			return lay_over(d, m, KEYS);
	}
	return replace_copy(dst, d, m);
}

/* Every member of src over dst, key by key: a member dst has is merged or
 * replaced where it is, the others are appended in src's order. */
static int lay_over(cJSON *dst, const cJSON *src, enum how how)
{
	static const char *const own[] = { "extend", "priority", "name", "label" };
	struct keyed k;
	int rc = keyed_init(&k, src, own, how == EXTENSION ? sizeof(own) / sizeof(*own) : 0);
	for (cJSON *d = dst->child, *next; d && rc == 0; d = next) {
		size_t i;
		next = d->next;
		if (!d->string || !strset_get(&k.idx, d->string, &i) || k.used[i])
			continue;
		k.used[i] = 1;
		rc = lay_member(dst, d, k.v[i], how);
	}
	for (size_t i = 0; i < k.n && rc == 0; i++)
		if (!k.used[i])
			rc = append_copy(dst, k.v[i]);
	keyed_free(&k);
	return rc;
}

int merge_object(const char *base, size_t base_len, char *const *exts, const size_t *ext_len, size_t n,
		 struct buf *out)
{
	cJSON *obj = parse_object(base, base_len);
	int rc = obj ? 0 : -EINVAL;
	for (size_t i = 0; i < n && rc == 0; i++) {
		cJSON *ext = parse_object(exts[i], ext_len[i]);
		rc = ext ? lay_over(obj, ext, EXTENSION) : -EINVAL;
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
	int rc = rec ? lay_over(rec, upd, KEYS) : -EINVAL;
	if (rc == 0)
		rc = json_print_pretty(rec, out);
	cJSON_Delete(rec);
	return rc;
}
