/* publish: a write's commit together with its change set (store/watch.h),
 * the same on every engine. */
#include "store/watch.h"

int db_commit_changes(struct db *db, const struct changes *ch)
{
	int rc = db_publish(db, ch);
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}
