/* db: PostgreSQL connections, transactions and the store clock, behind
 * the same interface as store/sqlite/db.c (store/db.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "lib/idletrim.h"
#include "store/pg/pg.h"

/* Every wait is bounded (docs/scale-out.md, "Failures").  Defaults that
 * the connection string (or libpq's environment variable) may override: a
 * connect gives up after 5 s, and a peer that stops answering is noticed
 * by TCP within about 20 s. */
static const char *const defaults[][3] = {
	/* keyword, value, the environment variable of libpq that overrides it */
	{ "connect_timeout", "5", "PGCONNECT_TIMEOUT" },
	{ "application_name", "osfs", "PGAPPNAME" },
	{ "keepalives", "1", NULL },
	{ "keepalives_idle", "10", NULL },
	{ "keepalives_interval", "3", NULL },
	{ "keepalives_count", "3", NULL },
	{ "tcp_user_timeout", "20000", NULL },
};

/* Settings of each session.  search_path: every query names the tables of
 * the osfs schema unqualified (pg_catalog still comes first).  A statement
 * may run 60 s (a large install's statement takes well under one), waits
 * for a row lock at most 30 s (as SQLite's busy timeout), and a daemon
 * that stalls inside a transaction loses it after 60 s rather than
 * holding its locks.
 *
 * plan_cache_mode: every execution of a prepared statement is planned for
 * its values and the tables' present size.  By default PostgreSQL keeps,
 * after five executions, a generic plan made then; an install's first
 * statements run while its tables are still small (a few pages: a
 * sequential scan is cheapest), and the install's long transaction then
 * ran `SELECT ... FROM records WHERE tbl=$1 AND key=$2` on that plan for
 * each of 300,000 seed records, each scan longer than the one before
 * (docs/performance.md, "PostgreSQL installs").  Planning these short
 * statements costs some tens of microseconds, less than the round trip. */
#define SESSION_SQL \
	"SET search_path = osfs; SET statement_timeout = '60s'; SET lock_timeout = '30s'; " \
	"SET idle_in_transaction_session_timeout = '60s'; SET client_min_messages = warning; " \
	"SET plan_cache_mode = force_custom_plan"

/* ---- keywords ---- */

static int kw_set(struct store *st, const char *k, const char *v)
{
	for (size_t i = 0; i < st->nkeys; i++)
		if (!strcmp(st->keys[i], k)) {
			char *nv = strdup(v);
			if (!nv)
				return -ENOMEM;
			free(st->vals[i]);
			st->vals[i] = nv;
			return 0;
		}
	char **nk = realloc(st->keys, (st->nkeys + 2) * sizeof(*nk));
	if (!nk)
		return -ENOMEM;
	st->keys = nk;
	char **nv = realloc(st->vals, (st->nkeys + 2) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	st->vals = nv;
	if (!(st->keys[st->nkeys] = strdup(k)))
		return -ENOMEM;
	if (!(st->vals[st->nkeys] = strdup(v))) {
		free(st->keys[st->nkeys]);
		return -ENOMEM;
	}
	st->nkeys++;
	st->keys[st->nkeys] = st->vals[st->nkeys] = NULL;
	return 0;
}

static const char *kw_get(const struct store *st, const char *k)
{
	for (size_t i = 0; i < st->nkeys; i++)
		if (!strcmp(st->keys[i], k))
			return st->vals[i];
	return NULL;
}

/* The keywords libpq gets: osfs's defaults, then the string's, then the
 * passfile. */
static int build_keywords(struct store *st, const char *where, const char *passfile, char *err, size_t errlen)
{
	int rc = pg_check_conninfo(where, err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(defaults) / sizeof(*defaults); i++) {
		const char *env = defaults[i][2] ? getenv(defaults[i][2]) : NULL;
		if ((!env || !*env) && (rc = kw_set(st, defaults[i][0], defaults[i][1])))
			goto nomem;
	}
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(where, &msg);
	PQfreemem(msg);
	if (!opts)
		return -EINVAL; /* pg_check_conninfo said why */
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (o->val && (rc = kw_set(st, o->keyword, o->val))) {
			PQconninfoFree(opts);
			goto nomem;
		}
	PQconninfoFree(opts);
	if (passfile) {
		if ((rc = pg_check_passfile(passfile, "-o store_passfile", err, errlen)))
			return rc;
		if ((rc = kw_set(st, "passfile", passfile)))
			goto nomem;
	} else if (kw_get(st, "passfile")) {
		if ((rc = pg_check_passfile(kw_get(st, "passfile"), "passfile in -o store", err, errlen)))
			return rc;
	}
	/* HOST:PORT for sentences: the first of a multi-host list */
	const char *h = kw_get(st, "host"), *p = kw_get(st, "port");
	if (!h)
		h = kw_get(st, "hostaddr");
	char host[256];
	snprintf(host, sizeof(host), "%.*s:%.*s", h ? (int)strcspn(h, ",") : 9, h ? h : "localhost",
		 p ? (int)strcspn(p, ",") : 4, p ? p : "5432");
	if (!(st->host = strdup(host)))
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

/* ---- connections ---- */

/* The server's warnings (a NOTICE is dropped by client_min_messages) go
 * to stderr as the daemon's other messages do, not as libpq's bare lines. */
static void on_notice(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "osfs: store: %.*s\n", (int)strcspn(msg, "\n"), msg);
}

static int connect_conn(struct store *st, PGconn **out, char *err, size_t errlen)
{
	PGconn *c = PQconnectdbParams((const char *const *)st->keys, (const char *const *)st->vals, 0);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		const char *m = c ? PQerrorMessage(c) : "out of memory";
		/* libpq's message may span lines (one per host tried): the first */
		snprintf(err, errlen, "the store at %s cannot be reached: %.*s", st->host, (int)strcspn(m, "\n"), m);
		PQfinish(c);
		return -EIO;
	}
	PQsetNoticeProcessor(c, on_notice, NULL);
	PGresult *r = PQexec(c, st->readonly ? SESSION_SQL "; SET default_transaction_read_only = on" : SESSION_SQL);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		const char *m = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
		snprintf(err, errlen, "cannot set up a session on the store at %s: %.*s", st->host, (int)strcspn(m, "\n"), m);
		PQclear(r);
		PQfinish(c);
		return -EIO;
	}
	PQclear(r);
	*out = c;
	return 0;
}

