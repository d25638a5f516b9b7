/* attrs: setattr requests against what a node already has. */
#ifndef OSFS_ATTRS_H
#define OSFS_ATTRS_H

#include <sys/stat.h>

#include "fs/fs.h"

/* The FUSE_SET_ATTR_* bits of to_set that would change cur (values equal
 * to cur's, and FUSE_SET_ATTR_CTIME, are left out).  0: nothing to do. */
int fs_attr_changes(const struct tree_attr *cur, const struct stat *attr, int to_set);

/* Says on the daemon's stderr/syslog that uid `by` could not change
 * `changes` of cur (err: EPERM or EACCES), and why. */
void fs_attr_refused(const struct tree_attr *cur, const struct stat *attr, int changes, uid_t by, int err,
		     const char *why);

#endif
