/* alias: the name an artifact was installed from, kept as a hidden second
 * name of install/<id>.json so that rsync's next run finds it (fs/alias.c). */
#ifndef OSFS_ALIAS_H
#define OSFS_ALIAS_H

#include "fs/fs.h"

/* After up, renamed to name, installed the package of label ("<id>@<v>"):
 * keeps name as an alias of install/<id>.json (nothing if name is that). */
void fs_alias_add(struct osfs *fs, struct upload *up, const char *name, const char *label);

/* Attributes of an alias: those of its install file, under its own inode
 * number.  -ENOENT (and the alias is dropped) once that install is gone.
 * db: a store handle the caller holds, or NULL. */
int fs_alias_attr(struct osfs *fs, struct db *db, struct upload *up, struct tree_attr *a);

/* For open(): an alias opened for reading reads its install file (*n is
 * changed to it); opened for writing it becomes a pending upload of its
 * name again.  Anything else is left as it is. */
int fs_alias_open(struct osfs *fs, struct tree_node *n, int flags);

#endif
