/* storefile: the store's files on disk are private to the daemon's user.
 *
 * The store holds every tenant's records and the catalog's URL (with any
 * credentials in it): readable by others, any local user could copy it
 * with sqlite3.  So the database is created 0600 whatever the umask
 * (SQLite then creates -wal and -shm with the database's mode), never
 * through a symbolic link, and a store found with group or other bits
 * (made before this rule, or chmod'ed) is tightened when it is opened.
 */
#ifndef OSFS_STOREFILE_H
#define OSFS_STOREFILE_H

#include <stddef.h>

/* Before SQLite opens the store at path: creates the database file 0600
 * if there is none (*created is then 1), refuses a symbolic link or a
 * file that is not regular at path, path-wal or path-shm, and takes the
 * group and other bits off each of the three.  What it tightened is told
 * in note, one sentence ("" if nothing; a file it may not chmod is told
 * there too, and is not an error).  Returns 0 or -errno with a sentence
 * in err. */
int storefile_prepare(const char *path, int *created, char *note, size_t notelen, char *err, size_t errlen);

/* Removes the store at path: its database, -wal and -shm.  Only for a
 * store this process created and must not leave behind (a failed
 * preload on a new store). */
void storefile_remove(const char *path);

/* Creates path, empty, 0600, for SQLite to fill: fails if anything is
 * there already (EEXIST), a symbolic link included. */
int storefile_create_private(const char *path);

#endif
