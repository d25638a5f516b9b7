/* install_apply: the writes of an install or an uninstall, once every
 * check has passed.  Called inside the operation's transaction.
 *
 * Store time of an install event at ts (see db_now): the package's files
 * use ts .. ts+4096+nitems (TREE_ITEM_TIME_BASE, store/tree.h), then come the re-merged
 * objects, one nanosecond each, then the seeded records. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/install_internal.h"
#include "catalog/merge.h"
#include "catalog/seed.h"
#include "catalog/strset.h"
#include "catalog/artifact_rows.h"
#include "store/log.h"
#include "store/records.h"
#include "store/registry.h"
#include "store/tree.h"

#define OBJECT_TIME_SPAN ((int64_t)1 << 20)

void (*install_echo)(const char *tenant, const char *line);

int64_t install_span(const struct artifact *a)
{
	int64_t recs = 0;
	for (size_t i = 0; i < a->nseeds; i++)
		recs += (int64_t)a->seeds[i].nrecords;
	return TREE_ITEM_TIME_BASE + (int64_t)a->nitems + OBJECT_TIME_SPAN + recs;
}

int install_log(struct db *db, const struct tenant_row *t, int64_t ts, struct changes *ch, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	int rc = log_append(db, t->id, ts, line, ch);
	/* Told on stderr only once the transaction that logged it commits. */
	if (rc == 0)
		rc = db_after_commit(db, install_echo, t->name, line);
	free(line);
	return rc;
}

/* A set of object names, in first-seen order. */
struct names {
	char **v;
	size_t n, cap;
	struct strset set;
};

static int names_add(struct names *s, const char *name)
{
	if (strset_get(&s->set, name, NULL))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	if (!(s->v[s->n] = strdup(name)))
		return -ENOMEM;
	s->n++;
	return strset_add(&s->set, s->v[s->n - 1], 0, NULL) < 0 ? -ENOMEM : 0;
}

static int names_add_all(struct names *s, char **v, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = names_add(s, v[i]);
	registry_names_free(v, n);
	return rc;
}

static void names_free(struct names *s)
{
	registry_names_free(s->v, s->n);
	strset_free(&s->set);
}

/* The objects a install defines and the ones its artifact extends. */
static int names_of_install(struct db *db, const struct install_row *in, struct names *s)
{
	char **v;
	size_t n;
	int rc = registry_owned(db, in->id, &v, &n);
	if (rc == 0)
		rc = names_add_all(s, v, n);
	if (rc == 0 && (rc = registry_extended(db, in->artifact, &v, &n)) == 0)
		rc = names_add_all(s, v, n);
	return rc;
}

static int remerge_one(struct db *db, int64_t tenant, const char *name, int64_t ts, struct changes *ch)
{
	struct registry_src src;
	struct buf body = BUF_INIT;
	int changed, rc = registry_sources(db, tenant, name, &src);
	if (rc < 0)
		return rc;
	if (!src.owner) {
		rc = registry_set(db, tenant, name, 0, NULL, 0, ts, ch, &changed);
	} else if (src.nexts == 0) {
		rc = registry_set(db, tenant, name, src.owner, src.base, src.base_len, ts, ch, &changed);
	} else {
		rc = merge_object(src.base, src.base_len, src.exts, src.ext_len, src.nexts, &body);
		if (rc == 0)
			rc = registry_set(db, tenant, name, src.owner, body.p, body.len, ts, ch, &changed);
	}
	buf_free(&body);
	registry_src_free(&src);
	return rc;
}

int install_remerge(struct db *db, int64_t tenant, char *const *names, size_t n, int64_t ts, struct changes *ch)
{
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = remerge_one(db, tenant, names[i], ts + (int64_t)i, ch);
	return rc;
}

