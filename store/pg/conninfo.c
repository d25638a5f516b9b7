/* conninfo: PostgreSQL connection strings and passfiles, checked before
 * anything connects. */
#include "store/pg/conninfo.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/pg/pg.h"

int pg_is_conninfo(const char *s)
{
	if (!s)
		return 0;
	if (!strncmp(s, "postgresql://", 13) || !strncmp(s, "postgres://", 11))
		return 1;
	/* key=value: libpq's keywords are lower-case words with '_' */
	while (*s == ' ' || *s == '\t')
		s++;
	const char *w = s;
	while (islower((unsigned char)*s) || *s == '_')
		s++;
	if (s == w)
		return 0;
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '=';
}

int pg_check_conninfo(const char *s, char *err, size_t errlen)
{
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(s, &msg);
	if (!opts) {
		/* libpq's message ends in a newline and never repeats a password */
		size_t n = msg ? strcspn(msg, "\n") : 0;
		snprintf(err, errlen, "-o store: not a PostgreSQL connection string: %.*s", (int)n, msg ? msg : "");
		PQfreemem(msg);
		return -EINVAL;
	}
	int rc = 0;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val) {
			snprintf(err, errlen, "-o store: a password in the connection string shows in ps; "
				 "put it in ~/.pgpass or -o store_passfile=FILE");
			rc = -EINVAL;
		}
	PQconninfoFree(opts);
	return rc;
}

int pg_check_passfile(const char *path, const char *what, char *err, size_t errlen)
{
	struct stat sb;
	/* lstat: a symbolic link could be pointed elsewhere after the check */
	if (lstat(path, &sb) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s=%s: %s", what, path, strerror(e));
		return -e;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s=%s is not a regular file", what, path);
		return -EINVAL;
	}
	if (sb.st_uid != geteuid()) {
		snprintf(err, errlen, "%s=%s is owned by uid %u; it must be owned by the daemon's user (uid %u)", what,
			 path, (unsigned)sb.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	if (sb.st_mode & 077) {
		snprintf(err, errlen, "%s=%s has mode %04o; a password file must have no group or other bits "
			 "(chmod 600 %s)", what, path, (unsigned)(sb.st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}
