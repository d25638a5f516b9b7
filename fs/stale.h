/* stale: a mount point left behind by an osfs that died ("Transport
 * endpoint is not connected").  If it was osfs's own, it is lazily
 * unmounted so the new daemon can mount there; if not, the message says
 * what to do. */
#ifndef OSFS_STALE_H
#define OSFS_STALE_H

#include <stddef.h>

/* 0 when mountpoint can be mounted on (now), else -errno with a sentence. */
int stale_recover(const char *mountpoint, char *msg, size_t len);

#endif
