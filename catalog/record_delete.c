/* record_delete: a record deleted with what points at it (SPEC 13): each
 * lookup, master_detail, tree or user field of the tenant's objects that
 * references the record's object follows its deleteBehavior: restrict
 * refuses (EBUSY, naming the referrers), cascade deletes the referrers
 * (and what points at them, in turn), set_null clears the link (removes
 * the key from a multiple one).  A field that says nothing restricts.
 * Inside the caller's transaction: a refusal anywhere rolls all back. */
#include "catalog/record_delete.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/install_internal.h"
#include "catalog/json_parse.h"
#include "catalog/json_print.h"
#include "catalog/names.h"
#include "store/records.h"

#define MAX_CASCADE 16

enum how { RESTRICT, CASCADE, SET_NULL };

struct referrer {
	char *object, *field;
	enum how how;
};

struct referrers {
	const char *target;
	struct referrer *v;
	size_t n, cap;
};

static void referrers_free(struct referrers *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->v[i].object);
		free(rs->v[i].field);
	}
	free(rs->v);
}

static const char *str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The fields of object `name` that point at rs->target. */
static int collect(void *ctx, const char *name, const char *body, size_t len)
{
	struct referrers *rs = ctx;
	struct json_error e;
	cJSON *def = json_parse(body, len, NULL, &e);
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(def, "fields");
	int rc = 0;
	for (const cJSON *f = cJSON_IsObject(fields) ? fields->child : NULL; f && rc == 0; f = f->next) {
		const char *type = str_of(f, "type"), *ref = str_of(f, "reference"), *how = str_of(f, "deleteBehavior");
		if (!type || (strcmp(type, "lookup") && strcmp(type, "master_detail") && strcmp(type, "tree") &&
			      strcmp(type, "user")))
			continue;
		if (!ref)
			ref = !strcmp(type, "user") ? "sys_user" : !strcmp(type, "tree") ? name : NULL;
		if (!ref || strcmp(ref, rs->target))
			continue;
		if (rs->n == rs->cap) {
			size_t cap = rs->cap ? rs->cap * 2 : 8;
			struct referrer *v = realloc(rs->v, cap * sizeof(*v));
			if (!v) {
				rc = -ENOMEM;
				break;
			}
			rs->v = v, rs->cap = cap;
		}
		struct referrer *r = &rs->v[rs->n++];
		r->object = strdup(name);
		r->field = strdup(f->string);
		r->how = how && !strcmp(how, "cascade") ? CASCADE : how && !strcmp(how, "set_null") ? SET_NULL : RESTRICT;
		if (!r->object || !r->field)
			rc = -ENOMEM;
	}
	cJSON_Delete(def);
	return rc;
}

/* Does the hit's value name key? */
static int names_key(const struct record_hit *h, const char *key)
{
	if (!h->array)
		return !strcmp(h->value, key);
	struct json_error e;
	cJSON *a = json_parse(h->value, strlen(h->value), NULL, &e);
	int found = 0;
	for (const cJSON *x = a ? a->child : NULL; x && !found; x = x->next)
		found = cJSON_IsString(x) && !strcmp(x->valuestring, key);
	cJSON_Delete(a);
	return found;
}

/* The link to key cleared in record stem of tbl: null, or the key taken
 * out of an array ([] when emptied, never null). */
static int set_null(struct db *db, const struct tenant_row *t, const struct referrer *ref, int64_t tbl,
		    const char *stem, const char *key, const char *gone, int64_t ts, struct install_report *r)
{
	struct buf old = BUF_INIT, body = BUF_INIT, k = BUF_INIT;
	struct json_error e;
	int64_t id;
	cJSON *rec = NULL;
	int rc = records_get(db, tbl, stem, &id, &old);
	if (rc == 0 && !(rec = json_parse(old.p, old.len, NULL, &e)))
		rc = -EIO;
	cJSON *v = rec ? cJSON_GetObjectItemCaseSensitive(rec, ref->field) : NULL;
	if (rc == 0 && cJSON_IsArray(v)) {
		for (cJSON *x = v->child, *next; x; x = next) {
			next = x->next;
			if (cJSON_IsString(x) && !strcmp(x->valuestring, key))
				cJSON_Delete(cJSON_DetachItemViaPointer(v, x));
		}
	} else if (rc == 0 && !cJSON_ReplaceItemInObjectCaseSensitive(rec, ref->field, cJSON_CreateNull())) {
		rc = -ENOMEM;
	}
	if (rc == 0)
		rc = json_print_pretty(rec, &body);
	if (rc == 0)
		rc = records_put(db, tbl, stem, body.p, body.len, ts, id);
	if (rc == 0)
		rc = name_unescape(stem, &k);
	if (rc == 0) {
		char file[NAME_MAX_STEM + 8];
		snprintf(file, sizeof(file), "%s.json", stem);
		changes_entry(&r->changes, tree_node(T_TABLE, (uint64_t)tbl), file);
		changes_node(&r->changes, tree_node(T_TABLE, (uint64_t)tbl), 0);
		rc = install_log(db, t, ts, &r->changes, "updated %s/%s: 1 field (%s cleared: %s was deleted)", ref->object,
				 buf_str(&k), ref->field, gone);
	}
	cJSON_Delete(rec);
	buf_free(&old);
	buf_free(&body);
	buf_free(&k);
	return rc;
}

