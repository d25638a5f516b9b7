/* install_check: the checks that depend on the tenant (SPEC 4, rules 6-8):
 * dependencies, collisions and references, and what an upgrade or
 * downgrade would break.  Every problem is reported, in rule order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/install_internal.h"
#include "catalog/strset.h"
#include "catalog/system.h"
#include "catalog/catalog.h"
#include "store/catalogdb.h"
#include "store/registry.h"

#define HINT_MAX (2 * (NAME_MAX_ID + SEMVER_MAX_LENGTH) + 64)

/* What would satisfy a dependency, from the catalog: the person can act
 * on that.  "" if the catalog has nothing in range. */
static const char *dep_hint(struct db *db, const struct art_dep *dep, char hint[HINT_MAX])
{
	char best[SEMVER_MAX_LENGTH + 1];
	hint[0] = '\0';
	if (catalog_best(db, dep->id, dep->range, NULL, best, sizeof(best)) == 0)
		snprintf(hint, HINT_MAX, " (the catalog has %s@%s: catalog/%s/%s.json)", dep->id, best, dep->id, best);
	return hint;
}

/* "sys.identity, sys.feeds, ..." into out. */
static const char *system_list(char *out, size_t len)
{
	const struct artifact *sys;
	size_t n = 0, used = 0;
	out[0] = '\0';
	if (system_packages(&sys, &n) < 0)
		return out;
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", sys[i].id);
	return out;
}

/* A dependency on a sys.* id: the system packages come with osfs, at its
 * version, and nothing else can hold the id, so telling the person to
 * install one would send them looking for what does not exist. */
static void system_dep_problem(const struct art_dep *dep, const char *installed, struct diag *d)
{
	char list[256];
	if (installed)
		diag_add(d, ENOPKG, "dependency %s %s is not satisfied: %s is a system package at %s, part of osfs; no "
			 "range other than one matching %s can be met", dep->id, dep->range_text, dep->id, installed,
			 installed);
	else
		diag_add(d, ENOPKG, "dependency %s %s cannot be met: ids starting with sys. are reserved for the system "
			 "packages of osfs, and osfs %s has no %s (its system packages are %s)", dep->id,
			 dep->range_text, OSFS_VERSION, dep->id, system_list(list, sizeof(list)));
}

/* Rule 6: every dependency installed at a version inside its range. */
static int check_deps(struct db *db, const struct tenant_row *t, const struct artifact *a, struct diag *d)
{
	for (size_t i = 0; i < a->ndeps; i++) {
		const struct art_dep *dep = &a->deps[i];
		struct install_row row;
		struct semver v;
		int rc = installs_get(db, t->id, dep->id, &row);
		char hint[HINT_MAX];
		if (rc == -ENOENT && name_id_reserved(dep->id) && !system_is_package(dep->id)) {
			system_dep_problem(dep, NULL, d);
			continue;
		}
		if (rc == -ENOENT) {
			diag_add(d, ENOPKG, "dependency %s %s is not installed in tenant %s (no version of %s is installed): "
				 "install %s first%s", dep->id, dep->range_text, t->name, dep->id, dep->id,
				 dep_hint(db, dep, hint));
			continue;
		}
		if (rc < 0)
			return rc;
		if (semver_parse(row.version, SEMVER_STRICT, &v) < 0 || !semver_range_test(dep->range, &v)) {
			if (system_is_package(dep->id))
				system_dep_problem(dep, row.version, d);
			else
				diag_add(d, ENOPKG, "dependency %s %s is not satisfied: %s@%s is installed in tenant %s; install a "
				 "version of %s that matches %s%s", dep->id, dep->range_text, dep->id, row.version, t->name,
				 dep->id, dep->range_text, dep_hint(db, dep, hint));
		}
		semver_free(&v);
	}
	return 0;
}

