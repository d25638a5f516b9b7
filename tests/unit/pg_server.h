/* pg_server: a throwaway PostgreSQL 15 for one unit test binary
 * (tests/pg/server.sh), started before the suite and stopped at exit by
 * the process that started it (never by a forked test).
 *
 * static inline so that each binary takes it as a whole; for the
 * check_pg_*.c tests only (it needs nothing of libpq itself).
 */
#ifndef OSFS_PG_SERVER_H
#define OSFS_PG_SERVER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

struct pg_server {
	char dir[64];   /* the server's folder, "" once stopped */
	char uri[256];  /* its connection string (no password in it) */
	pid_t parent;
};

static struct pg_server pg_server;

static inline void pg_server_stop(void)
{
	if (getpid() != pg_server.parent || !pg_server.dir[0])
		return;
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "tests/pg/server.sh stop %s", pg_server.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "%s failed\n", cmd);
	pg_server.dir[0] = '\0';
}

/* Starts the server (or exits 1 saying why); libpq finds the password in
 * the server's passfile through PGPASSFILE. */
static inline void pg_server_start(void)
{
	pg_server.parent = getpid();
	snprintf(pg_server.dir, sizeof(pg_server.dir), "/tmp/osfs-check-pg.XXXXXX");
	if (!mkdtemp(pg_server.dir)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(pg_server_stop);
	char cmd[160], passfile[128];
	snprintf(cmd, sizeof(cmd), "tests/pg/server.sh start %s", pg_server.dir);
	FILE *p = popen(cmd, "r");
	int ok = p && fgets(pg_server.uri, sizeof(pg_server.uri), p);
	if ((p && pclose(p) != 0) || !ok) {
		fprintf(stderr, "%s failed\n", cmd);
		exit(1);
	}
	pg_server.uri[strcspn(pg_server.uri, "\n")] = '\0';
	snprintf(passfile, sizeof(passfile), "%s/passfile", pg_server.dir);
	setenv("PGPASSFILE", passfile, 1);
}

#endif
