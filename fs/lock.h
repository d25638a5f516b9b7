/* lock: one daemon per store.  A second osfs on a store that is already
 * served is refused with a sentence naming the first one; the lock goes
 * with the process that holds it, so a crash never leaves it behind. */
#ifndef OSFS_LOCK_H
#define OSFS_LOCK_H

#include <stddef.h>

/* Takes the lock of the store at path (the file "<path>.lock").  Returns
 * its descriptor (kept open for the daemon's life), or -errno with the
 * reason in err. */
int lock_store(const char *path, const char *mountpoint, char *err, size_t errlen);
/* Records the daemon's pid in the lock (after it has daemonized). */
void lock_note_pid(int fd, const char *mountpoint);

#endif
