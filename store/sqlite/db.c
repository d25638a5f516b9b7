/* db: store connections, statement cache, transactions, clock. */
#include "store/db.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "lib/idletrim.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite.h"

/* Long enough to ride out a large install by another connection. */
#define BUSY_TIMEOUT_MS 30000

/* SQLite's page cache per connection, in KiB (docs/performance.md,
 * "Memory").  A reader needs little: every query is an index lookup, and
 * the pages come from the kernel's page cache.  A writer's transaction
 * gets the large one, so that an install of 100,000 records does not spill
 * dirty pages; it is shrunk back at the commit.  The pool holds one
 * connection per request served at once, so the readers' size is the one
 * that multiplies.  Overridable with -D for measuring. */
#ifndef READ_CACHE_KIB
#define READ_CACHE_KIB 1024
#endif
#ifndef WRITE_CACHE_KIB
#define WRITE_CACHE_KIB 16384
#endif
#define STR2(x) #x
#define STR(x) STR2(x)
#define READ_CACHE_PRAGMA "PRAGMA cache_size=-" STR(READ_CACHE_KIB)
#define WRITE_CACHE_PRAGMA "PRAGMA cache_size=-" STR(WRITE_CACHE_KIB)

static int setup(sqlite3 *c, int readonly, int memory, char *err, size_t errlen)
{
	static const char *pragmas[] = {
		"PRAGMA foreign_keys=ON",
		"PRAGMA synchronous=FULL", /* an install is durable once close() returned */
		"PRAGMA temp_store=MEMORY",
		READ_CACHE_PRAGMA,
	};
	sqlite3_busy_timeout(c, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(c, 1);
	if (!memory && !readonly) {
		char *msg = NULL;
		if (sqlite3_exec(c, "PRAGMA journal_mode=WAL", NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, errlen, "cannot switch the store to WAL: %s", msg ? msg : "?");
			sqlite3_free(msg);
			return -EIO;
		}
	}
	for (size_t i = 0; i < sizeof(pragmas) / sizeof(*pragmas); i++) {
		if (sqlite3_exec(c, pragmas[i], NULL, NULL, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s failed: %s", pragmas[i], sqlite3_errmsg(c));
			return -EIO;
		}
	}
	return 0;
}

static int open_conn(struct store *st, sqlite3 **out, char *err, size_t errlen)
{
	int memory = !strcmp(st->path, ":memory:");
	/* NOFOLLOW: a symbolic link planted at the store's path is refused
	 * (storefile.c refuses it first, with a sentence). */
	int flags = (st->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
		    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE | (memory ? 0 : SQLITE_OPEN_NOFOLLOW);
	sqlite3 *c = NULL;
	int rc = sqlite3_open_v2(st->path, &c, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open the store %s: %s", st->path, c ? sqlite3_errmsg(c) : sqlite3_errstr(rc));
		sqlite3_close(c);
		return rc == SQLITE_CANTOPEN ? -ENOENT : rc == SQLITE_PERM ? -EACCES : -EIO;
	}
	rc = setup(c, st->readonly, memory, err, errlen);
	if (rc) {
		sqlite3_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int sq_db_after_commit(struct db *db, void (*fn)(const char *a, const char *b), const char *a, const char *b)
{
	if (!fn)
		return 0;
	if (!db->in_tx) {
		fn(a, b);
		return 0;
	}
	return store_notes_add(&db->notes, fn, a, b);
}

static struct db *db_new(struct store *st, sqlite3 *c)
{
	struct db *db = calloc(1, sizeof(*db));
	if (!db)
		return NULL;
	db->hdr.be = &sq_backend;
	db->conn = c;
	db->store = st;
	if (!st->readonly) /* replaces SQLite's automatic checkpoint */
		sqlite3_wal_hook(c, ckpt_wal_hook, db);
	return db;
}

static void db_free(struct db *db)
{
	store_notes_end(&db->notes, 0);
	for (size_t i = 0; i < db->capcache; i++)
		if (db->stmt && db->stmt[i])
			sqlite3_finalize(db->stmt[i]);
	free(db->sql);
	free(db->stmt);
	sqlite3_close(db->conn);
	free(db);
}

int sq_store_open(struct store **out, const char *path, int readonly, char *err, size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));
	sqlite3 *c = NULL;
	int rc = -ENOMEM;
	*out = NULL;
	if (!st || !(st->path = strdup(path))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	st->hdr.be = &sq_backend;
	st->readonly = readonly;
	pthread_mutex_init(&st->lock, NULL);
	if ((rc = open_conn(st, &c, err, errlen)))
		goto fail;
	if ((rc = schema_apply(c, readonly, err, errlen)))
		goto fail;
	/* The first connection is kept: for ":memory:" it is the store. */
	if (!(st->free = db_new(st, c))) {
		rc = -ENOMEM;
		goto fail;
	}
	st->nconn = 1;
	*out = st;
	return 0;
fail:
	sqlite3_close(c);
	if (st) {
		free(st->path);
		free(st);
	}
	return rc;
}

/* OSFS_MEMSTAT=1: where the store's memory is, printed when it closes
 * (docs/performance.md, "Memory"): each pooled connection's page cache and
 * statements, and SQLite's heap as a whole. */
static void memstat(const struct store *st)
{
	int cur, hi;
	size_t n = 0;
	for (const struct db *d = st->free; d; d = d->next_free, n++) {
		int cache, stmt, schema;
		sqlite3_db_status(d->conn, SQLITE_DBSTATUS_CACHE_USED, &cache, &hi, 0);
		sqlite3_db_status(d->conn, SQLITE_DBSTATUS_STMT_USED, &stmt, &hi, 0);
		sqlite3_db_status(d->conn, SQLITE_DBSTATUS_SCHEMA_USED, &schema, &hi, 0);
		fprintf(stderr, "osfs: memstat: connection %zu: page cache %d kB, %zu statements %d kB, schema %d kB\n",
			n, cache / 1024, d->ncache, stmt / 1024, schema / 1024);
	}
	sqlite3_status(SQLITE_STATUS_MEMORY_USED, &cur, &hi, 0);
	fprintf(stderr, "osfs: memstat: %zu connections (%zu idle); SQLite heap %d kB, peak %d kB\n", st->nconn, n,
		cur / 1024, hi / 1024);
	struct mallinfo2 mi = mallinfo2();
	fprintf(stderr, "osfs: memstat: malloc: arenas %zu kB (in use %zu kB, free %zu kB), mapped %zu kB\n",
		mi.arena / 1024, mi.uordblks / 1024, mi.fordblks / 1024, mi.hblkhd / 1024);
}

void sq_store_close(struct store *st)
{
	if (!st)
		return;
	if (getenv("OSFS_MEMSTAT"))
		memstat(st);
	lazysync_stop(st);
	while (st->free) {
		struct db *n = st->free->next_free;
		db_free(st->free);
		st->free = n;
	}
	pthread_mutex_destroy(&st->lock);
	free(st->path);
	free(st);
}

const char *sq_store_where(const struct store *st)
{
	return st->path;
}

const char *sq_engine_version(void)
{
	static char v[32];
	if (!v[0])
		snprintf(v, sizeof(v), "SQLite %s", sqlite3_libversion());
	return v;
}

/* The folder of the database file holds it and its -wal and -shm. */
int sq_store_statvfs(const struct store *st, struct statvfs *sv)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", st->path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	return statvfs(dir, sv) < 0 ? -errno : 0;
}

struct db *sq_store_acquire(struct store *st)
{
	pthread_mutex_lock(&st->lock);
	struct db *db = st->free;
	if (db)
		st->free = db->next_free;
	pthread_mutex_unlock(&st->lock);
	if (db)
		return db;
	if (!strcmp(st->path, ":memory:"))
		return NULL; /* one connection only, and it is in use */
	char err[256];
	sqlite3 *c;
	if (open_conn(st, &c, err, sizeof(err))) {
		fprintf(stderr, "osfs: %s\n", err);
		return NULL;
	}
	if (!(db = db_new(st, c))) {
		sqlite3_close(c);
		return NULL;
	}
	pthread_mutex_lock(&st->lock);
	st->nconn++;
	pthread_mutex_unlock(&st->lock);
	return db;
}

void sq_store_on_begin(struct store *st, void (*fn)(void *ctx, int phase), void *ctx)
{
	st->on_begin = fn;
	st->on_begin_ctx = ctx;
}

struct db *sq_store_acquire_read(struct store *st)
{
	struct db *db = sq_store_acquire(st);
	if (db && db_exec_stmt(db, db_stmt(db, "BEGIN")) == 0)
		db->in_read = 1;
	return db; /* without the transaction, statements run one by one */
}

int sq_db_hold_snapshot(struct db *db)
{
	/* Any read will do; the snapshot lasts until the transaction ends,
	 * not the statement. */
	sqlite3_stmt *st = db_stmt(db, "SELECT value FROM meta WHERE key='created'");
	int rc = db_step(db, st);
	if (st)
		sqlite3_reset(st);
	return rc < 0 ? rc : 0;
}

void sq_store_release(struct db *db)
{
	if (!db)
		return;
	idletrim_note();
	if (db->in_tx)
		sq_db_rollback(db); /* a caller forgot: never leak a write lock */
	if (db->in_read) {
		if (db_exec_stmt(db, db_stmt(db, "COMMIT")) != 0)
			sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
		db->in_read = 0;
		ckpt_after_read(db);
	}
	struct store *st = db->store;
	pthread_mutex_lock(&st->lock);
	db->next_free = st->free;
	st->free = db;
	pthread_mutex_unlock(&st->lock);
}

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
	n.stmt = calloc(cap, sizeof(*n.stmt));
	if (!n.sql || !n.stmt) {
		free(n.sql);
		free(n.stmt);
		return -ENOMEM;
	}
	for (size_t i = 0; i < db->capcache; i++) {
		if (!db->sql[i])
			continue;
		size_t j = slot_of(&n, db->sql[i]);
		n.sql[j] = db->sql[i];
		n.stmt[j] = db->stmt[i];
	}
	free(db->sql);
	free(db->stmt);
	db->sql = n.sql;
	db->stmt = n.stmt;
	db->capcache = cap;
	return 0;
}

/* OSFS_PLAN_LOG=FILE (for the tests): every step of a statement's query
 * plan that reads a whole table or index ("SCAN ...") is appended to FILE
 * when the statement is first prepared, with its SQL on one line, so that
 * tests/integration/run.sh can hold every query to an index
 * (tests/integration/plans.allow lists the scans that are meant).  A
 * diagnostic: a failure here only loses log lines. */
static void plan_log(sqlite3 *c, const char *sql)
{
	const char *path = getenv("OSFS_PLAN_LOG");
	if (!path || !*path)
		return;
	char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	sqlite3_stmt *st = NULL;
	FILE *f = NULL;
	if (q && sqlite3_prepare_v2(c, q, -1, &st, NULL) == SQLITE_OK)
		f = fopen(path, "a");
	while (f && sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);
		if (!d || strncmp(d, "SCAN ", 5) || !strcmp(d, "SCAN CONSTANT ROW"))
			continue;
		fprintf(f, "%s\t", d);
		int prev = ' ';
		for (const char *p = sql; *p; p++) {
			int ch = *p == '\n' || *p == '\t' ? ' ' : *p;
			if (ch != ' ' || prev != ' ')
				fputc(ch, f);
			prev = ch;
		}
		fputc('\n', f);
	}
	if (f)
		fclose(f);
	sqlite3_finalize(st);
	sqlite3_free(q);
}

sqlite3_stmt *db_stmt(struct db *db, const char *sql)
{
	if ((db->ncache + 1) * 2 > db->capcache && cache_grow(db) < 0)
		return NULL;
	size_t i = slot_of(db, sql);
	if (db->sql[i]) {
		sqlite3_stmt *st = db->stmt[i];
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "osfs: internal error: cannot prepare SQL: %s\n  %s\n", sqlite3_errmsg(db->conn), sql);
		return NULL;
	}
	plan_log(db->conn, sql);
	db->sql[i] = sql;
	db->stmt[i] = st;
	db->ncache++;
	return st;
}

