/* catindex: catalog indexes. */
#include "catalog/catindex.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/json_parse.h"
#include "catalog/names.h"
#include "catalog/semver.h"

void catindex_hex(uint64_t h, char out[17])
{
	snprintf(out, 17, "%016" PRIx64, h);
}

int catindex_unhex(const char *s, uint64_t *h)
{
	uint64_t v = 0;
	if (!s || strlen(s) != 16)
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		int c = s[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	*h = v;
	return 0;
}

/* The most JSON values an index may hold: room for 10000 packages of
 * dozens of versions, while a hostile index of tiny values ("[0,0,0,...]")
 * cannot make the parser build millions of nodes (about 64 bytes each). */
#define CATINDEX_MAX_VALUES ((size_t)1 << 19)

cJSON *catindex_parse(const char *json, size_t len, char *err, size_t errlen)
{
	struct json_error e;
	const struct json_limits lim = { JSON_DEFAULT_DEPTH, CATINDEX_MAX_VALUES };
	cJSON *v = json_parse(json, len, &lim, &e);
	if (!v) {
		snprintf(err, errlen, "not valid JSON: line %u, column %u: %s", e.line, e.col, e.msg);
		return NULL;
	}
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(v, "format");
	if (!cJSON_IsObject(v) || !cJSON_IsString(f) || strcmp(f->valuestring, CATINDEX_FORMAT)) {
		snprintf(err, errlen, "not a catalog index (its \"format\" is not \"%s\")", CATINDEX_FORMAT);
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

static cJSON *new_index(void)
{
	cJSON *v = cJSON_CreateObject();
	if (v && !cJSON_AddStringToObject(v, "format", CATINDEX_FORMAT)) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

cJSON *catindex_pkg_new(const char *id)
{
	cJSON *v = new_index();
	if (v && (!cJSON_AddStringToObject(v, "id", id) || !cJSON_AddObjectToObject(v, "versions"))) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

cJSON *catindex_root_new(void)
{
	cJSON *v = new_index();
	if (v && !cJSON_AddObjectToObject(v, "packages")) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

int catindex_pkg_add(cJSON *pkg, const struct artifact *a, const char *published)
{
	char hex[17], file[SEMVER_MAX_LENGTH + 8];
	cJSON *versions = cJSON_GetObjectItemCaseSensitive(pkg, "versions");
	if (!cJSON_IsObject(versions) && !(versions = cJSON_AddObjectToObject(pkg, "versions")))
		return -ENOMEM;
	cJSON *e = cJSON_CreateObject(), *deps = NULL;
	catindex_hex(a->xxh3, hex);
	snprintf(file, sizeof(file), "%s.json", a->version_text);
	if (!e || !cJSON_AddStringToObject(e, "file", file) || !cJSON_AddNumberToObject(e, "size", (double)a->len) ||
	    !cJSON_AddStringToObject(e, "xxh3", hex) || !(deps = cJSON_AddObjectToObject(e, "dependencies")))
		goto oom;
	for (size_t i = 0; i < a->ndeps; i++)
		if (!cJSON_AddStringToObject(deps, a->deps[i].id, a->deps[i].range_text))
			goto oom;
	if (published && !cJSON_AddStringToObject(e, "published", published))
		goto oom;
	cJSON_DeleteItemFromObjectCaseSensitive(versions, a->version_text);
	return cJSON_AddItemToObject(versions, a->version_text, e) ? 0 : -ENOMEM;
oom:
	cJSON_Delete(e);
	return -ENOMEM;
}

static int entry_of(const cJSON *m, struct catindex_entry *e, char *err, size_t errlen)
{
	const cJSON *file = cJSON_GetObjectItemCaseSensitive(m, "file"), *size = cJSON_GetObjectItemCaseSensitive(m, "size"),
		    *hash = cJSON_GetObjectItemCaseSensitive(m, "xxh3"), *deps = cJSON_GetObjectItemCaseSensitive(m, "dependencies");
	struct semver v;
	memset(e, 0, sizeof(*e));
	if (semver_parse(m->string, SEMVER_STRICT, &v) < 0) {
		snprintf(err, errlen, "version \"%.80s\" is not a SemVer 2.0.0 version", m->string);
		return -EINVAL;
	}
	semver_free(&v);
	e->version = m->string;
	e->file = cJSON_IsString(file) ? file->valuestring : NULL;
	if (!e->file || !e->file[0] || strchr(e->file, '/') || e->file[0] == '.' || strlen(e->file) > NAME_MAX_STEM) {
		snprintf(err, errlen, "version %s: \"file\" must be a file name in the package's folder", m->string);
		return -EINVAL;
	}
	if (!cJSON_IsNumber(size) || size->valuedouble < 0 || size->valuedouble > 9007199254740991.0 ||
	    size->valuedouble != (double)(uint64_t)size->valuedouble) {
		snprintf(err, errlen, "version %s: \"size\" must be a byte count", m->string);
		return -EINVAL;
	}
	e->size = (uint64_t)size->valuedouble;
	if (!cJSON_IsString(hash) || catindex_unhex(hash->valuestring, &e->xxh3) < 0) {
		snprintf(err, errlen, "version %s: \"xxh3\" must be 16 lower-case hex digits", m->string);
		return -EINVAL;
	}
	e->deps = cJSON_IsObject(deps) ? deps : NULL;
	return 0;
}

int catindex_pkg_each(const cJSON *pkg, int (*fn)(void *ctx, const struct catindex_entry *e), void *ctx, char *err,
		      size_t errlen)
{
	const cJSON *versions = cJSON_GetObjectItemCaseSensitive(pkg, "versions");
	if (!cJSON_IsObject(versions)) {
		snprintf(err, errlen, "a package index needs a \"versions\" object");
		return -EINVAL;
	}
	for (const cJSON *m = versions->child; m; m = m->next) {
		struct catindex_entry e;
		int rc = cJSON_IsObject(m) ? entry_of(m, &e, err, errlen) : -EINVAL;
		if (rc == -EINVAL && !cJSON_IsObject(m))
			snprintf(err, errlen, "version %.80s: its entry must be an object", m->string);
		if (rc == 0)
			rc = fn(ctx, &e);
		if (rc)
			return rc;
	}
	return 0;
}

int catindex_pkg_find(const cJSON *pkg, const char *v, struct catindex_entry *e)
{
	char err[200];
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pkg, "versions"), v);
	if (!cJSON_IsObject(m))
		return -ENOENT;
	return entry_of(m, e, err, sizeof(err));
}

struct sorted {
	struct semver *v;
	const char **text;
	size_t n, cap;
};

static int collect(void *ctx, const struct catindex_entry *e)
{
	struct sorted *s = ctx;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct semver *v = realloc(s->v, cap * sizeof(*v));
		const char **t = v ? realloc(s->text, cap * sizeof(*t)) : NULL;
		if (v)
			s->v = v;
		if (!t)
			return -ENOMEM;
		s->text = t;
		s->cap = cap;
	}
	if (semver_parse(e->version, SEMVER_STRICT, &s->v[s->n]) < 0)
		return -EINVAL;
	s->text[s->n++] = e->version;
	return 0;
}

/* Ascending precedence: a small insertion sort (a package has few versions). */
static void sort_versions(struct sorted *s)
{
	for (size_t i = 1; i < s->n; i++)
		for (size_t j = i; j > 0 && semver_compare(&s->v[j - 1], &s->v[j]) > 0; j--) {
			struct semver tv = s->v[j];
			const char *tt = s->text[j];
			s->v[j] = s->v[j - 1];
			s->text[j] = s->text[j - 1];
			s->v[j - 1] = tv;
			s->text[j - 1] = tt;
		}
}

int catindex_root_update(cJSON *root, const cJSON *pkg)
{
	char err[200];
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(pkg, "id");
	cJSON *pkgs = cJSON_GetObjectItemCaseSensitive(root, "packages");
	struct sorted s = { 0 };
	if (!cJSON_IsString(id) || !name_is_pkg_id(id->valuestring))
		return -EINVAL;
	if (!cJSON_IsObject(pkgs) && !(pkgs = cJSON_AddObjectToObject(root, "packages")))
		return -ENOMEM;
	int rc = catindex_pkg_each(pkg, collect, &s, err, sizeof(err));
	cJSON *line = rc ? NULL : cJSON_CreateObject(), *list = NULL;
	if (!rc && (!line || !(list = cJSON_CreateArray())))
		rc = -ENOMEM;
	sort_versions(&s);
	const char *latest = NULL;
	int latest_pre = 1;
	for (size_t i = 0; i < s.n && !rc; i++) {
		if (!cJSON_AddItemToArray(list, cJSON_CreateString(s.text[i])))
			rc = -ENOMEM;
		if (!s.v[i].pre || latest_pre) { /* a release beats every prerelease */
			latest = s.text[i];
			latest_pre = s.v[i].pre != NULL;
		}
	}
	if (!rc && (!cJSON_AddStringToObject(line, "latest", latest ? latest : "") || !cJSON_AddItemToObject(line, "versions", list)))
		rc = -ENOMEM;
	else if (!rc)
		list = NULL;
	if (!rc) {
		cJSON_DeleteItemFromObjectCaseSensitive(pkgs, id->valuestring);
		rc = cJSON_AddItemToObject(pkgs, id->valuestring, line) ? 0 : -ENOMEM;
		if (!rc)
			line = NULL;
	}
	cJSON_Delete(list);
	cJSON_Delete(line);
	for (size_t i = 0; i < s.n; i++)
		semver_free(&s.v[i]);
	free(s.v);
	free(s.text);
	return rc;
}

int catindex_root_each(const cJSON *root, int (*fn)(void *ctx, const char *id), void *ctx)
{
	const cJSON *pkgs = cJSON_GetObjectItemCaseSensitive(root, "packages");
	for (const cJSON *m = cJSON_IsObject(pkgs) ? pkgs->child : NULL; m; m = m->next) {
		if (!name_is_pkg_id(m->string))
			continue;
		int rc = fn(ctx, m->string);
		if (rc)
			return rc;
	}
	return 0;
}
