/* pg_util: the throwaway PostgreSQL of the PostgreSQL backend's unit tests
 * (tests/unit/check_pg_*.c): tests/pg/server.sh starts one per test binary
 * in a temp dir, stopped when the binary ends (or exits on a failure),
 * and a few helpers to look at it with libpq directly.  Static inline so
 * each binary takes what it uses. */
#ifndef OSFS_PG_UTIL_H
#define OSFS_PG_UTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/pg/pg.h" /* a helper of that backend's tests: libpq allowed (tests/layers.sh) */

static char pgu_dir[64];       /* the server's folder */
static char pgu_uri[256];      /* its connection string */
static char pgu_passfile[128]; /* the osfs role's password */
static pid_t pgu_parent;

static inline void pgu_stop(void)
{
	/* atexit runs in the children Check forks too: only the parent stops */
	if (getpid() != pgu_parent || !pgu_dir[0])
		return;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "tests/pg/server.sh stop %s", pgu_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "pg_util: %s failed\n", cmd);
	pgu_dir[0] = '\0';
}

static inline void pgu_start(void)
{
	pgu_parent = getpid();
	snprintf(pgu_dir, sizeof(pgu_dir), "/tmp/osfs-check-pg.XXXXXX");
	if (!mkdtemp(pgu_dir)) {
		perror("mkdtemp");
		exit(1);
	}
	atexit(pgu_stop);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "tests/pg/server.sh start %s", pgu_dir);
	FILE *p = popen(cmd, "r");
	if (!p || !fgets(pgu_uri, sizeof(pgu_uri), p) || pclose(p) != 0) {
		fprintf(stderr, "pg_util: %s failed\n", cmd);
		exit(1);
	}
	pgu_uri[strcspn(pgu_uri, "\n")] = '\0';
	snprintf(pgu_passfile, sizeof(pgu_passfile), "%s/passfile", pgu_dir);
	/* libpq finds the password here unless a test names a passfile */
	setenv("PGPASSFILE", pgu_passfile, 1);
}

static inline void pgu_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* A connection of the test's own, outside the store. */
static inline PGconn *pgu_raw(void)
{
	PGconn *c = PQconnectdb(pgu_uri);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect %s: %s", pgu_uri, PQerrorMessage(c));
	PQsetNoticeProcessor(c, pgu_quiet, NULL); /* DROP SCHEMA's list of what it dropped */
	return c;
}

static inline void pgu_sql(const char *q)
{
	PGconn *c = pgu_raw();
	PGresult *r = PQexec(c, q);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", q,
		      PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

/* The first column of the first row of q as an integer; -1 for no row. */
static inline long long pgu_q1(const char *q)
{
	PGconn *c = pgu_raw();
	PGresult *r = PQexec(c, q);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", q, PQresultErrorMessage(r));
	long long v = PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : -1;
	PQclear(r);
	PQfinish(c);
	return v;
}

#endif
