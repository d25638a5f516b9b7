/* Internal to the artifact module: the passes artifact_load() runs after
 * the manifest checks. */
#ifndef OSFS_ARTIFACT_INTERNAL_H
#define OSFS_ARTIFACT_INTERNAL_H

#include "catalog/artifact.h"

/* Kinds and items (artifact_layout.c).  Returns -1 if the artifact is too
 * broken to go on (out of memory); problems go to d either way. */
int artifact_layout(struct artifact *a, struct diag *d);

/* Rule 5 for objects and fields (artifact_defs.c). */
void artifact_check_naming(struct artifact *a, struct diag *d);

/* Objects, extensions and seeds: their structure, and the warnings for
 * unprefixed item names (artifact_defs.c). */
void artifact_check_defs(struct artifact *a, struct diag *d);

/* "a string", "an array", ... for messages. */
const char *artifact_type_name(const cJSON *v);

#endif
