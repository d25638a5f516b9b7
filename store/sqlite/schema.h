/* schema: creates the store's tables or checks their version. */
#ifndef OSFS_SCHEMA_H
#define OSFS_SCHEMA_H

#include <stddef.h>

#include <sqlite3.h>

/* Returns 0, or -errno with a sentence in err. */
int schema_apply(sqlite3 *db, int readonly, char *err, size_t errlen);

#endif
