/* record_check: a record against its merged object (SPEC section 13). */
#include "catalog/record_check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

__attribute__((format(printf, 3, 4))) static int fail(struct record_check *c, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->err = err;
	return -err;
}

static const cJSON *member(const cJSON *o, const char *name)
{
	return o ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

static int absent(const cJSON *v)
{
	return !v || cJSON_IsNull(v);
}

static int same(const cJSON *a, const cJSON *b)
{
	return a && b && cJSON_Compare(a, b, 1);
}

static const char *type_of(const cJSON *field)
{
	const cJSON *t = member(field, "type");
	return cJSON_IsString(t) ? t->valuestring : "json";
}

static int is_computed(const char *type)
{
	return !strcmp(type, "formula") || !strcmp(type, "summary") || !strcmp(type, "autonumber");
}

static int is_secret(const char *type)
{
	return !strcmp(type, "password") || !strcmp(type, "secret");
}

static int is_ref(const char *type)
{
	return !strcmp(type, "lookup") || !strcmp(type, "master_detail") || !strcmp(type, "tree") ||
	       !strcmp(type, "user");
}

/* Sets rec[name] to a copy of v (replacing what is there). */
static int set_copy(cJSON *rec, const char *name, const cJSON *v, struct record_check *c)
{
	cJSON *dup = cJSON_Duplicate(v, 1);
	if (!dup)
		return fail(c, ENOMEM, "out of memory");
	int ok = cJSON_HasObjectItem(rec, name) ? cJSON_ReplaceItemInObjectCaseSensitive(rec, name, dup)
						: cJSON_AddItemToObject(rec, name, dup);
	if (!ok) {
		cJSON_Delete(dup);
		return fail(c, ENOMEM, "out of memory");
	}
	return 0;
}

/* The defaultValue to apply on create, built in *out (NULL if none
 * applies): a literal as it is; NOW() for the time kinds.  A CEL envelope
 * and current_user need a runtime osfs does not have: not applied. */
static int default_of(const cJSON *field, const char *type, int64_t now, cJSON **out)
{
	const cJSON *d = member(field, "defaultValue");
	*out = NULL;
	if (absent(d) || (cJSON_IsObject(d) && member(d, "dialect")))
		return 0;
	if (cJSON_IsString(d) && !strcmp(d->valuestring, "current_user"))
		return 0;
	if (cJSON_IsString(d) && !strcmp(d->valuestring, "NOW()")) {
		char s[40];
		time_t t = (time_t)(now / 1000000000);
		struct tm tm;
		gmtime_r(&t, &tm);
		if (!strcmp(type, "date"))
			strftime(s, sizeof(s), "%Y-%m-%d", &tm);
		else if (!strcmp(type, "time"))
			strftime(s, sizeof(s), "%H:%M:%S", &tm);
		else
			strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
		*out = cJSON_CreateString(s);
	} else {
		*out = cJSON_Duplicate(d, 1);
	}
	return *out ? 0 : -ENOMEM;
}

static int blank(const cJSON *v)
{
	if (absent(v))
		return 1;
	if (cJSON_IsArray(v))
		return !v->child;
	if (!cJSON_IsString(v))
		return 0;
	for (const char *s = v->valuestring; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

static int add_ref(struct record_check *c, const char *field, const char *object, const char *key)
{
	if (!*key)
		return 0; /* "" = no link */
	if (c->nrefs == c->caprefs) {
		size_t cap = c->caprefs ? c->caprefs * 2 : 8;
		struct record_ref *v = realloc(c->refs, cap * sizeof(*v));
		if (!v)
			return fail(c, ENOMEM, "out of memory");
		c->refs = v, c->caprefs = cap;
	}
	c->refs[c->nrefs++] = (struct record_ref){ field, object, key };
	return 0;
}

static int add_unique(struct record_check *c, const char *field, const cJSON *v)
{
	if (c->nuniq == c->capuniq) {
		size_t cap = c->capuniq ? c->capuniq * 2 : 4;
		struct record_unique *u = realloc(c->uniq, cap * sizeof(*u));
		if (!u)
			return fail(c, ENOMEM, "out of memory");
		c->uniq = u, c->capuniq = cap;
	}
	c->uniq[c->nuniq++] = (struct record_unique){ field, v };
	return 0;
}

/* The records a reference field's value names. */
static int collect_refs(const struct record_check_opts *o, const char *name, const cJSON *field, const char *type,
			const cJSON *v, struct record_check *c)
{
	const cJSON *r = member(field, "reference");
	const char *target = cJSON_IsString(r) ? r->valuestring : !strcmp(type, "user") ? "sys_user"
						    : !strcmp(type, "tree") ? o->object : NULL;
	if (!target)
		return 0; /* no referenced object: install refused it already (SPEC 4.7) */
	if (cJSON_IsString(v))
		return add_ref(c, name, target, v->valuestring);
	for (const cJSON *e = cJSON_IsArray(v) ? v->child : NULL; e; e = e->next)
		if (cJSON_IsString(e) && add_ref(c, name, target, e->valuestring) < 0)
			return -c->err;
	return 0;
}

/* Key text of a key value, as docs/tree.md: strings as they are, numbers
 * as JSON writes them, booleans as true/false. */
static int key_text(const cJSON *v, char *out, size_t len)
{
	if (cJSON_IsString(v))
		return snprintf(out, len, "%s", v->valuestring) < (int)len ? 1 : -ENAMETOOLONG;
	if (!cJSON_IsNumber(v) && !cJSON_IsBool(v))
		return 0;
	char *s = cJSON_PrintUnformatted(v);
	if (!s)
		return -ENOMEM;
	int rc = snprintf(out, len, "%s", s) < (int)len ? 1 : -ENAMETOOLONG;
	free(s);
	return rc;
}

int record_key_of(const cJSON *def, const cJSON *rec, char *out, size_t len)
{
	const cJSON *id = member(rec, "id");
	if (!absent(id))
		return key_text(id, out, len);
	size_t used = 0;
	int n = 0;
	const cJSON *fields = member(def, "fields");
	for (const cJSON *f = cJSON_IsObject(fields) ? fields->child : NULL; f; f = f->next) {
		if (!cJSON_IsTrue(member(f, "externalId")))
			continue;
		const cJSON *v = member(rec, f->string);
		if (absent(v))
			return 0; /* a composite key needs every part */
		if (used + 1 >= len)
			return -ENAMETOOLONG;
		if (n++)
			out[used++] = ',';
		int rc = key_text(v, out + used, len - used);
		if (rc <= 0)
			return rc;
		used += strlen(out + used);
	}
	return n ? 1 : 0;
}

/* The key of the file name and the record's agree; a missing one is
 * taken from the file name (SPEC 13). */
static int check_key(const struct record_check_opts *o, cJSON *rec, struct record_check *c)
{
	char k[1024];
	int rc = record_key_of(o->def, rec, k, sizeof(k));
	if (rc == -ENOMEM)
		return fail(c, ENOMEM, "out of memory");
	if (rc < 0 || (rc == 1 && strcmp(k, o->key)))
		return fail(c, EINVAL, "%s: the file name says the record's key is \"%s\" but the record says \"%.200s\" "
			    "(its %s): they must agree, or one be left out", o->object, o->key, rc < 0 ? "(too long)" : k,
			    absent(member(rec, "id")) ? "externalId field" : "id");
	if (rc == 1 || !o->key)
		return 0;
	/* Left out: from the file name, into the one externalId field, else id. */
	const cJSON *fields = member(o->def, "fields"), *ext = NULL;
	int next = 0;
	for (const cJSON *f = fields ? fields->child : NULL; f; f = f->next)
		if (cJSON_IsTrue(member(f, "externalId")))
			ext = f, next++;
	if (next > 1)
		return 0; /* a composite key cannot be split back */
	if (next == 0 && o->old && !member(o->old, "id"))
		return 0; /* a seeded record keyed by its dataset's externalId: keep its shape */
	cJSON *s = cJSON_CreateString(o->key);
	if (!s || set_copy(rec, ext ? ext->string : "id", s, c) < 0) {
		cJSON_Delete(s);
		return fail(c, ENOMEM, "out of memory");
	}
	cJSON_Delete(s);
	return 0;
}

/* Members of rec that are no field: refused, unless the stored record
 * holds the same value (a record as it reads back can be written back). */
static int check_unknown(const struct record_check_opts *o, const cJSON *fields, const cJSON *rec,
			 struct record_check *c)
{
	for (const cJSON *m = rec->child; m; m = m->next) {
		if (!strcmp(m->string, "id") || member(fields, m->string))
			continue;
		if (same(m, member(o->old, m->string)))
			continue;
		return fail(c, EINVAL, "%s.%s: %s has no field \"%s\" (unknown field)", o->object, m->string,
			    o->object, m->string);
	}
	return 0;
}

/* A read-only or computed field: only its stored value, or nothing. */
static int check_locked(const struct record_check_opts *o, const cJSON *f, const char *type, cJSON *rec,
			struct record_check *c)
{
	const char *name = f->string;
	const cJSON *v = member(rec, name), *ov = member(o->old, name);
	if (absent(v)) {
		if (!absent(ov))
			return set_copy(rec, name, ov, c); /* left out: the stored value stays */
		cJSON *d = NULL;
		if (!o->old && !is_computed(type) && default_of(f, type, o->now, &d) < 0)
			return fail(c, ENOMEM, "out of memory");
		int rc = d ? set_copy(rec, name, d, c) : 0;
		cJSON_Delete(d);
		return rc;
	}
	if (same(v, ov))
		return 0;
	return fail(c, EACCES, "%s.%s is %s: it cannot be written (leave it out, or unchanged, and its stored value "
		    "is kept)", o->object, name, is_computed(type) ? (!strcmp(type, "formula") ? "a formula, computed"
				: !strcmp(type, "summary") ? "a summary, computed" : "an autonumber, assigned") : "read-only");
}

static int check_field(const struct record_check_opts *o, const cJSON *f, cJSON *rec, struct record_check *c)
{
	const char *name = f->string, *type = type_of(f);
	const cJSON *ov = member(o->old, name);
	if (is_computed(type) || cJSON_IsTrue(member(f, "readonly")))
		return check_locked(o, f, type, rec, c);
	const cJSON *v = member(rec, name);
	if (is_secret(type) && cJSON_IsString(v) && !strcmp(v->valuestring, RECORD_MASK)) {
		if (absent(ov))
			return fail(c, EINVAL, "%s.%s holds the mask " RECORD_MASK " and no value is stored: write the "
				    "value itself", o->object, name);
		if (set_copy(rec, name, ov, c) < 0) /* the mask keeps the stored value */
			return -c->err;
		v = member(rec, name);
	}
	if (absent(v) && !o->old) {
		cJSON *d = NULL;
		if (default_of(f, type, o->now, &d) < 0)
			return fail(c, ENOMEM, "out of memory");
		if (d && set_copy(rec, name, d, c) < 0) {
			cJSON_Delete(d);
			return -c->err;
		}
		cJSON_Delete(d);
		v = member(rec, name);
	}
	/* A stored record that lacks it stays editable while the write
	 * leaves the field as it is (the ObjectStack contract). */
	if (cJSON_IsTrue(member(f, "required")) && blank(v) && !(o->old && (same(v, ov) || (absent(v) && absent(ov)))))
		return fail(c, EINVAL, "%s.%s is required: it must be present and not null, blank or empty%s", o->object,
			    name, member(f, "defaultValue") ? "" : " (it has no defaultValue)");
	if (absent(v) || same(v, ov))
		return 0; /* not set, or as stored (seeded before these checks: kept) */
	char rule[400];
	if (record_check_value(f, type, v, rule, sizeof(rule)) < 0)
		return fail(c, EINVAL, "%s.%s %s", o->object, name, rule);
	if (is_ref(type) && collect_refs(o, name, f, type, v, c) < 0)
		return -c->err;
	const cJSON *u = member(f, "unique");
	if ((cJSON_IsTrue(u) || cJSON_IsString(u)) && ((cJSON_IsString(v) && v->valuestring[0]) || cJSON_IsNumber(v)))
		return add_unique(c, name, v);
	return 0;
}

static size_t count_changes(const cJSON *rec, const cJSON *old)
{
	size_t n = 0;
	for (const cJSON *m = rec->child; m; m = m->next)
		n += !same(m, member(old, m->string));
	for (const cJSON *m = old ? old->child : NULL; m; m = m->next)
		n += !member(rec, m->string);
	return n;
}

int record_check(const struct record_check_opts *o, cJSON *rec, struct record_check *c)
{
	c->err = 0;
	c->msg[0] = '\0';
	if (!cJSON_IsObject(rec))
		return fail(c, EINVAL, "%s: a record must be a JSON object", o->object);
	const cJSON *fields = member(o->def, "fields");
	int rc = check_unknown(o, fields, rec, c);
	if (rc == 0 && o->key)
		rc = check_key(o, rec, c);
	for (const cJSON *f = cJSON_IsObject(fields) ? fields->child : NULL; f && rc == 0; f = f->next) {
		rc = check_field(o, f, rec, c);
		if (is_secret(type_of(f)) && !absent(member(rec, f->string)))
			c->secret = 1;
	}
	if (rc == 0)
		c->nchanged = count_changes(rec, o->old);
	return rc;
}

void record_check_free(struct record_check *c)
{
	free(c->refs);
	free(c->uniq);
	c->refs = NULL;
	c->uniq = NULL;
	c->nrefs = c->caprefs = c->nuniq = c->capuniq = 0;
}
