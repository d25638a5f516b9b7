/* artifact_layout: the kinds and items of an artifact, that is the folders
 * and files of packages/<id>@<version>/.  The rules are at the top of
 * artifact.c and in docs/tree.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/artifact_internal.h"
#include "catalog/names.h"
#include "catalog/strset.h"

struct layout {
	struct artifact *a;
	struct diag *d;
	size_t kcap, icap;
	struct strset files; /* file stems of the kind being laid out */
	struct strset named; /* stems its named elements will take */
	char **stems;        /* the strings of `named` */
	size_t nstems;
	int oom;
};

static int add_kind(struct layout *l, const char *key, char *dir, int named)
{
	struct artifact *a = l->a;
	if (a->nkinds == l->kcap) {
		size_t cap = l->kcap ? l->kcap * 2 : 16;
		struct art_kind *k = realloc(a->kinds, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		a->kinds = k;
		l->kcap = cap;
	}
	a->kinds[a->nkinds++] = (struct art_kind){ dir, key, a->nitems, 0, named };
	strset_free(&l->files);
	return 0;
}

/* Appends an item with file stem `file` (taken over) to the last kind. */
static int add_item(struct layout *l, char *file, const char *name, const cJSON *json)
{
	struct artifact *a = l->a;
	if (a->nitems == l->icap) {
		size_t cap = l->icap ? l->icap * 2 : 64;
		struct art_item *it = realloc(a->items, cap * sizeof(*it));
		if (!it) {
			free(file);
			return -ENOMEM;
		}
		a->items = it;
		l->icap = cap;
	}
	struct art_item *it = &a->items[a->nitems];
	*it = (struct art_item){ a->nkinds - 1, file, name, json, NULL, 0 };
	if (strset_add(&l->files, it->file, a->nitems, NULL) < 0) {
		free(file);
		return -ENOMEM;
	}
	a->nitems++;
	a->kinds[a->nkinds - 1].count++;
	return 0;
}

static char *escaped(const char *s)
{
	struct buf b = BUF_INIT;
	name_escape(s, strlen(s), &b);
	return buf_detach(&b, NULL);
}

static const char *string_at(const cJSON *v, const char *k1, const char *k2, const char *k3)
{
	const char *path[3] = { k1, k2, k3 };
	for (int i = 0; i < 3 && path[i] && v; i++)
		v = cJSON_GetObjectItemCaseSensitive(v, path[i]);
	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* What an unnamed element is about: the object a seed fills, the object an
 * extension extends, the object a view lists. */
static const char *derive_name(const cJSON *el)
{
	const char *s = string_at(el, "object", NULL, NULL);
	if (!s)
		s = string_at(el, "extend", NULL, NULL);
	if (!s)
		s = string_at(el, "list", "data", "object");
	if (!s)
		s = string_at(el, "data", "object", NULL);
	return s;
}

/* Picks a file stem for an element at 0-based position pos.  A derived
 * stem already taken gets "-<pos+1>".  Returns NULL when no unique stem
 * exists (or on ENOMEM, then l->oom is set). */
static char *pick_stem(struct layout *l, const char *want, size_t pos, int is_name)
{
	char num[24];
	snprintf(num, sizeof(num), "%zu", pos + 1);
	char *stem = want ? escaped(want) : strdup(num);
	if (!stem) {
		l->oom = 1;
		return NULL;
	}
	if (!is_name && strlen(stem) > NAME_MAX_STEM) {
		free(stem);
		stem = strdup(num);
		if (!stem) {
			l->oom = 1;
			return NULL;
		}
	}
	/* A derived name yields to every real name of the folder, even one
	 * that comes later. */
	if (is_name || (!strset_get(&l->files, stem, NULL) && !strset_get(&l->named, stem, NULL)))
		return stem;
	/* "<stem>-<n>" must still fit NAME_MAX_STEM: a stem too long for it
	 * yields to the bare position. */
	char *alt = NULL;
	int rc = strlen(stem) + 1 + strlen(num) <= NAME_MAX_STEM ? asprintf(&alt, "%s-%s", stem, num)
								  : ((alt = strdup(num)) ? 0 : -1);
	if (rc < 0) {
		l->oom = 1;
		alt = NULL;
	}
	free(stem);
	if (alt && (strset_get(&l->files, alt, NULL) || strset_get(&l->named, alt, NULL))) {
		free(alt);
		return NULL;
	}
	return alt;
}

static int named_element(struct layout *l, const struct art_kind *k, const cJSON *el, size_t pos)
{
	const cJSON *nm = cJSON_GetObjectItemCaseSensitive(el, "name");
	size_t prev;
	if (!cJSON_IsString(nm) || !nm->valuestring[0]) {
		diag_add(l->d, EINVAL, "%s[%zu].name must be a non-empty string, not %s", k->key, pos,
			 cJSON_IsString(nm) ? "an empty string" : artifact_type_name(nm));
		return 0;
	}
	char *stem = pick_stem(l, nm->valuestring, pos, 1);
	if (!stem)
		return l->oom ? -ENOMEM : 0;
	if (strlen(stem) > NAME_MAX_STEM) {
		diag_add(l->d, EINVAL, "%s[%zu].name is %zu bytes long once escaped for a file name; names are at most %d "
			 "bytes", k->key, pos, strlen(stem), NAME_MAX_STEM);
		free(stem);
		return 0;
	}
	if (strset_get(&l->files, stem, &prev)) {
		diag_add(l->d, k->named ? EINVAL : 0, "%s[%zu] and %s[%zu] are both named \"%.80s\": names must be unique",
			 k->key, prev - k->first, k->key, pos, nm->valuestring);
		free(stem);
		return 0;
	}
	return add_item(l, stem, k->named ? nm->valuestring : NULL, el);
}

/* Reserves the stems of the array's named elements for them. */
static int reserve_names(struct layout *l, const cJSON *arr)
{
	size_t n = (size_t)cJSON_GetArraySize(arr), pos = 0;
	l->stems = calloc(n + 1, sizeof(*l->stems));
	if (!l->stems)
		return -ENOMEM;
	for (const cJSON *el = arr->child; el; el = el->next, pos++) {
		const cJSON *nm = cJSON_IsObject(el) ? cJSON_GetObjectItemCaseSensitive(el, "name") : NULL;
		if (!cJSON_IsString(nm) || !nm->valuestring[0])
			continue;
		char *stem = escaped(nm->valuestring);
		if (!stem)
			return -ENOMEM;
		l->stems[l->nstems++] = stem;
		if (strset_add(&l->named, stem, pos, NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void release_names(struct layout *l)
{
	for (size_t i = 0; i < l->nstems; i++)
		free(l->stems[i]);
	free(l->stems);
	l->stems = NULL;
	l->nstems = 0;
	strset_free(&l->named);
}

static int layout_array(struct layout *l, const cJSON *arr)
{
	const struct art_kind *k = &l->a->kinds[l->a->nkinds - 1];
	size_t pos = 0;
	int rc = reserve_names(l, arr);
	for (const cJSON *el = arr->child; el && rc == 0; el = el->next, pos++) {
		if (cJSON_IsObject(el) && cJSON_GetObjectItemCaseSensitive(el, "name")) {
			rc = named_element(l, k, el, pos);
		} else {
			char *stem = pick_stem(l, cJSON_IsObject(el) ? derive_name(el) : NULL, pos, 0);
			if (!stem && !l->oom) {
				diag_add(l->d, EINVAL, "%s[%zu]: no unique file name can be derived for it", k->key, pos);
				continue;
			}
			rc = stem ? add_item(l, stem, NULL, el) : -ENOMEM;
		}
	}
	release_names(l);
	return rc;
}

/* A map collection ("functions"): one file per member. */
static int layout_map(struct layout *l, const cJSON *obj)
{
	size_t pos = 0;
	for (const cJSON *m = obj->child; m; m = m->next, pos++) {
		char *stem = pick_stem(l, m->string[0] ? m->string : NULL, pos, 0);
		if (!stem && !l->oom) {
			diag_add(l->d, EINVAL, "%s.%.80s: no unique file name can be derived for it",
				 l->a->kinds[l->a->nkinds - 1].key, m->string);
			continue;
		}
		if (!stem || add_item(l, stem, NULL, m) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* translations: [{ "en": {...}, "zh-CN": {...} }, ...] -> <locale>.json */
static int layout_translations(struct layout *l, const cJSON *arr)
{
	size_t pos = 0;
	for (const cJSON *el = arr->child; el; el = el->next, pos++) {
		if (!cJSON_IsObject(el)) {
			diag_add(l->d, EINVAL, "translations[%zu] must be an object mapping locales to bundles, not %s",
				 pos, artifact_type_name(el));
			continue;
		}
		for (const cJSON *m = el->child; m; m = m->next) {
			char *stem = pick_stem(l, m->string[0] ? m->string : NULL, pos, 0);
			if (!stem && !l->oom) {
				diag_add(l->d, EINVAL, "translations[%zu].%.40s: no unique file name", pos, m->string);
				continue;
			}
			if (!stem || add_item(l, stem, NULL, m) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static int layout_member(struct layout *l, const cJSON *m, struct strset *dirs)
{
	int arr = cJSON_IsArray(m);
	if (!arr && !cJSON_IsObject(m))
		return 0; /* scalars stay in objectstack.json */
	char *dir = !strcmp(m->string, "sharingRules") ? strdup("sharing") : escaped(m->string);
	if (!dir)
		return -ENOMEM;
	if (!dir[0] || !strcmp(dir, "objectstack.json") || !strcmp(dir, "manifest.json") ||
	    strset_get(dirs, dir, NULL) || strlen(dir) > NAME_MAX_STEM) {
		diag_warn(l->d, "the top-level collection \"%.80s\" is not shown as a folder: its name is empty, too "
			  "long or already taken", m->string);
		free(dir);
		return 0;
	}
	/* Plugins entries name other packages' plugins: they are references,
	 * not definitions, so two packages may list the same one. */
	int named = arr && strcmp(m->string, "plugins") && strcmp(m->string, "translations");
	if (add_kind(l, m->string, dir, named) < 0) {
		free(dir);
		return -ENOMEM;
	}
	if (strset_add(dirs, dir, 0, NULL) < 0)
		return -ENOMEM;
	if (!arr)
		return layout_map(l, m);
	if (!strcmp(m->string, "translations"))
		return layout_translations(l, m);
	return layout_array(l, m);
}

int artifact_layout(struct artifact *a, struct diag *d)
{
	struct layout l = { .a = a, .d = d, .files = STRSET_INIT, .named = STRSET_INIT };
	struct strset dirs = STRSET_INIT;
	int rc = 0;
	for (const cJSON *m = a->root->child; m && rc == 0; m = m->next) {
		if (!strcmp(m->string, "manifest"))
			continue;
		rc = layout_member(&l, m, &dirs);
	}
	if (l.oom)
		rc = -ENOMEM;
	if (rc < 0)
		diag_add(d, ENOMEM, "out of memory while reading the artifact");
	strset_free(&dirs);
	strset_free(&l.files);
	return rc < 0 ? -1 : 0;
}
