/* backup: osfsctl backup and restore for a PostgreSQL store
 * (docs/scale-out.md, "Backup and restore").
 *
 * A backup is pg_dump's custom format of the schema osfs alone: taken in
 * one snapshot (pg_dump's own REPEATABLE READ transaction), so it is the
 * store as of one moment while daemons install, and it carries each
 * identity sequence's position, so ids (inode numbers) handed out before
 * the backup are never handed out again after a restore.  The file is
 * written as store_backup() writes a SQLite copy: DST.partial, 0600
 * whatever the umask (it holds every tenant's data), synced, renamed; an
 * existing DST is never overwritten.
 *
 * Passwords: pg_dump and pg_restore get the connection string on their
 * command line, which is safe to show because a string with a password is
 * refused before (pg_check_conninfo); the password comes from the
 * passfile the string names, or PGPASSFILE or ~/.pgpass, which the child
 * inherits from osfsctl's environment.  Nothing is added to the
 * environment. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/buf.h"
#include "store/pg/pg.h"

extern char **environ;

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc;
}

/* The store's libpq keywords (its string's, osfs's defaults, its
 * passfile) as one connection string, each value quoted. */
static int conninfo_of(const struct store *st, struct buf *out)
{
	for (size_t i = 0; i < st->nkeys; i++) {
		buf_printf(out, "%s%s='", i ? " " : "", st->keys[i]);
		for (const char *p = st->vals[i]; *p; p++) {
			if (*p == '\'' || *p == '\\')
				buf_addc(out, '\\');
			buf_addc(out, *p);
		}
		buf_addc(out, '\'');
	}
	return buf_error(out) ? -ENOMEM : 0;
}

/* Runs tool (a PostgreSQL client: PATH first, then Debian's
 * postgresql-15 folder) with argv, stdout to fd out (-1: /dev/null);
 * its stderr's first line goes into err.  Returns 0 if it exited 0. */
static int run_tool(const char *tool, char *const argv[], int out, char *err, size_t errlen)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return fail(err, errlen, -errno, "cannot run %s: %s", tool, strerror(errno));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(&fa, out, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	pid_t pid;
	int rc = posix_spawnp(&pid, tool, &fa, NULL, argv, environ);
	if (rc == ENOENT) {
		char path[128];
		snprintf(path, sizeof(path), "/usr/lib/postgresql/15/bin/%s", tool);
		rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc) {
		close(pipefd[0]);
		return fail(err, errlen, -rc, "cannot run %s (%s): install postgresql-client-15", tool, strerror(rc));
	}
	/* Its messages until it ends: the first 1 KiB kept, the rest read
	 * and dropped so that it never blocks on a full pipe. */
	char msg[1024], drop[256];
	size_t n = 0;
	for (;;) {
		ssize_t k = n < sizeof(msg) - 1 ? read(pipefd[0], msg + n, sizeof(msg) - 1 - n)
						: read(pipefd[0], drop, sizeof(drop));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (n < sizeof(msg) - 1)
			n += (size_t)k;
	}
	msg[n] = '\0';
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail(err, errlen, -errno, "cannot wait for %s: %s", tool, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	const char *m = msg;
	if (!strncmp(m, tool, strlen(tool)) && m[strlen(tool)] == ':')
		m += strlen(tool) + 1 + (m[strlen(tool) + 1] == ' ');
	return fail(err, errlen, -EIO, "%s failed: %.*s", tool, (int)strcspn(m, "\n"), *m ? m : "no message");
}

static int sync_fd(int fd)
{
	return fsync(fd) < 0 ? -errno : 0;
}

int pg_store_backup(const char *src, const char *dst, char *err, size_t errlen)
{
	char tmp[4200];
	struct store *st;
	if (access(dst, F_OK) == 0)
		return fail(err, errlen, -EEXIST, "%s exists already: a backup never overwrites a file; choose another name",
			    dst);
	/* Open first: the string's checks (no password), the server reachable,
	 * and a schema this osfs knows (read-only: nothing is created). */
	int rc = pg_store_open(&st, src, 1, err, errlen);
	if (rc < 0)
		return rc;
	struct buf ci = BUF_INIT;
	rc = conninfo_of(st, &ci);
	pg_store_close(st);
	if (rc < 0) {
		buf_free(&ci);
		return fail(err, errlen, rc, "out of memory");
	}
	snprintf(tmp, sizeof(tmp), "%s.partial", dst);
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = fail(err, errlen, -errno, "cannot create %s: %s", tmp, strerror(errno));
		buf_free(&ci);
		return rc;
	}
	/* --no-owner, --no-privileges: a restore makes the restoring role
	 * the owner, whatever role took the backup. */
	char *const argv[] = { "pg_dump", "--format=custom", "--schema=osfs", "--no-owner", "--no-privileges",
			       "--dbname", (char *)buf_str(&ci), NULL };
	rc = run_tool("pg_dump", argv, fd, err, errlen);
	buf_free(&ci);
	if (rc == 0 && (rc = sync_fd(fd)) < 0)
		fail(err, errlen, rc, "cannot sync %s: %s", tmp, strerror(-rc));
	if (close(fd) < 0 && rc == 0)
		rc = fail(err, errlen, -errno, "cannot close %s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, dst) < 0)
		rc = fail(err, errlen, -errno, "cannot rename %s to its final name: %s", tmp, strerror(errno));
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* 1 if the database of where already holds the schema osfs, 0 if not. */
static int has_schema(const char *where, char *err, size_t errlen)
{
	PGconn *c = PQconnectdb(where);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		const char *m = c ? PQerrorMessage(c) : "out of memory";
		int rc = fail(err, errlen, -EIO, "the store cannot be reached: %.*s", (int)strcspn(m, "\n"), m);
		PQfinish(c);
		return rc;
	}
	PGresult *r = PQexec(c, "SELECT to_regnamespace('osfs') IS NOT NULL");
	int rc = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? !strcmp(PQgetvalue(r, 0, 0), "t")
		: fail(err, errlen, -EIO, "cannot read the store: %.*s", (int)strcspn(PQerrorMessage(c), "\n"),
		       PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return rc;
}

int pg_store_restore(const char *src, const char *dst, char *err, size_t errlen)
{
	int rc = pg_check_conninfo(dst, err, errlen);
	if (rc)
		return rc;
	if (access(src, R_OK) < 0)
		return fail(err, errlen, -errno, "cannot read %s: %s", src, strerror(errno));
	if ((rc = has_schema(dst, err, errlen)) < 0)
		return rc;
	if (rc)
		return fail(err, errlen, -EEXIST,
			    "the database already holds an osfs store: a restore never overwrites one; restore into "
			    "an empty database, or drop the schema osfs first");
	/* One transaction: a restore that fails leaves no half store. */
	char *const argv[] = { "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
			       "--dbname", (char *)dst, (char *)src, NULL };
	if ((rc = run_tool("pg_restore", argv, -1, err, errlen)))
		return rc;
	/* A backup of an older schema version is upgraded now, as a mount would. */
	struct store *st;
	if ((rc = pg_store_open(&st, dst, 0, err, errlen)))
		return rc;
	pg_store_close(st);
	return 0;
}
