/* Internal to the artifact module: the passes artifact_load() runs after
 * the manifest checks. */
#ifndef OSFS_ARTIFACT_INTERNAL_H
#define OSFS_ARTIFACT_INTERNAL_H

#include "catalog/artifact.h"

/* Kinds and items (artifact_layout.c).  Returns -1 if the artifact is too
 * broken to go on (out of memory); problems go to d either way. */
int artifact_layout(struct artifact *a, struct diag *d);

/* Objects, extensions and seeds: structure, reserved names (rule 4),
 * naming (rule 5) (artifact_defs.c). */
void artifact_check_defs(struct artifact *a, struct diag *d);

/* "a string", "an array", ... for messages. */
const char *artifact_type_name(const cJSON *v);

#endif