/* Rule 7, first half: no name held by another package of the tenant. */
static int check_claim(struct db *db, const struct tenant_row *t, const struct artifact *a, const char *kind,
		       const char *name, const char *what, struct diag *d)
{
	char owner[NAME_MAX_ID + 1];
	int rc = installs_claim_owner(db, t->id, kind, name, owner, sizeof(owner));
	if (rc == -ENOENT || (rc == 0 && !strcmp(owner, a->id)))
		return 0;
	if (rc < 0)
		return rc;
	diag_add(d, EEXIST, "%s \"%s\" of %s is already defined by %s in tenant %s: rename it in one of the two "
		 "packages", what, name, a->id, owner, t->name);
	return 0;
}

static int check_collisions(struct db *db, const struct tenant_row *t, const struct artifact *a, struct diag *d)
{
	char owner[NAME_MAX_ID + 1];
	int rc = installs_claim_owner(db, t->id, CLAIM_NAMESPACE, a->ns, owner, sizeof(owner));
	if (rc == 0 && strcmp(owner, a->id))
		diag_add(d, EEXIST, "namespace \"%s\" of %s is already used by %s in tenant %s: each package needs a "
			 "namespace of its own", a->ns, a->id, owner, t->name);
	else if (rc < 0 && rc != -ENOENT)
		return rc;
	for (size_t i = 0; i < a->nobjects; i++)
		if ((rc = check_claim(db, t, a, CLAIM_OBJECT, a->objects[i].name, "object", d)) < 0)
			return rc;
	for (size_t i = 0; i < a->nitems; i++) {
		const struct art_item *it = &a->items[i];
		const char *key = a->kinds[it->kind].key;
		if (!it->name || !strcmp(key, "objects"))
			continue;
		char what[128];
		snprintf(what, sizeof(what), "%.100s item", key);
		if ((rc = check_claim(db, t, a, key, it->name, what, d)) < 0)
			return rc;
	}
	return 0;
}

