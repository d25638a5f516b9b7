/* artifact_defs: the definitions an install acts on (objects, extensions,
 * seed datasets), their structure, and the name rules 4 and 5. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/artifact_internal.h"
#include "catalog/json_print.h"
#include "catalog/names.h"

#define DEFAULT_PRIORITY 200.0

static const cJSON *member(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const struct art_kind *kind_of(const struct artifact *a, const char *key)
{
	for (size_t i = 0; i < a->nkinds; i++)
		if (!strcmp(a->kinds[i].key, key))
			return &a->kinds[i];
	return NULL;
}

/* The item laid out for element el of kind k, searching from *cur. */
static long item_for(const struct artifact *a, const struct art_kind *k, const cJSON *el, size_t *cur)
{
	if (!k || *cur >= k->count || a->items[k->first + *cur].json != el)
		return -1;
	return (long)(k->first + (*cur)++);
}

static int is_relation(const char *type)
{
	return !strcmp(type, "lookup") || !strcmp(type, "master_detail");
}

int artifact_each_reference(const cJSON *fields,
			    int (*fn)(const char *field, const char *target, void *ctx), void *ctx)
{
	if (!cJSON_IsObject(fields))
		return 0;
	for (const cJSON *f = fields->child; f; f = f->next) {
		const cJSON *type = member(f, "type"), *ref = member(f, "reference");
		if (!cJSON_IsString(type) || !is_relation(type->valuestring) || !cJSON_IsString(ref))
			continue;
		int rc = fn(f->string, ref->valuestring, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

static void suggest(const char *name, const char *ns, char *out, size_t len)
{
	struct buf b = BUF_INIT;
	name_suggest(name, ns, &b);
	snprintf(out, len, "%s", buf_error(&b) ? "?" : buf_str(&b));
	buf_free(&b);
}

/* The "fields" of an object or extension named owner.  An extension may
 * change properties of a field its target already has, so its fields need
 * no type; an object's do. */
static void check_fields(const cJSON *fields, const char *owner, int need_type, struct diag *d)
{
	if (!fields)
		return;
	if (!cJSON_IsObject(fields)) {
		diag_add(d, EINVAL, "%s: \"fields\" must be an object mapping field names to definitions, not %s",
			 owner, artifact_type_name(fields));
		return;
	}
	for (const cJSON *f = fields->child; f; f = f->next) {
		if (!cJSON_IsObject(f)) {
			diag_add(d, EINVAL, "field %.80s of %s must be an object, not %s", f->string, owner,
				 artifact_type_name(f));
			continue;
		}
		const cJSON *type = member(f, "type"), *ref = member(f, "reference");
		if (!type && !need_type)
			continue;
		if (!cJSON_IsString(type)) {
			diag_add(d, EINVAL, "field %.80s of %s: \"type\" must be a string naming the field type (text, "
				 "number, lookup, ...), not %s", f->string, owner, artifact_type_name(type));
			continue;
		}
		if (is_relation(type->valuestring) && !ref)
			diag_add(d, EINVAL, "field %.80s of %s is a %s but has no \"reference\" naming the object it points "
				 "to", f->string, owner, type->valuestring);
		else if (is_relation(type->valuestring) && !cJSON_IsString(ref))
			diag_add(d, EINVAL, "field %.80s of %s: \"reference\" must be a string naming an object, not %s",
				 f->string, owner, artifact_type_name(ref));
	}
}

static void check_field_names(const cJSON *fields, const char *owner, struct diag *d)
{
	char want[NAME_MAX_STEM + 32];
	for (const cJSON *f = cJSON_IsObject(fields) ? fields->child : NULL; f; f = f->next) {
		if (name_is_snake(f->string))
			continue;
		suggest(f->string, NULL, want, sizeof(want));
		diag_add(d, EINVAL, "field \"%.80s\" of %s is not snake_case: call it \"%s\"", f->string, owner, want);
	}
}

/* Rule 5 for objects and fields (an error), before any structural check
 * so that its problems come first. */
void artifact_check_naming(struct artifact *a, struct diag *d)
{
	const cJSON *objs = member(a->root, "objects"), *exts = member(a->root, "objectExtensions");
	char owner[160], want[NAME_MAX_STEM + 32];
	for (const cJSON *el = cJSON_IsArray(objs) ? objs->child : NULL; el; el = el->next) {
		const cJSON *nm = member(el, "name");
		if (!cJSON_IsString(nm) || !nm->valuestring[0])
			continue; /* the structural check reports it */
		if (a->ns[0] && !name_object_reserved(nm->valuestring) && !name_is_object(nm->valuestring, a->ns)) {
			suggest(nm->valuestring, a->ns, want, sizeof(want));
			diag_add(d, EINVAL, "object \"%.80s\" is not named <namespace>_<name> in snake_case: call it \"%s\"",
				 nm->valuestring, want);
		}
		snprintf(owner, sizeof(owner), "object %.80s", nm->valuestring);
		check_field_names(member(el, "fields"), owner, d);
	}
	for (const cJSON *el = cJSON_IsArray(exts) ? exts->child : NULL; el; el = el->next) {
		const cJSON *ext = member(el, "extend");
		snprintf(owner, sizeof(owner), "the extension of %.80s", cJSON_IsString(ext) ? ext->valuestring : "?");
		check_field_names(member(el, "fields"), owner, d);
	}
}

static int push_object(struct artifact *a, const char *name, const cJSON *el, size_t item)
{
	size_t idx = a->nobjects;
	int rc = strset_add(&a->object_index, name, idx, NULL);
	if (rc <= 0)
		return rc; /* a duplicate is reported by the layout */
	a->objects[a->nobjects++] = (struct art_object){ name, el, item };
	return 0;
}

static void check_objects(struct artifact *a, struct diag *d)
{
	const cJSON *arr = member(a->root, "objects");
	const struct art_kind *k = kind_of(a, "objects");
	if (!arr)
		return;
	if (!cJSON_IsArray(arr)) {
		diag_add(d, EINVAL, "\"objects\" must be an array of object definitions, not %s", artifact_type_name(arr));
		return;
	}
	a->objects = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*a->objects));
	if (!a->objects) {
		diag_add(d, ENOMEM, "out of memory");
		return;
	}
	size_t cur = 0, pos = 0;
	for (const cJSON *el = arr->child; el; el = el->next, pos++) {
		long item = item_for(a, k, el, &cur);
		const cJSON *nm = member(el, "name");
		if (!cJSON_IsObject(el) || !cJSON_IsString(nm)) {
			if (!cJSON_IsObject(el) || !nm)
				diag_add(d, EINVAL, "objects[%zu] must be an object with a \"name\"", pos);
			continue;
		}
		char owner[160];
		snprintf(owner, sizeof(owner), "object %.80s", nm->valuestring);
		check_fields(member(el, "fields"), owner, 1, d);
		if (item >= 0 && push_object(a, nm->valuestring, el, (size_t)item) < 0)
			diag_add(d, ENOMEM, "out of memory");
	}
}

static void check_extensions(struct artifact *a, struct diag *d)
{
	const cJSON *arr = member(a->root, "objectExtensions");
	const struct art_kind *k = kind_of(a, "objectExtensions");
	if (!arr)
		return;
	if (!cJSON_IsArray(arr)) {
		diag_add(d, EINVAL, "\"objectExtensions\" must be an array, not %s", artifact_type_name(arr));
		return;
	}
	a->exts = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*a->exts));
	if (!a->exts) {
		diag_add(d, ENOMEM, "out of memory");
		return;
	}
	size_t cur = 0, pos = 0;
	for (const cJSON *el = arr->child; el; el = el->next, pos++) {
		long item = item_for(a, k, el, &cur);
		const cJSON *ext = member(el, "extend"), *prio = member(el, "priority");
		if (!cJSON_IsObject(el) || !cJSON_IsString(ext)) {
			diag_add(d, EINVAL, "objectExtensions[%zu] must be an object whose \"extend\" names the object it "
				 "extends", pos);
			continue;
		}
		if (prio && !cJSON_IsNumber(prio))
			diag_add(d, EINVAL, "objectExtensions[%zu].priority must be a number, not %s", pos,
				 artifact_type_name(prio));
		char owner[160];
		snprintf(owner, sizeof(owner), "the extension of %.80s", ext->valuestring);
		check_fields(member(el, "fields"), owner, 0, d);
		if (item >= 0)
			a->exts[a->nexts++] = (struct art_ext){ ext->valuestring,
				cJSON_IsNumber(prio) ? prio->valuedouble : DEFAULT_PRIORITY, el, (size_t)item };
	}
}

