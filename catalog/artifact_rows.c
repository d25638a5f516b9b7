/* artifact_rows: a parsed artifact as the store's rows. */
#include "catalog/artifact_rows.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/names.h"
#include "store/limits.h"

/* The store's row structs are sized by its own limits: they must be ours. */
_Static_assert(STORE_PKG_MAX == NAME_MAX_ID, "store/limits.h: STORE_PKG_MAX is not NAME_MAX_ID");
_Static_assert(STORE_VERSION_MAX == SEMVER_MAX_LENGTH, "store/limits.h: STORE_VERSION_MAX is not SEMVER_MAX_LENGTH");

struct refs {
	const char **v;
	size_t n, cap;
};

static int add_ref(const char *field, const char *target, void *ctx)
{
	(void)field;
	struct refs *r = ctx;
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		const char **v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = target;
	return 0;
}

/* calloc that gives a non-NULL pointer for n == 0 too, so that NULL
 * always means out of memory. */
static void *array(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

int artifact_rows(const struct artifact *a, struct art_rows *r)
{
	memset(r, 0, sizeof(*r));
	r->bytes = a->bytes;
	r->len = a->len;
	r->xxh3 = a->xxh3;
	r->pkg = a->id;
	r->version = a->version_text;
	r->ns = a->ns;
	r->manifest = a->manifest_body;
	r->manifest_len = a->manifest_len;

	struct art_rows_dep *deps = array(a->ndeps, sizeof(*deps));
	struct art_rows_kind *kinds = array(a->nkinds, sizeof(*kinds));
	struct art_rows_item *items = array(a->nitems, sizeof(*items));
	struct art_rows_def *objects = array(a->nobjects, sizeof(*objects));
	struct art_rows_def *exts = array(a->nexts, sizeof(*exts));
	r->deps = deps, r->kinds = kinds, r->items = items, r->objects = objects, r->exts = exts;
	if (!deps || !kinds || !items || !objects || !exts) {
		artifact_rows_free(r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < a->ndeps; i++)
		deps[i] = (struct art_rows_dep){ a->deps[i].id, a->deps[i].range_text };
	r->ndeps = a->ndeps;
	for (size_t i = 0; i < a->nkinds; i++)
		kinds[i] = (struct art_rows_kind){ a->kinds[i].dir, a->kinds[i].key, a->kinds[i].named };
	r->nkinds = a->nkinds;
	for (size_t i = 0; i < a->nitems; i++) {
		const struct art_item *it = &a->items[i];
		items[i] = (struct art_rows_item){ it->kind, it->file, it->name, it->body, it->body_len };
	}
	r->nitems = a->nitems;

	/* The references, in the order the store used to meet them: each
	 * object's, then each extension's target and its own. */
	struct refs refs = { 0 };
	int rc = 0;
	for (size_t i = 0; i < a->nobjects && !rc; i++) {
		objects[i] = (struct art_rows_def){ a->objects[i].name, 0, a->objects[i].item };
		rc = artifact_each_reference(cJSON_GetObjectItemCaseSensitive(a->objects[i].json, "fields"), add_ref,
					     &refs);
	}
	r->nobjects = a->nobjects;
	for (size_t i = 0; i < a->nexts && !rc; i++) {
		exts[i] = (struct art_rows_def){ a->exts[i].target, a->exts[i].priority, a->exts[i].item };
		if (!(rc = add_ref(NULL, a->exts[i].target, &refs)))
			rc = artifact_each_reference(cJSON_GetObjectItemCaseSensitive(a->exts[i].json, "fields"),
						     add_ref, &refs);
	}
	r->nexts = a->nexts;
	r->refs = refs.v;
	r->nrefs = refs.n;
	if (rc) {
		artifact_rows_free(r);
		return rc;
	}
	return 0;
}

void artifact_rows_free(struct art_rows *r)
{
	free((void *)r->deps);
	free((void *)r->kinds);
	free((void *)r->items);
	free((void *)r->objects);
	free((void *)r->exts);
	free((void *)r->refs);
	memset(r, 0, sizeof(*r));
}

int artifact_find_stored(struct db *db, const struct artifact *a, int64_t *id)
{
	return artstore_find(db, a->xxh3, a->bytes, a->len, id);
}

int artifact_ensure_stored(struct db *db, const struct artifact *a, int system, int64_t ts, int64_t *id)
{
	int rc = artifact_find_stored(db, a, id);
	if (rc != -ENOENT)
		return rc;
	struct art_rows r;
	if ((rc = artifact_rows(a, &r)) < 0)
		return rc;
	rc = artstore_put(db, &r, system, ts, id);
	artifact_rows_free(&r);
	return rc;
}
