/* refuse: saying why a write was refused, and the link operations osfs
 * refuses everywhere (fs/refuse.c). */
#ifndef OSFS_REFUSE_H
#define OSFS_REFUSE_H

#include "fs/fs.h"

/* One line on the daemon's stderr or syslog: "<op> <path> refused
 * (<strerror(err)>): <why>", where path is where/name from the mount's
 * root and why the place's rule (or reason, when not NULL).  Rate-limited:
 * a burst of 10, then one a second. */
void fs_refuse(struct osfs *fs, struct tree_node where, const char *name, const char *op, int err,
	       const char *reason);

void fs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void fs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname);
void fs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);

#endif