static int parse_mode(const cJSON *m, enum seed_mode *out)
{
	static const char *names[] = { "insert", "update", "upsert", "replace", "ignore" };
	if (!m) {
		*out = SEED_UPSERT;
		return 0;
	}
	for (int i = 0; cJSON_IsString(m) && i < 5; i++) {
		if (!strcmp(m->valuestring, names[i])) {
			*out = (enum seed_mode)i;
			return 0;
		}
	}
	return -1;
}

const char *seed_mode_name(enum seed_mode m)
{
	static const char *names[] = { "insert", "update", "upsert", "replace", "ignore" };
	return names[m];
}

static int key_part(const cJSON *v, struct buf *key)
{
	if (cJSON_IsString(v))
		return name_escape(v->valuestring, strlen(v->valuestring), key);
	if (cJSON_IsBool(v))
		return buf_adds(key, cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v)) {
		struct buf n = BUF_INIT;
		json_print_number(v->valuedouble, &n);
		name_escape(buf_str(&n), n.len, key);
		buf_free(&n);
		return buf_error(key);
	}
	return 1; /* not a usable key value */
}

/* The escaped file-name stem of record r: its id, else its externalId
 * values joined by ','.  Returns NULL after adding a problem to d. */
static char *record_key(const struct art_seed *s, const cJSON *r, size_t ds, size_t ri, struct diag *d)
{
	struct buf key = BUF_INIT;
	const cJSON *id = member(r, "id");
	int rc = 0;
	if (id && !cJSON_IsNull(id)) {
		rc = key_part(id, &key);
		if (rc > 0)
			diag_add(d, EINVAL, "data[%zu] (%s): record %zu has an \"id\" that is %s; ids are strings or numbers",
				 ds, s->object, ri, artifact_type_name(id));
	} else {
		for (size_t i = 0; i < s->nextid && rc == 0; i++) {
			const cJSON *v = member(r, s->extid[i]);
			if (i)
				buf_addc(&key, ',');
			rc = v ? key_part(v, &key) : 1;
			if (rc > 0)
				diag_add(d, EINVAL, "data[%zu] (%s): record %zu has no usable \"%s\" (its externalId): give it a "
					 "string or number, or an \"id\"", ds, s->object, ri, s->extid[i]);
		}
	}
	if (rc == 0 && !buf_error(&key) && (key.len == 0 || key.len > NAME_MAX_STEM)) {
		diag_add(d, EINVAL, "data[%zu] (%s): record %zu has a key that is %s", ds, s->object, ri,
			 key.len ? "longer than 250 bytes once escaped" : "empty");
		rc = 1;
	}
	if (rc == 0 && buf_error(&key))
		diag_add(d, ENOMEM, "out of memory");
	if (rc || buf_error(&key)) {
		buf_free(&key);
		return NULL;
	}
	return buf_detach(&key, NULL);
}