int pg_db_after_commit(struct db *db, void (*fn)(const char *a, const char *b), const char *a, const char *b)
{
	if (!fn)
		return 0;
	if (!db->in_tx) {
		fn(a, b);
		return 0;
	}
	return store_notes_add(&db->notes, fn, a, b);
}

static struct db *db_new(struct store *st, PGconn *c)
{
	struct db *db = calloc(1, sizeof(*db));
	if (!db)
		return NULL;
	db->be = st->be;
	db->conn = c;
	db->store = st;
	return db;
}

static void db_free(struct db *db)
{
	store_notes_end(&db->notes, 0);
	free(db->sql);
	free(db->id);
	PQfinish(db->conn);
	free(db);
}

static void store_free(struct store *st)
{
	for (size_t i = 0; i < st->nkeys; i++) {
		free(st->keys[i]);
		free(st->vals[i]);
	}
	free(st->keys);
	free(st->vals);
	free(st->where);
	free(st->host);
	free(st);
}

int pg_store_prepare(struct store **out, const char *where, const char *passfile, int readonly, char *err,
		     size_t errlen)
{
	*out = NULL;
	int rc = pq_shim_load(err, errlen);
	if (rc)
		return rc;
	struct store *st = calloc(1, sizeof(*st));
	if (!st || !(st->where = strdup(where))) {
		snprintf(err, errlen, "out of memory");
		free(st);
		return -ENOMEM;
	}
	st->be = &pg_backend;
	st->readonly = readonly;
	if ((rc = build_keywords(st, where, passfile, err, errlen))) {
		store_free(st);
		return rc;
	}
	pthread_mutex_init(&st->lock, NULL);
	*out = st;
	return 0;
}

int pg_store_open_with(struct store **out, const char *where, const char *passfile, int readonly, char *err,
		       size_t errlen)
{
	struct store *st;
	PGconn *c = NULL;
	int rc = pg_store_prepare(&st, where, passfile, readonly, err, errlen);
	if (rc)
		return rc;
	if ((rc = connect_conn(st, &c, err, errlen)))
		goto fail;
	if ((rc = pg_schema_apply(c, readonly, &st->migrated, err, errlen)))
		goto fail;
	if (!(st->free = db_new(st, c))) {
		rc = -ENOMEM;
		goto fail;
	}
	st->nconn = 1;
	*out = st;
	return 0;
fail:
	PQfinish(c);
	pthread_mutex_destroy(&st->lock);
	store_free(st);
	return rc;
}

int pg_store_open(struct store **out, const char *where, int readonly, char *err, size_t errlen)
{
	return pg_store_open_with(out, where, NULL, readonly, err, errlen);
}