static int claim_all(struct db *db, const struct tenant_row *t, const struct artifact *a, int64_t inst, int system)
{
	int rc = system ? installs_claim_shared(db, t->id, CLAIM_NAMESPACE, a->ns, inst)
			: installs_claim(db, t->id, CLAIM_NAMESPACE, a->ns, inst);
	for (size_t i = 0; i < a->nobjects && rc == 0; i++)
		rc = installs_claim(db, t->id, CLAIM_OBJECT, a->objects[i].name, inst);
	for (size_t i = 0; i < a->nitems && rc == 0; i++) {
		const char *key = a->kinds[a->items[i].kind].key;
		if (a->items[i].name && strcmp(key, "objects"))
			rc = installs_claim(db, t->id, key, a->items[i].name, inst);
	}
	return rc;
}

/* Tables of the objects now registered; tables of objects gone and empty
 * disappear. */
static int sync_tables(struct db *db, const struct tenant_row *t, const struct names *affected, int64_t ts,
		       struct changes *ch)
{
	int rc = 0;
	for (size_t i = 0; i < affected->n && rc == 0; i++) {
		int64_t id;
		struct tree_attr at;
		char file[300];
		snprintf(file, sizeof(file), "%s.json", affected->v[i]);
		rc = tree_lookup(db, tree_node(T_OBJSDIR, (uint64_t)t->id), file, &at);
		if (rc == 0)
			rc = records_table(db, t->id, affected->v[i], ts, &id, NULL);
		else if (rc == -ENOENT)
			rc = records_prune(db, t->id, affected->v[i], ch);
	}
	return rc;
}

static const char *action_of(const struct artifact *a, const struct install_row *cur)
{
	struct semver old;
	if (!cur)
		return "installed";
	if (semver_parse(cur->version, SEMVER_STRICT, &old) < 0)
		return "replaced";
	int c = semver_compare(&a->version, &old);
	semver_free(&old);
	return c > 0 ? "upgraded" : c < 0 ? "downgraded" : "reinstalled";
}

static void note_replaced(const struct tenant_row *t, const struct install_row *cur, struct changes *ch)
{
	char name[NAME_MAX_ID + SEMVER_MAX_LENGTH + 8];
	changes_tenant(ch, t->id);
	if (!cur)
		return;
	snprintf(name, sizeof(name), "%s.json", cur->pkg);
	changes_entry(ch, tree_node(T_INSTDIR, (uint64_t)t->id), name);
	snprintf(name, sizeof(name), "%s@%s", cur->pkg, cur->version);
	changes_entry(ch, tree_node(T_PKGSDIR, (uint64_t)t->id), name);
}

/* Seeds on the package's first install in the tenant only: not on an
 * upgrade, nor on a reinstall after an uninstall (SPEC 4, 5). */
static int seed_first(struct db *db, const struct tenant_row *t, const struct artifact *a, int64_t ts,
		      struct install_report *r, struct seed_counts *n, int *first)
{
	int64_t first_at;
	int seeded;
	int rc = installs_state_get(db, t->id, a->id, &first_at, &seeded);
	memset(n, 0, sizeof(*n));
	*first = rc == -ENOENT;
	if (rc == -ENOENT) {
		first_at = ts;
		seeded = 0;
	} else if (rc < 0) {
		return rc;
	}
	if (!seeded && (rc = seed_apply(db, t->id, a, ts, &r->diag, &r->changes, n)) < 0)
		return rc;
	return installs_state_put(db, t->id, a->id, first_at, 1);
}

static int log_install(struct db *db, const struct tenant_row *t, const struct artifact *a,
		       const struct install_row *cur, const char *source, int64_t ts, const struct seed_counts *n,
		       int first, struct install_report *r)
{
	char from[SEMVER_MAX_LENGTH + 16] = "", seeds[200], kept[64] = "";
	if (cur)
		snprintf(from, sizeof(from), " (was %s)", cur->version);
	if (n->kept)
		snprintf(kept, sizeof(kept), ", %zu kept as a user changed them", n->kept);
	if (first)
		snprintf(seeds, sizeof(seeds), "%zu record%s seeded%s%s", n->inserted + n->updated,
			 n->inserted + n->updated == 1 ? "" : "s", n->skipped ? ", some skipped by their mode" : "", kept);
	else
		snprintf(seeds, sizeof(seeds), "seed data not applied again (records are kept from the first install)");
	int rc = install_log(db, t, ts, &r->changes, "%s %s@%s%s from %s: %zu object%s, %s", action_of(a, cur),
			     a->id, a->version_text, from, source, a->nobjects, a->nobjects == 1 ? "" : "s", seeds);
	for (size_t i = 0; i < r->diag.n && rc == 0; i++)
		if (!r->diag.v[i].err)
			rc = install_log(db, t, ts, &r->changes, "warning: %s@%s: %s", a->id, a->version_text,
					 r->diag.v[i].msg);
	return rc;
}