static int seed_extid(struct art_seed *s, const cJSON *ext, size_t ds, struct diag *d)
{
	static const char *def = "name";
	size_t n = !ext || cJSON_IsString(ext) ? 1 : (size_t)cJSON_GetArraySize(ext);
	if (ext && !cJSON_IsString(ext) && (!cJSON_IsArray(ext) || n == 0)) {
		diag_add(d, EINVAL, "data[%zu] (%s): \"externalId\" must be a field name or a non-empty array of them",
			 ds, s->object);
		return -1;
	}
	s->extid = calloc(n, sizeof(*s->extid));
	if (!s->extid)
		return -1;
	if (!ext || cJSON_IsString(ext)) {
		s->extid[s->nextid++] = ext ? ext->valuestring : def;
		return 0;
	}
	for (const cJSON *e = ext->child; e; e = e->next) {
		if (!cJSON_IsString(e)) {
			diag_add(d, EINVAL, "data[%zu] (%s): \"externalId\" entries must be strings", ds, s->object);
			return -1;
		}
		s->extid[s->nextid++] = e->valuestring;
	}
	return 0;
}

static void check_seed(struct artifact *a, const cJSON *el, size_t ds, struct diag *d)
{
	const cJSON *obj = member(el, "object"), *recs = member(el, "records");
	struct art_seed *s = &a->seeds[a->nseeds];
	memset(s, 0, sizeof(*s));
	if (!cJSON_IsObject(el) || !cJSON_IsString(obj) || !name_is_snake(obj->valuestring)) {
		diag_add(d, EINVAL, "data[%zu] must be an object whose \"object\" names the snake_case object it fills", ds);
		return;
	}
	s->object = obj->valuestring;
	if (parse_mode(member(el, "mode"), &s->mode) < 0) {
		diag_add(d, EINVAL, "data[%zu] (%s): \"mode\" must be one of insert, update, upsert, replace, ignore",
			 ds, s->object);
		return;
	}
	if (!cJSON_IsArray(recs)) {
		diag_add(d, EINVAL, "data[%zu] (%s): \"records\" must be an array of records, not %s", ds, s->object,
			 artifact_type_name(recs));
		return;
	}
	a->nseeds++; /* from here on artifact_free() owns what s holds */
	if (seed_extid(s, member(el, "externalId"), ds, d) < 0)
		return;
	s->records = recs;
	size_t n = (size_t)cJSON_GetArraySize(recs), ri = 0;
	s->keys = calloc(n + 1, sizeof(*s->keys));
	if (!s->keys) {
		diag_add(d, ENOMEM, "out of memory");
		return;
	}
	/* Every bad record is reported; a bad one keeps a NULL key (the
	 * artifact is refused, so its records are never written). */
	for (const cJSON *r = recs->child; r; r = r->next, ri++) {
		s->nrecords = ri + 1;
		if (!cJSON_IsObject(r))
			diag_add(d, EINVAL, "data[%zu] (%s): record %zu must be an object, not %s", ds, s->object, ri,
				 artifact_type_name(r));
		else
			s->keys[ri] = record_key(s, r, ds, ri, d);
	}
}