void pg_store_close(struct store *st)
{
	if (!st)
		return;
	pg_store_unwatch(st); /* its thread uses the pool */
	pg_store_close(st->standby);
	while (st->free) {
		struct db *n = st->free->next_free;
		db_free(st->free);
		st->free = n;
	}
	pthread_mutex_destroy(&st->lock);
	store_free(st);
}

const char *pg_store_where(const struct store *st)
{
	return st->where;
}

const char *pg_store_engine_version(void)
{
	static char v[48];
	char err[8];
	if (!v[0] && pq_shim_load(err, sizeof(err)) != 0)
		snprintf(v, sizeof(v), "PostgreSQL (libpq not installed)");
	else if (!v[0]) {
		int n = PQlibVersion(); /* 150018: 15.18 */
		snprintf(v, sizeof(v), "PostgreSQL (libpq %d.%d)", n / 10000, n % 10000);
	}
	return v;
}

/* The server's disk is not visible from here: statfs shows the database's
 * size as used and, as free, a fixed 1 TiB (no tool should refuse to
 * write because of a figure osfs cannot know). */
int pg_store_statvfs(const struct store *st, struct statvfs *sv)
{
	struct db *db = pg_store_acquire((struct store *)st);
	if (!db)
		return -EIO;
	PGresult *r;
	int rc = pg_query(db, "SELECT pg_database_size(current_database())", PG_NOARGS, &r);
	int64_t size = 0;
	if (rc == 0) {
		size = PQntuples(r) ? pg_get_i64(r, 0, 0) : 0;
		PQclear(r);
	}
	pg_store_release(db);
	if (rc)
		return rc;
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = sv->f_frsize = 4096;
	sv->f_bfree = sv->f_bavail = ((uint64_t)1 << 40) / 4096;
	sv->f_blocks = (fsblkcnt_t)(size / 4096) + sv->f_bfree;
	sv->f_namemax = 255;
	return 0;
}

int64_t pg_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How long after a failed connection no other is tried: requests in that
 * second fail at once; the first one after it tries again, so the store
 * recovers by itself when its server is back. */
#define DOWN_MS 1000

int pg_store_down(struct store *st)
{
	pthread_mutex_lock(&st->lock);
	int down = st->down_until && pg_now_ms() < st->down_until;
	pthread_mutex_unlock(&st->lock);
	return down;
}

/* The sentence of an outage, once per outage (docs/scale-out.md,
 * "Failures"): the errno is for the tool, this is for the person. */
static void outage(struct store *st, const char *why)
{
	pthread_mutex_lock(&st->lock);
	int said = st->down_said;
	st->down_said = 1;
	st->down_until = pg_now_ms() + DOWN_MS;
	pthread_mutex_unlock(&st->lock);
	if (said)
		return;
	if (st->is_standby)
		fprintf(stderr, "osfs: the standby at %s cannot be reached; reading from the primary (%s)\n", st->host,
			why);
	else if (st->standby)
		fprintf(stderr, "osfs: the store's primary at %s cannot be reached; installs resume when it is back (%s)\n",
			st->host, why);
	else
		fprintf(stderr, "osfs: the store at %s cannot be reached; osfs retries every second (%s)\n", st->host,
			why);
}

static void outage_end(struct store *st)
{
	pthread_mutex_lock(&st->lock);
	int said = st->down_said;
	st->down_said = 0;
	st->down_until = 0;
	pthread_mutex_unlock(&st->lock);
	if (said)
		fprintf(stderr, "osfs: the %s at %s answers again\n",
			st->is_standby ? "standby" : st->standby ? "store's primary" : "store", st->host);
}

/* A new connection, unless st is in an outage window.  0 or -errno. */
static int reconnect(struct store *st, PGconn **out)
{
	char err[512];
	*out = NULL;
	if (pg_store_down(st))
		return -EIO;
	if (connect_conn(st, out, err, sizeof(err))) {
		outage(st, err);
		return -EIO;
	}
	outage_end(st);
	return 0;
}

/* A connection of the pool, or a new one.  When the server cannot be
 * reached, a connection of the primary's store is still handed out, with
 * no PGconn: its statements fail -EIO and pg_db_begin() fails with the
 * outage's errno (EROFS while a standby serves the reads), so that every
 * caller tells the user why.  A standby's store gives NULL instead (its
 * caller reads from the primary). */
