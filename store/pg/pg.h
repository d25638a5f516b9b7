/* pg: the PostgreSQL backend's own header (docs/scale-out.md, step 3), for
 * the files of store/pg/ and the unit tests of that backend only.  It is
 * the one place <libpq-fe.h> is seen.
 *
 * One `struct store` per connection string; it hands out `struct db`
 * connections from a pool, as store/sqlite/ does.  Each connection keeps
 * its prepared statements, keyed by the SQL text's address, so every
 * statement is parsed once per connection.  Results come in binary, so
 * integers and bytes need no parsing and no unescaping.
 *
 * Every function named pg_<public name> has exactly the signature of the
 * public function in the store/ headers; step 2's table (store/ops.def) lists them.
 */
#ifndef OSFS_STORE_PG_H
#define OSFS_STORE_PG_H

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/statvfs.h>

#include <libpq-fe.h>

#include "store/backend.h"
#include "store/db.h"
#include "store/notes.h"
#include "store/pg/conninfo.h"
#include "store/changes.h"
#include "store/records.h"
#include "store/tenants.h"
#include "store/tree.h"

/* The engine's operations (store/ops.def), pg_<name>, as
 * store/sqlite/sqlite.h declares sq_<name>. */
#define OP(ret, op, params, args) ret pg_##op params;
#define VOP(op, params, args) void pg_##op params;
#include "store/ops.def"
#undef OP
#undef VOP

struct store_backend;

struct db {
	const struct store_backend *be; /* first: the header every backend shares */
	PGconn *conn;
	struct store *store;
	struct db *next_free;
	/* prepared statements, open addressing on the SQL pointer; the
	 * statement of slot i is named "osfs_<id[i]>" on this connection */
	const char **sql;
	unsigned *id;
	size_t ncache, capcache;
	unsigned next_id;
	int in_tx;
	int in_read;  /* a read transaction of pg_store_acquire_read() */
	int tx_err;   /* the first -errno inside the open transaction */
	struct store_notes notes; /* db_after_commit's calls (store/notes.h) */
};

struct store {
	const struct store_backend *be; /* first: the header every backend shares */
	char *where;      /* the connection string as given (no password in it) */
	char *host;       /* HOST:PORT of the first host, for sentences */
	/* libpq's keywords and values, NULL-terminated: osfs's defaults, then
	 * those of the string, then the passfile */
	char **keys, **vals;
	size_t nkeys;
	int readonly;
	int migrated;     /* this open created or upgraded the schema */
	pthread_mutex_t lock;
	struct db *free;  /* idle connections */
	size_t nconn;
	/* coherence (publish.c, watch.c): this daemon's mark on the change
	 * sets it publishes (random, set at the first use), the time it last
	 * pruned old ones, and its watcher */
	uint64_t origin;
	int64_t pruned;
	struct pg_watch *watch;
	/* outages (db.c): while a connection cannot be made, no new one is
	 * tried before down_until (CLOCK_MONOTONIC ms), so a request fails
	 * at once instead of waiting a connect timeout each; down_said: the
	 * outage's sentence was written (once per outage) */
	int64_t down_until;
	int down_said;
	/* standby reads (standby.c): the hot standby of -o store_read= (a
	 * store of its own, its own pool), or NULL; is_standby on that store.
	 * want_lsn: the WAL position this daemon's reads must see (its own
	 * writes, the changes of others it was told of); seen_lsn (on the
	 * standby's store): the standby's replay position last read */
	struct store *standby;
	int is_standby;
	uint64_t want_lsn, seen_lsn;
	void (*on_begin)(void *ctx, int phase); /* store_on_begin() */
	void *on_begin_ctx;
};

/* The table of step 2 (store/pg/backend.c, from store/ops.def).  Weak:
 * until it exists the header's `be` is NULL and nothing dispatches. */
extern const struct store_backend pg_backend;

/* ---- db.c: the public operations of store/db.h ---- */
int pg_store_open(struct store **out, const char *where, int readonly, char *err, size_t errlen);
/* The same with a passfile of its own (-o store_passfile=FILE), checked
 * by pg_check_passfile() and given to libpq as its passfile keyword. */
int pg_store_open_with(struct store **out, const char *where, const char *passfile, int readonly, char *err,
		       size_t errlen);
void pg_store_close(struct store *st);
const char *pg_store_where(const struct store *st);
const char *pg_store_engine_version(void);
int pg_store_statvfs(const struct store *st, struct statvfs *sv);
struct db *pg_store_acquire(struct store *st);
struct db *pg_store_acquire_read(struct store *st);
void pg_store_release(struct db *db);
int pg_db_begin(struct db *db);
int pg_db_commit(struct db *db);
void pg_db_rollback(struct db *db);
int pg_db_after_commit(struct db *db, void (*fn)(const char *a, const char *b), const char *a, const char *b);
int pg_db_now(struct db *db, int64_t span, int64_t *ns);
int pg_db_set_meta(struct db *db, const char *key, int64_t v);

