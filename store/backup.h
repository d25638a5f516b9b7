/* backup: a consistent copy of a live store (SQLite's online backup),
 * which can be mounted like the original. */
#ifndef OSFS_BACKUP_H
#define OSFS_BACKUP_H

#include <stddef.h>

/* Copies the store at src to the new file dst (never overwritten: it is
 * written as dst.partial, synced, then renamed).  Returns 0, or -errno
 * with a sentence in err. */
int store_backup(const char *src, const char *dst, char *err, size_t errlen);

/* The other way: the backup file src (what store_backup() wrote) becomes
 * the store dst, which must hold no store yet (-EEXIST; nothing is ever
 * overwritten).  For a SQLite dst, a consistent copy of src into the new
 * file dst, as store_backup() makes one; for a PostgreSQL dst, pg_dump's
 * file src restored by pg_restore into dst's database in one transaction,
 * its schema then upgraded if the backup is older.  Returns 0, or -errno
 * with a sentence in err. */
int store_restore(const char *src, const char *dst, char *err, size_t errlen);

#endif
