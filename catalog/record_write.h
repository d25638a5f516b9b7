/* record_write: data/<object>/<key>.json written or removed by a shell
 * user (SPEC section 13, docs/records.md): the record checked against the
 * tenant's merged object (catalog/record_check.h), its references and
 * unique values against the store, and written with its log line, all in
 * one transaction.  A refusal is logged in a transaction of its own, and
 * told on stderr/syslog. */
#ifndef OSFS_RECORD_WRITE_H
#define OSFS_RECORD_WRITE_H

#include <stddef.h>

#include "catalog/install.h"

/* Creates or replaces record stem (the escaped key, as in its file name
 * without ".json") of object in tenant with bytes.  Returns 0 or -errno
 * with the sentence in r->diag: EINVAL (not a JSON object, a field's
 * rule, a missing reference, a key that disagrees with the name), EACCES
 * (a read-only or computed field), EEXIST (a unique value taken), EROFS
 * (the object is not installed).  Bytes equal to the stored record change
 * nothing (rsync -a's second run). */
int record_write(struct store *st, const char *tenant, const char *object, const char *stem, const char *bytes,
		 size_t len, struct install_report *r);
/* The same, the record taking time *mtime (ns; NULL: the time of the change)
 * in the same transaction: the time cp -a and rsync -a set on the file
 * before its close()/rename(). */
int record_write_at(struct store *st, const char *tenant, const char *object, const char *stem, const char *bytes,
		    size_t len, const int64_t *mtime, struct install_report *r);

/* Every check record_write makes, against the store as it is now, and
 * nothing else: nothing is written, not even to the log. */
int record_write_check(struct store *st, const char *tenant, const char *object, const char *stem,
		       const char *bytes, size_t len, struct install_report *r);

/* Deletes record stem of object in tenant (installed or not), following
 * deleteBehavior (catalog/record_delete.h). */
int record_remove(struct store *st, const char *tenant, const char *object, const char *stem,
		  struct install_report *r);

/* rmdir data/<object> (the end of rm -r): -ENOTEMPTY while it holds
 * records; the folder of an installed object stays (0: rm -r exits 0),
 * that of an object no longer installed goes. */
int record_rmdir(struct store *st, const char *tenant, const char *object, struct install_report *r);

/* EROFS and its sentence if object is not installed in tenant: for the
 * refusals the FUSE layer makes before anything is written. */
int record_writable(struct store *st, const char *tenant, const char *object, struct install_report *r);

/* The key a record's file name stands for: its stem unescaped, or, for a
 * composite key (several externalId values joined by a bare ','), each
 * part unescaped and joined again (docs/tree.md, "Record file names").
 * Returns 0, -ENOENT for a stem no key is written as, or -ENOMEM. */
int record_key_of_stem(const char *stem, struct buf *key);

#endif