/* ---- backup.c: osfsctl backup/restore of a PostgreSQL store ---- */
/* store_backup() (store/backup.h) when src is a connection string:
 * pg_dump's custom format of the schema osfs into the new file dst
 * (0600, written as dst.partial, synced, renamed; never overwritten).
 * Returns 0, or -errno with a sentence in err. */
int pg_store_backup(const char *src, const char *dst, char *err, size_t errlen);
/* The other way: the backup file src into the database of the string
 * dst, which must not hold a schema osfs yet (-EEXIST); one transaction;
 * then the schema is upgraded if the backup is older. */
int pg_store_restore(const char *src, const char *dst, char *err, size_t errlen);

/* ---- standby.c: reads from a hot standby (docs/scale-out.md, step 6) ---- */
/* Makes st read from the standby of the connection string where (a
 * connection is opened at the first read).  Returns 0 or -errno with a
 * sentence in err. */
int pg_store_set_standby(struct store *st, const char *where, const char *passfile, char *err, size_t errlen);
/* A read connection of the standby inside its read transaction, when the
 * standby answers and has replayed every write this daemon must see (or
 * when stale is set: the primary is down, a stale answer beats none);
 * else NULL, and the caller reads from the primary. */
struct db *pg_standby_read(struct store *st, int stale);
/* Raises what this daemon's reads must see to the primary's WAL position
 * now (after its own commit, or before it invalidates what others changed). */
void pg_standby_need(struct db *primary);

/* ---- commit.c ---- */
/* COMMIT of db's transaction, its wait bounded (10 s): the last result,
 * or NULL if the connection broke or never answered.  *unconfirmed: the
 * wait was cancelled (a synchronous standby did not confirm it; said on
 * stderr); a COMMIT result then means committed on the primary only. */
PGresult *pg_commit_bounded(struct db *db, int *unconfirmed);

/* ---- db.c, for standby.c ---- */
/* A store of the connection string, its keywords built, no connection yet. */
int pg_store_prepare(struct store **out, const char *where, const char *passfile, int readonly, char *err,
		     size_t errlen);
/* A new connection in place of db's broken one (its prepared statements
 * forgotten), unless the store is in an outage window: 0 or -errno. */
int pg_db_revive(struct db *db);
/* The errno of a request whose server cannot be reached: EROFS on a
 * primary with a standby (reads go on, writes wait), else EIO. */
int pg_db_lost(const struct db *db);
/* 1 while st is in an outage window (no connection is tried). */
int pg_store_down(struct store *st);
int64_t pg_now_ms(void);

/* ---- pq_shim.c: libpq is loaded with dlopen() ---- */
/* Loads libpq (once); 0, or -ELIBACC with a sentence naming the package.
 * pg_store_open_with() calls it before any other libpq call. */
int pq_shim_load(char *err, size_t errlen);

/* ---- schema.c ---- */
#define PG_SCHEMA_VERSION 6
/* Creates or upgrades the osfs schema on c (outside any transaction), or
 * checks it.  *migrated tells whether this call changed it.  Returns 0,
 * or -errno with a sentence in err. */
int pg_schema_apply(PGconn *c, int readonly, int *migrated, char *err, size_t errlen);

/* ---- publish.c ---- */
/* This daemon's mark on its change sets (never 0). */
uint64_t pg_origin(struct store *st);

/* ---- query.c: statements with bound parameters ---- */

/* One parameter, made by pg_i64(), pg_text(), pg_bytes() or pg_null().
 * Integers and bytes go in binary with their type; text goes as text
 * whose type the server infers from the statement. */
struct pg_arg {
	Oid type;          /* 0: inferred (text and NULL) */
	const char *val;   /* NULL: SQL NULL (for an int64, see i8) */
	int len;
	int binary;
	unsigned char i8[8];
};

#define PG_INT8OID 20
#define PG_BYTEAOID 17
#define PG_FLOAT8OID 701

static inline struct pg_arg pg_i64(int64_t v)
{
	struct pg_arg a = { PG_INT8OID, NULL, 8, 1, { 0 } };
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--, u >>= 8)
		a.i8[i] = (unsigned char)u;
	return a;
}

/* A double in binary (float8: the 8 bytes of the IEEE value, big-endian),
 * so that it reaches the server exactly as SQLite would store it. */
static inline struct pg_arg pg_f64(double v)
{
	struct pg_arg a = { PG_FLOAT8OID, NULL, 8, 1, { 0 } };
	uint64_t u;
	memcpy(&u, &v, sizeof(u));
	for (int i = 7; i >= 0; i--, u >>= 8)
		a.i8[i] = (unsigned char)u;
	return a;
}

/* NUL-terminated text; NULL gives SQL NULL. */
static inline struct pg_arg pg_text(const char *s)
{
	struct pg_arg a = { 0, s, 0, 0, { 0 } };
	return a;
}

