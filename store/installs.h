/* installs: which package is installed in which tenant at which version,
 * the names each install holds (claims), dependency edges, and what
 * survives an uninstall (first install time, seeded or not, history). */
#ifndef OSFS_INSTALLS_H
#define OSFS_INSTALLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/db.h"
#include "store/limits.h"

struct install_row {
	int64_t id, tenant, artifact, at;
	int system;
	char pkg[STORE_PKG_MAX + 1];
	char version[STORE_VERSION_MAX + 1];
};

/* Claim kinds besides collection keys. */
#define CLAIM_NAMESPACE "@namespace"
#define CLAIM_OBJECT "objects"

int installs_get(struct db *db, int64_t tenant, const char *pkg, struct install_row *out);
int installs_by_id(struct db *db, int64_t id, struct install_row *out);
/* mode and mtime are those of install/<id>.json (0: 0644 and ts). */
int installs_add(struct db *db, int64_t tenant, const char *pkg, const char *version, int64_t artifact,
		 int system, int64_t ts, mode_t mode, int64_t mtime, int64_t *id);
/* utimens/chmod of install/<id>.json: -1 leaves a value unchanged. */
int installs_set_attr(struct db *db, int64_t id, int64_t mode, int64_t mtime, int64_t ts);
/* Deletes the install row and its claims (registry rows must be gone). */
int installs_delete(struct db *db, int64_t id);

/* How many installs, in all tenants, are of this stored artifact (at most
 * one per tenant: an artifact is of one package). */
int installs_count_artifact(struct db *db, int64_t artifact, int64_t *n);

/* Every install of a tenant (system ones included), in install order. */
int installs_list(struct db *db, int64_t tenant, struct install_row **out, size_t *n);

struct dep_edge {
	char *pkg;      /* the package that depends (dependents) or is depended on */
	char *range;
	char *version;  /* the dependent's installed version (dependents only) */
};
/* The dependencies declared by a stored artifact. */
int installs_artifact_deps(struct db *db, int64_t artifact, struct dep_edge **out, size_t *n);
/* The installs of a tenant that declare a dependency on pkg. */
int installs_dependents(struct db *db, int64_t tenant, const char *pkg, struct dep_edge **out, size_t *n);
void installs_edges_free(struct dep_edge *e, size_t n);

/* Who holds name in kind, in tenant: the package (into pkg) or -ENOENT. */
int installs_claim_owner(struct db *db, int64_t tenant, const char *kind, const char *name, char *pkg,
			 size_t len);
int installs_claim(struct db *db, int64_t tenant, const char *kind, const char *name, int64_t install);
/* As installs_claim, but a name already held is left to its holder (the
 * system packages share the "sys" namespace). */
int installs_claim_shared(struct db *db, int64_t tenant, const char *kind, const char *name, int64_t install);

/* A package of the tenant, other than except, whose artifact refers to
 * object target (lookup or extension); -ENOENT if none. */
int installs_referrer(struct db *db, int64_t tenant, const char *target, const char *except, char *pkg,
		      size_t len);

int installs_state_get(struct db *db, int64_t tenant, const char *pkg, int64_t *first_at, int *seeded);
int installs_state_put(struct db *db, int64_t tenant, const char *pkg, int64_t first_at, int seeded);
int installs_history(struct db *db, int64_t tenant, const char *pkg, const char *action, const char *from,
		     const char *to, int64_t ts);

#endif
