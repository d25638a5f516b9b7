/* system: the always-present system packages (sys.identity, sys.feeds,
 * sys.audit, sys.files, sys.ai, sys.settings), versioned as osfs. */
#ifndef OSFS_SYSTEM_H
#define OSFS_SYSTEM_H

#include <stddef.h>

#include "catalog/artifact.h"

/* The parsed, rendered system artifacts, in install order (each after the
 * packages it depends on).  Built once; 0 or -errno. */
int system_packages(const struct artifact **out, size_t *n);
int system_is_package(const char *id);

#endif