int db_errno(struct db *db, int rc)
{
	switch (rc & 0xFF) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		fprintf(stderr, "osfs: the store is busy: %s\n", sqlite3_errmsg(db->conn));
		return -EAGAIN;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	default:
		fprintf(stderr, "osfs: store error: %s\n", sqlite3_errmsg(db->conn));
		return -EIO;
	}
}

int db_step(struct db *db, sqlite3_stmt *st)
{
	if (!st)
		return -EIO;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	rc = db_errno(db, rc);
	sqlite3_reset(st);
	return rc;
}

int db_exec_stmt(struct db *db, sqlite3_stmt *st)
{
	int rc = db_step(db, st);
	if (st)
		sqlite3_reset(st);
	return rc > 0 ? 0 : rc;
}

int db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (!st)
		return -EIO;
	int rc = s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
	return rc == SQLITE_OK ? 0 : -EIO;
}

/* The write cache for the transaction's length (see READ_CACHE_KIB); a
 * failure to resize costs speed, not correctness, so it is not an error. */
static void cache_for_write(struct db *db, int write)
{
	if (READ_CACHE_KIB == WRITE_CACHE_KIB)
		return;
	db_exec_stmt(db, db_stmt(db, write ? WRITE_CACHE_PRAGMA : READ_CACHE_PRAGMA));
}

