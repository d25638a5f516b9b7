/* lock: one daemon per store.  A second osfs on a store that is already
 * served is refused with a sentence naming the first one; the lock goes
 * with the process that holds it, so a crash never leaves it held (the
 * file stays; a clean stop removes it).  The file is the daemon's own,
 * 0600: a symbolic link, a hard link or another user's file there is
 * refused, never written. */
#ifndef OSFS_LOCK_H
#define OSFS_LOCK_H

#include <stddef.h>

/* Takes the lock of the store at path (the file "<path>.lock").  Returns
 * its descriptor (kept open for the daemon's life), or -errno with the
 * reason in err. */
int lock_store(const char *path, const char *mountpoint, char *err, size_t errlen);
/* Removes the lock file (if it is still the one held) and lets it go. */
void lock_release(int fd, const char *path);
/* Records the daemon's pid in the lock (after it has daemonized). */
void lock_note_pid(int fd, const char *mountpoint);

#endif
