/* query: statements with bound parameters, prepared once per connection,
 * their binary results, and SQLSTATEs as errno values. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/pg.h"

static size_t slot_of(const struct db *db, const char *sql)
{
	size_t h = (size_t)(uintptr_t)sql;
	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ULL;
	size_t mask = db->capcache - 1, i = (h >> 7) & mask;
	while (db->sql[i] && db->sql[i] != sql)
		i = (i + 1) & mask;
	return i;
}

static int cache_grow(struct db *db)
{
	size_t cap = db->capcache ? db->capcache * 2 : 64;
	struct db n = *db;
	n.capcache = cap;
	n.sql = calloc(cap, sizeof(*n.sql));
	n.id = calloc(cap, sizeof(*n.id));
	if (!n.sql || !n.id) {
		free(n.sql);
		free(n.id);
		return -ENOMEM;
	}
	for (size_t i = 0; i < db->capcache; i++) {
		if (!db->sql[i])
			continue;
		size_t j = slot_of(&n, db->sql[i]);
		n.sql[j] = db->sql[i];
		n.id[j] = db->id[i];
	}
	free(db->sql);
	free(db->id);
	db->sql = n.sql;
	db->id = n.id;
	db->capcache = cap;
	return 0;
}

int pg_sqlstate_errno(const char *s)
{
	if (!s || strlen(s) != 5)
		return -EIO;
	if (!strncmp(s, "23", 2)) /* integrity: as SQLite's CONSTRAINT */
		return -EEXIST;
	if (!strcmp(s, "40001") || !strcmp(s, "40P01") || !strcmp(s, "55P03")) /* serialization, deadlock, lock_timeout */
		return -EAGAIN;
	if (!strcmp(s, "25006")) /* read_only_sql_transaction: a standby, or a read-only store */
		return -EROFS;
	if (!strcmp(s, "53100")) /* disk_full */
		return -ENOSPC;
	if (!strcmp(s, "53200")) /* out_of_memory */
		return -ENOMEM;
	if (!strcmp(s, "53300")) /* too_many_connections */
		return -EAGAIN;
	if (!strcmp(s, "42501")) /* insufficient_privilege */
		return -EACCES;
	if (!strcmp(s, "22021")) /* character_not_in_repertoire: a name that is not UTF-8 */
		return -EILSEQ;
	if (!strcmp(s, "57014")) /* query_canceled: statement_timeout */
		return -ETIMEDOUT;
	return -EIO; /* 08 connection, 57P0x shutdown, 58 system, XX internal, ... */
}

int pg_errno(struct db *db, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	int e = state ? pg_sqlstate_errno(state) : -EIO;
	/* In a failed transaction every statement fails with 25P02: the first
	 * error is the one that tells what happened. */
	if (state && !strcmp(state, "25P02") && db->tx_err)
		return db->tx_err;
	if (db->in_tx && !db->tx_err)
		db->tx_err = e;
	if (e == -EEXIST || e == -EROFS || e == -EILSEQ)
		return e; /* expected: the caller turns it into a reply */
	const char *msg = r ? PQresultErrorMessage(r) : NULL;
	if (!msg || !*msg)
		msg = PQerrorMessage(db->conn);
	fprintf(stderr, "osfs: store error (%s): %.*s\n", state ? state : "connection", (int)strcspn(msg, "\n"), msg);
	return e;
}

/* The name of sql's prepared statement on this connection, preparing it
 * the first time (with the types of this call's parameters). */
static int prepared(struct db *db, const char *sql, const struct pg_arg *args, int nargs, char name[24])
{
	if ((db->ncache + 1) * 2 > db->capcache && cache_grow(db) < 0)
		return -ENOMEM;
	size_t i = slot_of(db, sql);
	if (db->sql[i]) {
		snprintf(name, 24, "osfs_%u", db->id[i]);
		return 0;
	}
	Oid types[nargs > 0 ? nargs : 1];
	for (int k = 0; k < nargs; k++)
		types[k] = args[k].type;
	unsigned id = db->next_id++;
	snprintf(name, 24, "osfs_%u", id);
	PGresult *r = PQprepare(db->conn, name, sql, nargs, types);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
		int e;
		/* 42xxx and 0A000: the SQL text is wrong, a bug of osfs */
		if (state && (state[0] == '4' && state[1] == '2')) {
			fprintf(stderr, "osfs: internal error: cannot prepare SQL: %s  %s\n",
				r ? PQresultErrorMessage(r) : "", sql);
			e = -EIO;
			if (db->in_tx && !db->tx_err)
				db->tx_err = e;
		} else {
			e = pg_errno(db, r);
		}
		PQclear(r);
		return e;
	}
	PQclear(r);
	db->sql[i] = sql;
	db->id[i] = id;
	db->ncache++;
	return 0;
}