static int closure_push(struct strset *set, char ***v, size_t *n, size_t *cap, const char *pkg)
{
	if (strset_get(set, pkg, NULL))
		return 0;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		char **nv = realloc(*v, c * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	if (!((*v)[*n] = strdup(pkg)))
		return -ENOMEM;
	(*n)++;
	return strset_add(set, (*v)[*n - 1], 0, NULL) < 0 ? -ENOMEM : 0;
}

/* The packages whose objects a may use: its dependencies, transitively
 * (breadth first over what is installed in the tenant). */
static int dep_closure(struct db *db, const struct tenant_row *t, const struct artifact *a, struct strset *set,
		       char ***pkgs, size_t *n)
{
	size_t cap = 0;
	int rc = 0;
	*pkgs = NULL;
	*n = 0;
	for (size_t i = 0; i < a->ndeps && rc == 0; i++)
		rc = closure_push(set, pkgs, n, &cap, a->deps[i].id);
	for (size_t head = 0; head < *n && rc == 0; head++) {
		struct install_row row;
		struct dep_edge *e;
		size_t ne;
		rc = installs_get(db, t->id, (*pkgs)[head], &row);
		if (rc == -ENOENT) {
			rc = 0; /* rule 6 reports it */
			continue;
		}
		if (rc < 0 || (rc = installs_artifact_deps(db, row.artifact, &e, &ne)) < 0)
			break;
		for (size_t j = 0; j < ne && rc == 0; j++)
			rc = closure_push(set, pkgs, n, &cap, e[j].pkg);
		installs_edges_free(e, ne);
	}
	return rc;
}

struct refs {
	struct db *db;
	const struct tenant_row *t;
	const struct artifact *a;
	const struct strset *deps;
	struct diag *d;
	const char *where; /* "field crm_contact.account", "objectExtensions[0]" */
};

/* Does `target` exist for a: its own, a dependency's, or a system object? */
static int check_target(struct refs *r, const char *target, const char *verb)
{
	char owner[NAME_MAX_ID + 1];
	if (artifact_object(r->a, target))
		return 0;
	int rc = installs_claim_owner(r->db, r->t->id, CLAIM_OBJECT, target, owner, sizeof(owner));
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (rc == 0 && strcmp(owner, r->a->id) &&
	    (name_id_reserved(owner) || strset_get(r->deps, owner, NULL)))
		return 0;
	if (rc == 0 && strcmp(owner, r->a->id))
		diag_add(r->d, EINVAL, "%s %s object %s of %s, which %s does not declare as a dependency: add \"%s\" "
			 "to manifest.dependencies", r->where, verb, target, owner, r->a->id, owner);
	else
		diag_add(r->d, EINVAL, "%s %s object %s, which exists neither in %s, nor in its dependencies, nor in the "
			 "system packages", r->where, verb, target, r->a->id);
	return 0;
}

static int check_field_ref(const char *field, const char *target, void *ctx)
{
	struct refs *r = ctx;
	char where[300];
	const char *saved = r->where;
	snprintf(where, sizeof(where), "field %s.%s", saved, field);
	r->where = where;
	int rc = check_target(r, target, "refers to");
	r->where = saved;
	return rc;
}

static int check_references(struct db *db, const struct tenant_row *t, const struct artifact *a, struct diag *d)
{
	struct strset deps = STRSET_INIT;
	char **owned = NULL, where[80];
	size_t nowned = 0;
	int rc = dep_closure(db, t, a, &deps, &owned, &nowned);
	struct refs r = { db, t, a, &deps, d, NULL };
	for (size_t i = 0; i < a->nobjects && rc == 0; i++) {
		r.where = a->objects[i].name;
		rc = artifact_each_reference(cJSON_GetObjectItemCaseSensitive(a->objects[i].json, "fields"),
					     check_field_ref, &r);
	}
	for (size_t i = 0; i < a->nexts && rc == 0; i++) {
		snprintf(where, sizeof(where), "objectExtensions[%zu]", i);
		r.where = where;
		if ((rc = check_target(&r, a->exts[i].target, "extends")) == 0) {
			r.where = a->exts[i].target;
			rc = artifact_each_reference(cJSON_GetObjectItemCaseSensitive(a->exts[i].json, "fields"),
						     check_field_ref, &r);
		}
	}
	for (size_t i = 0; i < a->nseeds && rc == 0; i++) {
		snprintf(where, sizeof(where), "data[%zu]", i);
		r.where = where;
		rc = check_target(&r, a->seeds[i].object, "seeds records into");
	}
	strset_free(&deps);
	registry_names_free(owned, nowned);
	return rc;
}

/* Rule 8: an upgrade or downgrade must keep every dependent satisfied,
 * and may not drop an object an installed package still points at. */
static int check_dependents(struct db *db, const struct tenant_row *t, const struct artifact *a,
			    const struct install_row *cur, struct diag *d)
{
	struct dep_edge *e;
	size_t n;
	int rc = installs_dependents(db, t->id, a->id, &e, &n);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct semver_range *range = semver_range_parse(e[i].range, NULL, 0);
		if (!range || !semver_range_test(range, &a->version))
			diag_add(d, EBUSY, "cannot change %s from %s to %s: %s@%s depends on %s %s, which %s does not "
				 "satisfy; upgrade or remove %s first", a->id, cur->version, a->version_text, e[i].pkg,
				 e[i].version, a->id, e[i].range, a->version_text, e[i].pkg);
		semver_range_free(range);
	}
	installs_edges_free(e, n);
	char **old;
	if ((rc = registry_owned(db, cur->id, &old, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char user[NAME_MAX_ID + 1];
		if (artifact_object(a, old[i]))
			continue;
		rc = installs_referrer(db, t->id, old[i], a->id, user, sizeof(user));
		if (rc == 0)
			diag_add(d, EBUSY, "cannot change %s from %s to %s: %s drops object %s, which %s still uses; "
				 "upgrade or remove %s first", a->id, cur->version, a->version_text, a->version_text,
				 old[i], user, user);
		rc = rc == -ENOENT ? 0 : rc;
	}
	registry_names_free(old, n);
	return rc;
}

int install_check(struct db *db, const struct tenant_row *t, const struct artifact *a,
		  const struct install_row *cur, struct diag *d)
{
	int rc = check_deps(db, t, a, d);
	if (rc == 0)
		rc = check_collisions(db, t, a, d);
	if (rc == 0)
		rc = check_references(db, t, a, d);
	if (rc == 0 && cur)
		rc = check_dependents(db, t, a, cur, d);
	return rc;
}