int sq_db_begin(struct db *db)
{
	ckpt_before_write(db);
	cache_for_write(db, 1);
	int rc = db_exec_stmt(db, db_stmt(db, "BEGIN IMMEDIATE"));
	if (rc == 0) {
		db->in_tx = 1;
		if (db->store->on_begin)
			db->store->on_begin(db->store->on_begin_ctx, STORE_TX_BEGIN);
	} else
		cache_for_write(db, 0);
	return rc;
}

int sq_db_commit(struct db *db)
{
	int rc = db_exec_stmt(db, db_stmt(db, "COMMIT"));
	if (rc == 0) {
		db->in_tx = 0;
		if (db->store->on_begin)
			db->store->on_begin(db->store->on_begin_ctx, STORE_TX_COMMIT);
		cache_for_write(db, 0);
		lazysync_end(db, 1);
		ckpt_after_commit(db);
		store_notes_end(&db->notes, 1);
	} else {
		sq_db_rollback(db);
	}
	return rc;
}

void sq_db_rollback(struct db *db)
{
	if (sqlite3_get_autocommit(db->conn) == 0)
		sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
	if (db->in_tx) {
		cache_for_write(db, 0);
		if (db->store->on_begin)
			db->store->on_begin(db->store->on_begin_ctx, STORE_TX_ROLLBACK);
	}
	db->in_tx = 0;
	lazysync_end(db, 0);
	store_notes_end(&db->notes, 0);
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int sq_db_now(struct db *db, int64_t span, int64_t *ns)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT value FROM meta WHERE key='clock'");
	int rc = db_step(db, st);
	if (rc < 0)
		return rc;
	int64_t last = rc ? sqlite3_column_int64(st, 0) : 0, now = wall_ns();
	sqlite3_reset(st);
	if (now <= last)
		now = last + 1;
	st = db_stmt(db, "INSERT INTO meta(key, value) VALUES('clock', ?1) "
			 "ON CONFLICT(key) DO UPDATE SET value=excluded.value");
	if (!st)
		return -EIO;
	/* Files of one event get distinct times by adding their index in
	 * nanoseconds; the next event starts after all of them. */
	sqlite3_bind_int64(st, 1, now + (span > 0 ? span : 0));
	rc = db_exec_stmt(db, st);
	if (rc == 0)
		*ns = now;
	return rc;
}

int sq_db_set_meta(struct db *db, const char *key, int64_t v)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO meta(key, value) VALUES(?1, ?2) "
				       "ON CONFLICT(key) DO UPDATE SET value=excluded.value");
	if (!st || db_bind_text(st, 1, key) < 0)
		return -EIO;
	sqlite3_bind_int64(st, 2, v);
	return db_exec_stmt(db, st);
}