struct db *pg_store_acquire(struct store *st)
{
	pthread_mutex_lock(&st->lock);
	struct db *db = st->free;
	if (db)
		st->free = db->next_free;
	pthread_mutex_unlock(&st->lock);
	if (db)
		return db;
	PGconn *c;
	if (reconnect(st, &c) && st->is_standby)
		return NULL;
	if (!(db = db_new(st, c))) {
		PQfinish(c);
		return NULL;
	}
	pthread_mutex_lock(&st->lock);
	st->nconn++;
	pthread_mutex_unlock(&st->lock);
	return db;
}

/* A pooled connection whose server went away (a restart, a failover, an
 * idle timeout) is only found out when used.  The first statement of a
 * request, BEGIN, had no effect yet: on a broken connection it is tried
 * once more on a new one, so a restarted server costs no request an
 * error.  Returns 0 or -errno. */
int pg_db_revive(struct db *db)
{
	PGconn *c;
	int rc = reconnect(db->store, &c);
	if (rc)
		return rc;
	PQfinish(db->conn);
	db->conn = c;
	/* the prepared statements went with the old session */
	if (db->sql)
		memset(db->sql, 0, db->capcache * sizeof(*db->sql));
	db->ncache = 0;
	return 0;
}

int pg_db_lost(const struct db *db)
{
	const struct store *st = db->store;
	return st->standby && !st->is_standby ? -EROFS : -EIO;
}

static int begin_fresh(struct db *db, const char *sql)
{
	int rc = db->conn ? pg_simple(db, sql) : -EIO;
	if (rc == 0 || PQstatus(db->conn) != CONNECTION_BAD)
		return rc;
	if (pg_db_revive(db))
		return rc;
	return pg_simple(db, sql);
}

