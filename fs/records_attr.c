/* records_attr: a record's times.  cp -a, rsync -a and tar -x give every
 * file they write the time of its source; a restored record keeps it, so
 * that the next rsync -a finds it up to date.  A time is not a change of
 * the record's bytes: the inode stays, and no log line is written.  Its
 * mode (0644) and owner (the tenant's) are not the record's to change. */
#include "fs/records.h"

#include <errno.h>
#include <time.h>

#include "fs/attrs.h"
#include "store/records.h"

static int64_t wanted_mtime(const struct stat *attr, int changes, int64_t cur)
{
	struct timespec now;
	if (changes & FUSE_SET_ATTR_MTIME_NOW) {
		clock_gettime(CLOCK_REALTIME, &now);
		return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	}
	if (changes & FUSE_SET_ATTR_MTIME)
		return (int64_t)attr->st_mtim.tv_sec * 1000000000 + attr->st_mtim.tv_nsec;
	return cur; /* atime alone: shown equal to mtime, nothing to keep */
}

int fs_record_set_times(struct osfs *fs, struct tree_node n, const struct stat *attr, int changes, uid_t by,
			struct tree_attr *a)
{
	if (by != 0 && by != a->uid) {
		fs_attr_refused(a, attr, changes, by, EPERM, "only the tenant's owner or root may");
		return -EPERM;
	}
	int64_t mtime = wanted_mtime(attr, changes, a->mtime);
	if (mtime == a->mtime)
		return 0;
	struct db *db = store_acquire(fs->store);
	int rc = db ? db_begin(db) : -ENOMEM;
	if (rc == 0) {
		rc = records_set_mtime(db, (int64_t)n.id, 0, NULL, mtime);
		rc = rc ? (db_rollback(db), rc) : db_commit(db);
	}
	if (rc == 0)
		rc = tree_getattr(db, n, a);
	store_release(db);
	return rc;
}

int fs_record_keep_time(struct osfs *fs, int64_t tbl, const char *stem, int64_t mtime)
{
	struct db *db = store_acquire(fs->store);
	int rc = db ? db_begin(db) : -ENOMEM;
	if (rc == 0) {
		rc = records_set_mtime(db, 0, tbl, stem, mtime);
		rc = rc ? (db_rollback(db), rc) : db_commit(db);
	}
	store_release(db);
	return rc;
}