/* A statement that fails inside a PostgreSQL transaction fails every
 * later one too (25P02), where SQLite would go on.  A read transaction
 * (pg_store_acquire_read) has nothing to lose: it starts again, with a new
 * snapshot, so the rest of the request can still answer.  A write
 * transaction stays failed: its commit reports the first error. */
static int after_error(struct db *db, int rc)
{
	if (db->in_read && !db->in_tx && PQtransactionStatus(db->conn) == PQTRANS_INERROR) {
		PQclear(PQexec(db->conn, "ROLLBACK"));
		PGresult *r = PQexec(db->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
		if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
			db->in_read = 0; /* statements run one by one, as without */
		PQclear(r);
	}
	return rc;
}

/* 1 if s is UTF-8 (PostgreSQL's text is; a name that is not cannot be in
 * the store, and sending it would fail the statement and with it the
 * request's transaction). */
int pg_utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
		if (n < 0 || (n == 1 && *p < 0xC2) || (n == 3 && *p > 0xF4))
			return 0;
		unsigned cp = n ? *p & (0x3F >> n) : *p;
		p++;
		for (int i = 0; i < n; i++, p++) {
			if ((*p & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (*p & 0x3F);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return 0;
	}
	return 1;
}

/* The connection is gone (the server restarted, failed over, or is
 * down).  Outside a transaction nothing was lost with it: a new one is
 * made (1: run the statement again).  Inside one the request fails. */
static int lost(struct db *db)
{
	if (!db->in_tx && !db->in_read && pg_db_revive(db) == 0)
		return 1;
	return 0;
}

int pg_query(struct db *db, const char *sql, const struct pg_arg *args, int nargs, PGresult **out)
{
	*out = NULL;
	if (!db)
		return -EIO;
	if ((!db->conn || PQstatus(db->conn) == CONNECTION_BAD) && !lost(db))
		return pg_db_lost(db);
	int again = 1;
retry:;
	/* Text that is not UTF-8 would fail the statement, and with it the
	 * transaction: it is refused here, the transaction left usable, and a
	 * lookup turns it into "not found" (pg_lookup_errno). */
	for (int k = 0; k < nargs; k++)
		if (args[k].type == 0 && args[k].val && !pg_utf8_ok(args[k].val))
			return -EILSEQ;
	char name[24];
	int rc = prepared(db, sql, args, nargs, name);
	if (rc && PQstatus(db->conn) == CONNECTION_BAD) {
		if (again-- && lost(db))
			goto retry;
		return pg_db_lost(db);
	}
	if (rc)
		return after_error(db, rc);
	const char *vals[nargs > 0 ? nargs : 1];
	int lens[nargs > 0 ? nargs : 1], fmts[nargs > 0 ? nargs : 1];
	for (int k = 0; k < nargs; k++) {
		vals[k] = args[k].type == PG_INT8OID || args[k].type == PG_FLOAT8OID ? (const char *)args[k].i8
										: args[k].val;
		lens[k] = args[k].len;
		fmts[k] = args[k].binary;
	}
	PGresult *r = PQexecPrepared(db->conn, name, nargs, vals, lens, fmts, 1);
	ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK && PQstatus(db->conn) == CONNECTION_BAD) {
		PQclear(r);
		if (again-- && lost(db))
			goto retry;
		return pg_db_lost(db);
	}
	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
		rc = pg_errno(db, r);
		PQclear(r);
		return after_error(db, rc);
	}
	*out = r;
	return 0;
}

int pg_exec(struct db *db, const char *sql, const struct pg_arg *args, int nargs)
{
	PGresult *r;
	int rc = pg_query(db, sql, args, nargs, &r);
	if (rc)
		return rc;
	const char *n = PQcmdTuples(r);
	rc = n && *n ? atoi(n) : 0;
	PQclear(r);
	return rc;
}

int pg_simple(struct db *db, const char *sql)
{
	if (!db->conn) /* the server cannot be reached (db.c): said once there */
		return -EIO;
	PGresult *r = PQexec(db->conn, sql);
	int rc = 0;
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = pg_errno(db, r);
	PQclear(r);
	return rc;
}

static uint64_t be_uint(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

int64_t pg_get_i64(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return 0;
	const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
	switch (PQgetlength(r, row, col)) {
	case 8:
		return (int64_t)be_uint(p, 8);
	case 4:
		return (int32_t)(uint32_t)be_uint(p, 4);
	case 2:
		return (int16_t)(uint16_t)be_uint(p, 2);
	case 1:
		return p[0];
	default:
		return 0;
	}
}

double pg_get_f64(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
		return 0;
	uint64_t u = be_uint((const unsigned char *)PQgetvalue(r, row, col), 8);
	double d;
	memcpy(&d, &u, sizeof(d));
	return d;
}

const char *pg_get_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

const void *pg_get_bytes(const PGresult *r, int row, int col, size_t *len)
{
	*len = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}
