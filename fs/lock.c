/* lock: flock(2) on "<store>.lock", holding the pid and mount point. */
#include "fs/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
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

int lock_store(const char *path, const char *mountpoint, char *err, size_t errlen)
{
	char name[4200], holder[4200] = "";
	snprintf(name, sizeof(name), "%s.lock", path);
	int fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot create the lock %s: %s", name, strerror(e));
		return -e;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
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
		snprintf(err, errlen, "the store %s is already served by another osfs: unmount it first, or use another "
			 "store", path);
	return -EBUSY;
}
