/* registry: each tenant's kernel of objects (objects/<name>.json): which
 * package defines each object, and the merged definition as shown. */
#ifndef OSFS_REGISTRY_H
#define OSFS_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "store/changes.h"
#include "store/db.h"

struct registry_src {
	int64_t owner;      /* install id of the defining package; 0 if none */
	char *base;         /* its definition (pretty JSON) */
	size_t base_len;
	char **exts;        /* extension bodies, in merge order */
	size_t *ext_len;
	size_t nexts;
};

/* What the merged object `name` of tenant is made of. */
int registry_sources(struct db *db, int64_t tenant, const char *name, struct registry_src *out);
void registry_src_free(struct registry_src *s);

/* Sets objects/<name>.json to body, owned by install; body NULL removes
 * it.  A changed body is a new row (so a new inode); an unchanged one only
 * moves to the new owner.  *changed tells whether the file changed. */
int registry_set(struct db *db, int64_t tenant, const char *name, int64_t install, const char *body, size_t len,
		 int64_t ts, struct changes *ch, int *changed);

/* Names of the objects an install defines / an artifact extends. */
int registry_owned(struct db *db, int64_t install, char ***names, size_t *n);
int registry_extended(struct db *db, int64_t artifact, char ***names, size_t *n);
void registry_names_free(char **names, size_t n);

#endif
