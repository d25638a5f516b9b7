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

/* A pending file of a record folder under a temporary name (rsync's
 * .<key>.json.XXXXXX, sed's, vim's) changes only through this mount's own
 * requests (write, setattr, rename, unlink: the kernel sees each), never
 * becomes a record in place (only a rename does, and its invalidation
 * follows), and no other daemon lists it.  So the kernel may keep its name
 * and attributes as long as any file's: rsync's stat, chmod and utimens of
 * it by path then cost no LOOKUP and GETATTR each (docs/performance.md,
 * W5).  install/'s uploads and final names keep timeout 0: a close()
 * installs or unlists them in place. */
double fs_pending_ttl(struct osfs *fs, int64_t scope, const char *name)
{
	return scope < 0 && name && !uploads_final_name(name) ? fs->entry_timeout : 0;
}

double fs_upload_ttl(struct osfs *fs, struct upload *up)
{
	char name[NAME_MAX_STEM + 32];
	if (!up || up->tenant >= 0 || up->alias_of || !uploads_name(&fs->uploads, up, name, sizeof(name)))
		return 0;
	return fs_pending_ttl(fs, up->tenant, name);
}
