/* tenant_rm: what `rm -rf tenants/<t>` needs besides uninstalls and record
 * deletions (docs/tree.md, "Removing a tenant"). */
#ifndef OSFS_TENANT_RM_H
#define OSFS_TENANT_RM_H

#include "fs/fs.h"

/* 0 if `rm`/`rmdir` (is_dir) of dir/name is one of the steps of rm -rf
 * that change nothing: a derived file or folder (packages/, objects/,
 * log, the tenant's fixed folders) of a tenant that no longer has a
 * package of its own installed.  -EACCES otherwise (the caller refuses). */
int fs_tenant_rm_noop(struct osfs *fs, struct tree_node dir, const char *name, int is_dir);

#endif
