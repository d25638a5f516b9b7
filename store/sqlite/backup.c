/* backup: sqlite3_backup from a read-only connection to a new file.
 *
 * One backup step copies every page under one read transaction, so the
 * copy is the store as of one moment even while the daemon installs; WAL
 * lets those installs go on meanwhile. */
#include "store/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "store/storefile.h"
#include "store/sqlite/sqlite.h"

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc;
}

static int sync_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int sq_store_backup(const char *src, const char *dst, char *err, size_t errlen)
{
	char tmp[4200];
	struct store *st;
	if (access(dst, F_OK) == 0)
		return fail(err, errlen, -EEXIST, "%s exists already: a backup never overwrites a file; choose another name",
			    dst);
	int rc = store_open(&st, src, 1, err, errlen);
	if (rc < 0)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.partial", dst);
	unlink(tmp);
	sqlite3 *out = NULL;
	struct db *db = sq_store_acquire(st);
	/* The copy holds what the store holds: 0600 like it, whatever the
	 * umask (SQLite would create it 0644). */
	if (db && (rc = storefile_create_private(tmp)) < 0) {
		fail(err, errlen, rc, "cannot create %s: %s", tmp, strerror(-rc));
		goto out;
	}
	if (!db || sqlite3_open_v2(tmp, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		rc = fail(err, errlen, -EIO, "cannot create %s: %s", tmp, out ? sqlite3_errmsg(out) : "out of memory");
		goto out;
	}
	sqlite3_backup *b = sqlite3_backup_init(out, "main", db->conn, "main");
	if (!b) {
		rc = fail(err, errlen, -EIO, "cannot start the backup into %s: %s", tmp, sqlite3_errmsg(out));
		goto out;
	}
	int step = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (step != SQLITE_DONE) {
		rc = fail(err, errlen, -EIO, "the backup into %s failed: %s", tmp, sqlite3_errstr(step));
		goto out;
	}
out:
	if (out && sqlite3_close(out) != SQLITE_OK && rc == 0)
		rc = fail(err, errlen, -EIO, "cannot close %s", tmp);
	sq_store_release(db);
	sq_store_close(st);
	if (rc == 0 && (rc = sync_file(tmp)) < 0)
		fail(err, errlen, rc, "cannot sync %s: %s", tmp, strerror(-rc));
	if (rc == 0 && rename(tmp, dst) < 0)
		rc = fail(err, errlen, -errno, "cannot rename %s to its final name: %s", tmp, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	return rc;
}
