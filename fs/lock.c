/* lock: flock(2) on "<store>.lock", holding the pid and mount point. */
#include "fs/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void lock_note_pid(int fd, const char *mountpoint)
{
	char line[4200];
	int n = snprintf(line, sizeof(line), "%ld %s\n", (long)getpid(), mountpoint);
	if (fd < 0 || n < 0 || ftruncate(fd, 0) < 0)
		return;
	if (pwrite(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, 0) < 0)
		return; /* the pid is for messages only */
}

/* The lock is a file only this daemon writes: a symbolic link (ELOOP from
 * O_NOFOLLOW), another kind of file, or a second hard link would make
 * ftruncate and the pid's write land on a file someone else chose. */
static int open_lock(const char *name, char *err, size_t errlen)
{
	struct stat sb;
	int fd = open(name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			snprintf(err, errlen, "the lock file %s is a symbolic link; refusing to follow it. Remove it and "
				 "mount again", name);
		else
			snprintf(err, errlen, "cannot create the lock %s: %s", name, strerror(e));
		return -e;
	}
	int e = fstat(fd, &sb) < 0 ? errno : !S_ISREG(sb.st_mode) ? EINVAL : sb.st_nlink > 1 ? EMLINK : 0;
	if (e == 0 && sb.st_uid != geteuid())
		e = EPERM;
	if (e) {
		close(fd);
		if (e == EPERM)
			snprintf(err, errlen, "the lock file %s belongs to uid %u, not to this daemon's uid %u; refusing "
				 "to use it. Remove it and mount again", name, (unsigned)sb.st_uid, (unsigned)geteuid());
		else
			snprintf(err, errlen, "the lock file %s is %s; refusing to use it. Remove it and mount again", name,
				 e == EMLINK ? "a hard link to another file" : e == EINVAL ? "not a regular file" :
				 strerror(e));
		return -e;
	}
	/* Clear the mode a lock made before this rule may have. */
	if ((sb.st_mode & 077) && fchmod(fd, 0600) < 0) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "cannot make the lock %s private (mode 0600): %s", name, strerror(e));
		return -e;
	}
	return fd;
}

/* Whether fd is still the file at name: a daemon that stops removes its
 * lock, so one that opened the old file just before may lock a file no
 * longer there (and a third would then lock a new one). */
static int still_there(int fd, const char *name)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && lstat(name, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int lock_store(const char *path, const char *mountpoint, char *err, size_t errlen)
{
	char name[4200], holder[4200] = "";
	snprintf(name, sizeof(name), "%s.lock", path);
	for (int tries = 0;; tries++) {
		int fd = open_lock(name, err, errlen);
		if (fd < 0)
			return fd;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (!still_there(fd, name) && tries < 10) {
				close(fd);
				continue;
			}
			lock_note_pid(fd, mountpoint);
			return fd;
		}
		int e = errno;
		ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);
		close(fd);
		if (e != EWOULDBLOCK) {
			snprintf(err, errlen, "cannot lock %s: %s", name, strerror(e));
			return -e;
		}
		long pid = 0;
		char where[4096] = "";
		if (n > 0 && sscanf(holder, "%ld %4095[^\n]", &pid, where) == 2)
			snprintf(err, errlen, "the store %s is already served by osfs (pid %ld) on %s: unmount it first "
				 "(fusermount3 -u %s), or use another store", path, pid, where, where);
		else
			snprintf(err, errlen, "the store %s is already served by another osfs: unmount it first, or use "
				 "another store", path);
		return -EBUSY;
	}
}

void lock_release(int fd, const char *path)
{
	char name[4200];
	if (fd < 0)
		return;
	snprintf(name, sizeof(name), "%s.lock", path);
	/* Removed while still held, and only if it is still ours. */
	if (still_there(fd, name))
		unlink(name);
	close(fd);
}
