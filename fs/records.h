/* records (fs): data/<object>/<key>.json written, renamed and removed
 * (fs/records_write.c; docs/records.md).  The machinery is install/'s
 * (fs/uploads.h): a file written in data/<object>/ is a pending upload of
 * scope -<table id>, and it becomes a record where an artifact would be
 * installed: at close() under a final name (<key>.json), at rename() to
 * one from a temporary name.  Opening an existing record for writing
 * stages a replacement. */
#ifndef OSFS_FS_RECORDS_H
#define OSFS_FS_RECORDS_H

#include "fs/fs.h"
#include "store/tenants.h"

/* For a file created in data/<object>/ (table tbl): its tenant, or
 * -EROFS (logged) if no installed package registers the object. */
int fs_record_scope(struct osfs *fs, struct db *db, int64_t tbl, const char *name, struct tenant_row *t);
/* open() for writing of record node n: a staged replacement in *out,
 * empty if trunc, else holding the record's bytes. */
int fs_record_open(struct osfs *fs, struct tree_node n, int trunc, uid_t opener, struct upload **out);
/* Writes up's bytes as record <target> (a final name) of its table; the
 * upload leaves the listing (name) if it succeeds. */
int fs_record_apply(struct osfs *fs, struct upload *up, const char *target, const char *name, uint64_t held);
/* The checks fs_record_apply would make of up's bytes as record
 * <target>, writing nothing; up->lock held.  0 or -errno. */
int fs_record_check(struct osfs *fs, struct upload *up, const char *target);
int fs_record_unlink(struct osfs *fs, struct tree_node dir, const char *name, uint64_t held);
int fs_record_rename(struct osfs *fs, struct tree_node dir, const char *name, const char *newname, unsigned flags,
		     uint64_t held);
/* utimens of record n (its current attributes in a, updated): kept by the
 * store, for its tenant's owner or root (fs/records_attr.c). */
int fs_record_set_times(struct osfs *fs, struct tree_node n, const struct stat *attr, int changes, uid_t by,
			struct tree_attr *a);
/* How long the kernel may cache a pending file's name and attributes:
 * fs->entry_timeout for a temporary name in a record folder (scope < 0),
 * else 0 (fs/records_attr.c). */
double fs_pending_ttl(struct osfs *fs, int64_t scope, const char *name);
double fs_upload_ttl(struct osfs *fs, struct upload *up);
/* rmdir data/<name> (rm -r's last step). */
int fs_record_rmdir(struct osfs *fs, struct tree_node dir, const char *name, uint64_t held);
/* mkdir data/<name>: EEXIST for an object the tenant has, else EPERM. */
int fs_record_mkdir(struct osfs *fs, struct tree_node dir, const char *name);

#endif