/* What points at object/key, handled by its deleteBehavior; the names of
 * restricting referrers go to busy. */
static int referrers_of(struct db *db, const struct tenant_row *t, const char *object, const char *stem,
			const char *key, int64_t ts, struct install_report *r, int depth, struct buf *busy, size_t *nbusy)
{
	struct referrers rs = { object, NULL, 0, 0 };
	char gone[NAME_MAX_STEM * 2];
	snprintf(gone, sizeof(gone), "%s/%s", object, key);
	int rc = records_objects_each(db, t->id, collect, &rs);
	for (size_t i = 0; i < rs.n && rc == 0; i++) {
		const struct referrer *ref = &rs.v[i];
		struct record_hit *hits;
		size_t n;
		int64_t tbl;
		if ((rc = records_table_find(db, t->id, ref->object, &tbl)) == -ENOENT) {
			rc = 0;
			continue;
		}
		if (rc < 0 || (rc = records_with_field(db, tbl, ref->field, &hits, &n)) < 0)
			break;
		for (size_t h = 0; h < n && rc == 0; h++) {
			if (!names_key(&hits[h], key) || (!strcmp(ref->object, object) && !strcmp(hits[h].key, stem)))
				continue; /* another record, or the record itself */
			if (ref->how == RESTRICT) {
				if ((*nbusy)++ < 5)
					buf_printf(busy, "%s%s/%s (%s)", *nbusy > 1 ? ", " : "", ref->object, hits[h].key,
						   ref->field);
			} else if (ref->how == SET_NULL) {
				rc = set_null(db, t, ref, tbl, hits[h].key, key, gone, ts, r);
			} else {
				struct buf k = BUF_INIT;
				rc = name_unescape(hits[h].key, &k);
				if (rc == 0)
					rc = record_delete_tx(db, t, ref->object, hits[h].key, buf_str(&k), ts, r, depth + 1, gone);
				buf_free(&k);
			}
		}
		records_hits_free(hits, n);
	}
	referrers_free(&rs);
	return rc;
}

int record_delete_tx(struct db *db, const struct tenant_row *t, const char *object, const char *stem, const char *key,
		     int64_t ts, struct install_report *r, int depth, const char *cascade_from)
{
	struct buf busy = BUF_INIT;
	size_t nbusy = 0;
	int64_t tbl, id;
	if (depth > MAX_CASCADE) {
		diag_add(&r->diag, EBUSY, "deleting %s/%s cascades more than %d levels deep: delete the records at the end "
			 "of the chain first", object, key, MAX_CASCADE);
		return -EBUSY;
	}
	int rc = records_table_find(db, t->id, object, &tbl);
	if (rc == 0)
		rc = records_get(db, tbl, stem, &id, NULL);
	if (rc == -ENOENT && cascade_from)
		return 0; /* already deleted by another path of this cascade */
	if (rc == 0)
		rc = records_delete(db, tbl, stem, ts); /* first: a cycle of cascades ends here */
	if (rc == 0)
		rc = referrers_of(db, t, object, stem, key, ts, r, depth, &busy, &nbusy);
	if (rc == 0 && nbusy) {
		char more[64] = "";
		if (nbusy > 5)
			snprintf(more, sizeof(more), " and %zu more", nbusy - 5);
		diag_add(&r->diag, EBUSY, "%s/%s is referenced by %s%s, whose deleteBehavior is restrict: change or remove "
			 "them first", object, key, buf_str(&busy), more);
		rc = -EBUSY;
	}
	buf_free(&busy);
	if (rc < 0)
		return rc;
	char file[NAME_MAX_STEM + 8];
	snprintf(file, sizeof(file), "%s.json", stem);
	changes_entry(&r->changes, tree_node(T_TABLE, (uint64_t)tbl), file);
	changes_node(&r->changes, tree_node(T_TABLE, (uint64_t)tbl), 0);
	if (cascade_from)
		rc = install_log(db, t, ts, &r->changes, "deleted %s/%s (cascade: %s was deleted)", object, key, cascade_from);
	else
		rc = install_log(db, t, ts, &r->changes, "deleted %s/%s", object, key);
	/* An emptied folder stays until rmdir (rm -r ends with it: it must
	 * find the folder there). */
	return rc;
}
