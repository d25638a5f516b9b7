/* db: the SQLite store: opening it, its connections, prepared statements,
 * transactions and clock.  Every SQL statement of osfs lives under store/.
 *
 * One `struct store` per database file; it hands out `struct db`
 * connections from a pool so that FUSE worker threads read in parallel
 * (WAL) while writes serialize on BEGIN IMMEDIATE.  Each connection keeps
 * its prepared statements for reuse, keyed by the SQL text's address, so
 * every statement is compiled once per connection.
 */
#ifndef OSFS_DB_H
#define OSFS_DB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct db_note;

struct db {
	sqlite3 *conn;
	struct store *store;
	struct db *next_free;
	/* prepared statements, open addressing on the SQL pointer */
	const char **sql;
	sqlite3_stmt **stmt;
	size_t ncache, capcache;
	int in_tx;
	int in_read;  /* a read transaction of store_acquire_read() */
	struct db_note *notes, **notes_end; /* see db_after_commit */
};

struct store {
	char *path;
	int readonly;
	pthread_mutex_t lock;
	struct db *free;  /* idle connections */
	size_t nconn;
};

/* Opens (creating if needed) the store at path: WAL, synchronous=FULL,
 * foreign keys on, the schema created or checked.  ":memory:" gives a
 * private in-memory store with a single connection (for osfsctl validate).
 * Returns 0 or -errno, with a sentence in err. */
int store_open(struct store **out, const char *path, int readonly, char *err, size_t errlen);
void store_close(struct store *st);

/* A connection for the calling thread's current request.  Returns NULL
 * on failure (ENOMEM, or the file cannot be opened). */
struct db *store_acquire(struct store *st);
/* The same, inside a read transaction that store_release() ends: every
 * statement of a request sees one snapshot, and the locks and checks of a
 * transaction are paid once instead of once per statement. */
struct db *store_acquire_read(struct store *st);
void store_release(struct db *db);

/* The prepared statement for sql, reset and with bindings cleared.  sql
 * must be a string literal (it is cached by address). */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);

/* Runs a statement that returns no rows; returns 0 or -errno. */
int db_exec_stmt(struct db *db, sqlite3_stmt *st);
/* sqlite3_step() mapped: 1 for a row, 0 when done, -errno on error. */
int db_step(struct db *db, sqlite3_stmt *st);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  Writes always go through these. */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* Calls fn(a, b) once the current write transaction has committed (at
 * once outside a transaction); a rollback, or a COMMIT that fails, drops
 * the call.  For what is told outside the store (stderr, syslog): an
 * event is told only once it happened.  a and b are copied.  Returns 0 or
 * -ENOMEM. */
int db_after_commit(struct db *db, void (*fn)(const char *a, const char *b), const char *a, const char *b);

/* The store clock, for use inside a write transaction: wall-clock time in
 * nanoseconds, but strictly after every time handed out before, so each
 * event has its own time even across clock steps and restarts.  The event
 * may use the span nanoseconds after *ns for its files. */
int db_now(struct db *db, int64_t span, int64_t *ns);
/* Sets meta.key (a time, a counter) to v. */
int db_set_meta(struct db *db, const char *key, int64_t v);

/* Maps an SQLite result code to a negative errno (and logs unexpected
 * ones to stderr with the SQLite message). */
int db_errno(struct db *db, int rc);

/* Binds text that is NUL-terminated; NULL binds SQL NULL. */
int db_bind_text(sqlite3_stmt *st, int i, const char *s);

#endif
