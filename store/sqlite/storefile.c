/* storefile: see storefile.h. */
#include "store/storefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const suffixes[] = { "", "-wal", "-shm" };

int storefile_create_private(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* O_CREAT's mode only takes bits away: 0600 is what umask 0 gives too. */
	close(fd);
	return 0;
}

/* Opens name without following a link or blocking on a FIFO; creates it
 * 0600 (exclusively) if create.  Returns the fd, or -errno. */
static int open_file(const char *name, int create, int *created)
{
	if (create) {
		int fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			*created = 1;
			return fd;
		}
		if (errno != EEXIST)
			return -errno;
	}
	int fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int storefile_prepare(const char *path, int *created, char *note, size_t notelen, char *err, size_t errlen)
{
	char name[4200];
	size_t used = 0;
	*created = 0;
	note[0] = '\0';
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		struct stat sb;
		snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
		int fd = open_file(name, i == 0, created);
		if (fd == -ENOENT && i > 0)
			continue; /* no -wal or -shm: SQLite makes them with the database's mode */
		if (fd == -ELOOP) {
			snprintf(err, errlen, "the store file %s is a symbolic link; refusing to follow it: give the real "
				 "path with -o store=", name);
			return fd;
		}
		if (fd < 0) {
			snprintf(err, errlen, "cannot open the store %s: %s", name, strerror(-fd));
			return fd;
		}
		int e = fstat(fd, &sb) < 0 ? errno : S_ISREG(sb.st_mode) ? 0 : EINVAL;
		if (e == 0 && (sb.st_mode & 077)) {
			mode_t old = sb.st_mode & 07777;
			int n;
			if (fchmod(fd, 0600) == 0)
				n = snprintf(note + used, notelen - used, "%sthe store file %s was mode %04o, readable by other "
					     "users: made 0600", used ? "; " : "", name, (unsigned)old);
			else
				n = snprintf(note + used, notelen - used, "%sthe store file %s is mode %04o, readable by other "
					     "users, and cannot be made 0600: %s", used ? "; " : "", name, (unsigned)old,
					     strerror(errno));
			if (n > 0)
				used = used + (size_t)n < notelen ? used + (size_t)n : notelen - 1;
		}
		close(fd);
		if (e) {
			snprintf(err, errlen, "the store %s is %s", name, e == EINVAL ? "not a regular file" : strerror(e));
			return -e;
		}
	}
	return 0;
}

void storefile_remove(const char *path)
{
	char name[4200];
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
		unlink(name);
	}
}