static void check_seeds(struct artifact *a, struct diag *d)
{
	const cJSON *arr = member(a->root, "data");
	if (!arr)
		return;
	if (!cJSON_IsArray(arr)) {
		diag_add(d, EINVAL, "\"data\" must be an array of seed datasets, not %s", artifact_type_name(arr));
		return;
	}
	a->seeds = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*a->seeds));
	if (!a->seeds) {
		diag_add(d, ENOMEM, "out of memory");
		return;
	}
	size_t ds = 0;
	for (const cJSON *el = arr->child; el; el = el->next, ds++)
		check_seed(a, el, ds, d);
}

/* Rule 5 for everything but objects: unprefixed names are a warning. */
static void warn_unprefixed(const struct artifact *a, struct diag *d)
{
	size_t nl = strlen(a->ns);
	for (size_t k = 0; k < a->nkinds && nl; k++) {
		const struct art_kind *kd = &a->kinds[k];
		if (!kd->named || !strcmp(kd->key, "objects"))
			continue;
		struct buf list = BUF_INIT;
		size_t bad = 0;
		for (size_t i = kd->first; i < kd->first + kd->count; i++) {
			const char *n = a->items[i].name;
			if (!n || (!strncmp(n, a->ns, nl) && (n[nl] == '_' || n[nl] == '.')))
				continue;
			if (bad++ < 3)
				buf_printf(&list, "%s%.60s", bad > 1 ? ", " : "", n);
		}
		if (bad)
			diag_warn(d, "%zu of the %zu %s %s not prefixed with \"%s_\" (%s%s): the convention is "
				  "<namespace>_<name>", bad, kd->count, kd->key, bad == 1 ? "is" : "are", a->ns,
				  buf_str(&list), bad > 3 ? ", ..." : "");
		buf_free(&list);
	}
}

void artifact_check_defs(struct artifact *a, struct diag *d)
{
	check_objects(a, d);
	check_extensions(a, d);
	check_seeds(a, d);
	warn_unprefixed(a, d);
}