static inline struct pg_arg pg_bytes(const void *p, size_t n)
{
	struct pg_arg a = { PG_BYTEAOID, p ? (const char *)p : "", (int)n, 1, { 0 } };
	return a;
}

static inline struct pg_arg pg_null(void)
{
	struct pg_arg a = { 0, NULL, 0, 0, { 0 } };
	return a;
}

/* The parameters of one call: pg_query(db, SQL, PG_ARGS(pg_i64(t), pg_text(name)), &res). */
#define PG_ARGS(...) \
	((const struct pg_arg[]){ __VA_ARGS__ }), \
	(int)(sizeof((const struct pg_arg[]){ __VA_ARGS__ }) / sizeof(struct pg_arg))
#define PG_NOARGS NULL, 0

/* ---- arrays.c: many rows in one statement ---- */

/* A one-dimensional array parameter in binary, built element by element:
 *   struct pg_array keys; pg_array_init(&keys, PG_TEXTOID, PG_TEXTARRAYOID);
 *   pg_array_text(&keys, k) ...;  pg_query(db, "... unnest($1::text[]) ...",
 *   PG_ARGS(pg_array_arg(&keys)), &r);  pg_array_free(&keys);
 * An error (out of memory, over PG_ARRAY_MAX, text that is not UTF-8) is
 * kept in err, the first one, and checked by the caller before sending. */
struct pg_array {
	Oid elem, type;   /* the element's type, the array's */
	unsigned char *p;
	size_t len, cap;
	uint32_t n;       /* elements */
	int nulls;
	int err;          /* 0 or -errno */
};

#define PG_TEXTOID 25
#define PG_TEXTARRAYOID 1009
#define PG_BYTEAARRAYOID 1001
#define PG_INT8ARRAYOID 1016
#define PG_FLOAT8ARRAYOID 1022
/* Well under the protocol's 1 GB per message. */
#define PG_ARRAY_MAX ((size_t)256 << 20)
/* Where the callers cut a batch: rows, and bytes of all its arrays. */
#define PG_BATCH_ROWS 2000
#define PG_BATCH_BYTES ((size_t)16 << 20)

void pg_array_init(struct pg_array *a, Oid elem, Oid type);
void pg_array_reset(struct pg_array *a); /* empty again, its memory kept */
void pg_array_null(struct pg_array *a);
void pg_array_text(struct pg_array *a, const char *s); /* NULL: SQL NULL */
void pg_array_bytes(struct pg_array *a, const void *p, size_t n); /* p NULL: SQL NULL */
void pg_array_i64(struct pg_array *a, int64_t v);
void pg_array_f64(struct pg_array *a, double v);
/* The parameter; valid until a's next change. */
struct pg_arg pg_array_arg(struct pg_array *a);
void pg_array_free(struct pg_array *a);

/* 1 if s is UTF-8.  PostgreSQL's text is: a name that is not cannot be
 * in the store.  pg_query() refuses such text with -EILSEQ before sending
 * it (the transaction stays usable); a lookup says -ENOENT instead. */
int pg_utf8_ok(const char *s);
static inline int pg_lookup_errno(int rc)
{
	return rc == -EILSEQ ? -ENOENT : rc;
}

/* Runs sql, which must be a string literal (its prepared statement is
 * cached by address), with args bound; *out gets the result (columns in
 * binary), to PQclear().  Returns 0 or -errno (*out NULL). */
int pg_query(struct db *db, const char *sql, const struct pg_arg *args, int nargs, PGresult **out);
/* The same for a statement whose rows are not wanted.  Returns the number
 * of rows it touched (>= 0) or -errno. */
int pg_exec(struct db *db, const char *sql, const struct pg_arg *args, int nargs);

/* Columns of a binary result.  An integer column of any width (int2,
 * int4, int8, bool) gives its value; NULL gives 0 (or NULL). */
int64_t pg_get_i64(const PGresult *r, int row, int col);
double pg_get_f64(const PGresult *r, int row, int col);
const char *pg_get_text(const PGresult *r, int row, int col); /* NUL-terminated */
const void *pg_get_bytes(const PGresult *r, int row, int col, size_t *len);
static inline int pg_is_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col);
}

/* A failed result (or a broken connection when r is NULL) as -errno; the
 * unexpected ones are logged to stderr with the server's message. */
int pg_errno(struct db *db, const PGresult *r);
/* The errno of an SQLSTATE (docs/scale-out.md, "Errors"). */
int pg_sqlstate_errno(const char *sqlstate);

/* Runs a statement with no parameters over the simple protocol (BEGIN,
 * COMMIT, SET): 0 or -errno. */
int pg_simple(struct db *db, const char *sql);

/* ---- the engine's operations (store/ops.def), pg_<name> ----
 * Declared from the one list, as store/sqlite/sqlite.h does for sq_; a
 * declaration above of the same function is the same declaration. */
#include "store/backend.h"
#define OP(ret, op, params, args) ret pg_##op params;
#define VOP(op, params, args) void pg_##op params;
#include "store/ops.def"
#undef OP
#undef VOP

#endif