/* One snapshot for the whole request, as SQLite's read transaction. */
struct db *pg_store_acquire_read(struct store *st)
{
	struct db *db = st->standby ? pg_standby_read(st, 0) : NULL;
	if (db)
		return db;
	db = pg_store_acquire(st);
	if (db && begin_fresh(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") == 0) {
		db->in_read = 1;
		return db;
	}
	/* The primary is down: what the standby has, however far behind,
	 * rather than EIO. */
	struct db *stale = st->standby && (!db || !db->conn || PQstatus(db->conn) == CONNECTION_BAD)
				   ? pg_standby_read(st, 1)
				   : NULL;
	if (stale) {
		pg_store_release(db);
		return stale;
	}
	return db; /* without the transaction, statements run one by one */
}

/* SELECT takes the snapshot of a REPEATABLE READ transaction (BEGIN does
 * not); it then lasts until the transaction ends. */
int pg_db_hold_snapshot(struct db *db)
{
	int rc = pg_exec(db, "SELECT 1", PG_NOARGS);
	return rc < 0 ? rc : 0;
}

void pg_store_on_begin(struct store *st, void (*fn)(void *ctx, int phase), void *ctx)
{
	st->on_begin = fn;
	st->on_begin_ctx = ctx;
}

void pg_store_release(struct db *db)
{
	if (!db)
		return;
	idletrim_note();
	if (db->in_tx)
		pg_db_rollback(db); /* a caller forgot: never leak a row lock */
	if (db->in_read && pg_simple(db, "COMMIT") != 0)
		pg_simple(db, "ROLLBACK");
	db->in_read = 0;
	db->tx_err = 0;
	struct store *st = db->store;
	/* A connection that broke, or is still inside a transaction, is not
	 * lent again: the next request opens a fresh one. */
	if (PQstatus(db->conn) != CONNECTION_OK || PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
		pthread_mutex_lock(&st->lock);
		st->nconn--;
		pthread_mutex_unlock(&st->lock);
		db_free(db);
		return;
	}
	pthread_mutex_lock(&st->lock);
	db->next_free = st->free;
	st->free = db;
	pthread_mutex_unlock(&st->lock);
}

/* ---- transactions ---- */

/* Writes run in READ COMMITTED: every statement sees what committed
 * before it began, so the checks made after a row lock see the other
 * writer's result (docs/scale-out.md, "Serializing concurrent writers"). */
/* The key of the lock every write transaction holds ('osfw'): writers run
 * one after another, as BEGIN IMMEDIATE makes them on SQLite, whichever
 * daemon they come from.  Each statement of READ COMMITTED then sees every
 * write committed before the lock was granted, so the checks an install
 * makes (is the version in the catalog? does anything depend on it?) hold
 * until it commits.  Per-tenant locks are docs/scale-out.md step 5. */
#define PG_WRITE_LOCK 1869838199
#define PG_STR_(x) #x
#define PG_STR(x) PG_STR_(x)

int pg_db_begin(struct db *db)
{
	int rc = begin_fresh(db, "BEGIN ISOLATION LEVEL READ COMMITTED");
	/* The primary cannot be reached: with a standby the store is
	 * read-only for now (the reads go on), without one it fails. */
	if (rc && (!db->conn || PQstatus(db->conn) == CONNECTION_BAD))
		return pg_db_lost(db);
	if (rc)
		return rc;
	db->in_tx = 1;
	db->tx_err = 0;
	if ((rc = pg_exec(db, "SELECT pg_advisory_xact_lock(" PG_STR(PG_WRITE_LOCK) ")", PG_NOARGS)) < 0) {
		pg_db_rollback(db);
		return rc;
	}
	if (db->store->on_begin)
		db->store->on_begin(db->store->on_begin_ctx, STORE_TX_BEGIN);
	return 0;
}

int pg_db_commit(struct db *db)
{
	int rc;
	/* PostgreSQL answers COMMIT of a failed transaction with ROLLBACK and
	 * no error: the failure must be told here. */
	if (PQtransactionStatus(db->conn) == PQTRANS_INERROR) {
		rc = db->tx_err ? db->tx_err : -EIO;
		pg_db_rollback(db);
		return rc;
	}
	int unconfirmed;
	PGresult *r = pg_commit_bounded(db, &unconfirmed);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = pg_errno(db, r);
	else
		rc = strcmp(PQcmdStatus(r), "COMMIT") ? (db->tx_err ? db->tx_err : -EIO) : 0;
	PQclear(r);
	if (rc) {
		pg_db_rollback(db);
		return rc;
	}
	/* Committed on the primary but not confirmed by the synchronous
	 * standby: what follows a commit happens (the change is there), and
	 * the caller is told EIO (commit.c). */
	rc = unconfirmed ? -EIO : 0;
	db->in_tx = 0;
	db->tx_err = 0;
	if (db->store->standby)
		pg_standby_need(db); /* read-your-writes: the standby must have it */
	if (db->store->on_begin)
		db->store->on_begin(db->store->on_begin_ctx, STORE_TX_COMMIT);
	store_notes_end(&db->notes, 1);
	return rc;
}

/* PostgreSQL's commits stay durable at once: the server's fsync is
 * already shared by its concurrent commits (its own group commit), and
 * synchronous_commit=off would be the server administrator's choice. */
int pg_db_begin_lazy(struct db *db)
{
	return pg_db_begin(db);
}

int pg_store_sync(struct store *st)
{
	(void)st;
	return 0;
}

void pg_db_rollback(struct db *db)
{
	PGTransactionStatusType s = PQtransactionStatus(db->conn);
	if (s == PQTRANS_INTRANS || s == PQTRANS_INERROR) {
		PGresult *r = PQexec(db->conn, "ROLLBACK");
		PQclear(r);
	}
	if (db->in_tx && db->store->on_begin)
		db->store->on_begin(db->store->on_begin_ctx, STORE_TX_ROLLBACK);
	db->in_tx = 0;
	db->tx_err = 0;
	store_notes_end(&db->notes, 0);
}

/* The store clock: the database server's clock (one clock for every
 * daemon), but strictly after every time handed out before.  One
 * statement: the upsert takes the clock row's lock, so two transactions
 * get their times one after the other, the second seeing the first's.
 * Later kept per lock domain (docs/scale-out.md). */
#define WALL_NS "(extract(epoch from clock_timestamp()) * 1000000000)::bigint"
int pg_db_now(struct db *db, int64_t span, int64_t *ns)
{
	PGresult *r;
	int rc = pg_query(db,
			  "INSERT INTO meta AS m(key, value) VALUES('clock', " WALL_NS " + $1) "
			  "ON CONFLICT(key) DO UPDATE SET value = greatest(m.value + 1, " WALL_NS ") + $1 "
			  "RETURNING value - $1",
			  PG_ARGS(pg_i64(span > 0 ? span : 0)), &r);
	if (rc)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return -EIO;
	}
	*ns = pg_get_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

int pg_db_set_meta(struct db *db, const char *key, int64_t v)
{
	int rc = pg_exec(db,
			 "INSERT INTO meta(key, value) VALUES($1, $2) "
			 "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			 PG_ARGS(pg_text(key), pg_i64(v)));
	return rc < 0 ? rc : 0;
}
