/* backup: a consistent copy of a live store (SQLite's online backup),
 * which can be mounted like the original. */
#ifndef OSFS_BACKUP_H
#define OSFS_BACKUP_H

#include <stddef.h>

/* Copies the store at src to the new file dst (never overwritten: it is
 * written as dst.partial, synced, then renamed).  Returns 0, or -errno
 * with a sentence in err. */
int store_backup(const char *src, const char *dst, char *err, size_t errlen);

#endif