int install_apply(struct db *db, const struct tenant_row *t, const struct artifact *a, const struct install_row *cur,
		  const struct install_opts *o, int64_t ts, struct install_report *r)
{
	struct names affected = { NULL, 0, 0, STRSET_INIT };
	struct seed_counts n = { 0, 0, 0, 0 };
	int64_t art = 0, inst = 0;
	int first = 0, system = o == NULL;
	int64_t objects_at = ts + TREE_ITEM_TIME_BASE + (int64_t)a->nitems;
	int rc = artifact_ensure_stored(db, a, system, ts, &art);
	/* The old install goes first (its name is unique in the tenant); its
	 * objects keep their rows, ownerless, until the re-merge below. */
	if (rc == 0 && cur && (rc = names_of_install(db, cur, &affected)) == 0)
		rc = installs_delete(db, cur->id);
	if (rc == 0)
		rc = installs_add(db, t->id, a->id, a->version_text, art, system, ts, o ? o->mode : 0,
				  o ? o->mtime : 0, &inst);
	if (rc == 0)
		rc = claim_all(db, t, a, inst, system);
	for (size_t i = 0; i < a->nobjects && rc == 0; i++)
		rc = names_add(&affected, a->objects[i].name);
	for (size_t i = 0; i < a->nexts && rc == 0; i++)
		rc = names_add(&affected, a->exts[i].target);
	if (rc == 0)
		rc = install_remerge(db, t->id, affected.v, affected.n, objects_at, &r->changes);
	if (rc == 0)
		rc = sync_tables(db, t, &affected, ts, &r->changes);
	if (rc == 0 && cur && cur->artifact != art)
		rc = artstore_gc(db, cur->artifact);
	if (rc == 0 && !system)
		rc = seed_first(db, t, a, objects_at + OBJECT_TIME_SPAN, r, &n, &first);
	if (rc == 0)
		rc = installs_history(db, t->id, a->id, action_of(a, cur), cur ? cur->version : NULL,
				      a->version_text, ts);
	if (rc == 0)
		rc = tenants_touch(db, t->id, ts);
	if (rc == 0 && !system)
		rc = log_install(db, t, a, cur, o->source, ts, &n, first, r);
	if (rc == 0 && !system) /* their mode follows the tenant's own packages */
		rc = tree_note_derived(db, t->id, &r->changes);
	note_replaced(t, cur, &r->changes);
	names_free(&affected);
	return rc;
}

int install_detach(struct db *db, const struct tenant_row *t, const struct install_row *cur, int64_t ts,
		   struct install_report *r)
{
	struct names affected = { NULL, 0, 0, STRSET_INIT };
	int rc = names_of_install(db, cur, &affected);
	if (rc == 0)
		rc = installs_delete(db, cur->id); /* its claims go with it */
	/* ts itself is the log line's time: the objects follow it. */
	if (rc == 0)
		rc = install_remerge(db, t->id, affected.v, affected.n, ts + 1, &r->changes);
	if (rc == 0)
		rc = sync_tables(db, t, &affected, ts, &r->changes);
	if (rc == 0)
		rc = artstore_gc(db, cur->artifact);
	if (rc == 0) /* their mode follows the tenant's own packages */
		rc = tree_note_derived(db, t->id, &r->changes);
	note_replaced(t, cur, &r->changes);
	names_free(&affected);
	return rc;
}
