/* db: the store, its connections and transactions, as every layer above
 * store/ sees them.  Which engine is behind (store/sqlite/ today; see
 * docs/scale-out.md) is known only inside store/: struct store and struct
 * db are opaque here, and no header of store/ includes an engine's.
 *
 * One `struct store` per opened store; it hands out `struct db`
 * connections so that FUSE worker threads read in parallel while writes
 * serialize.
 */
#ifndef OSFS_DB_H
#define OSFS_DB_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct db;
struct statvfs;

/* Opens (creating if needed) the store at path, its schema created or
 * checked.  ":memory:" gives a private in-memory store with a single
 * connection (for osfsctl validate).  Returns 0 or -errno, with a
 * sentence in err. */
int store_open(struct store **out, const char *path, int readonly, char *err, size_t errlen);
/* The same, with the file holding a PostgreSQL store's password
 * (-o store_passfile=FILE: a regular file of the caller's, no group or
 * other bits); NULL for none (libpq's PGPASSFILE and ~/.pgpass still
 * apply).  A SQLite store has no password: a passfile is refused. */
int store_open_pass(struct store **out, const char *where, const char *passfile, int readonly, char *err,
		    size_t errlen);
void store_close(struct store *st);
/* Sends a PostgreSQL store's reads to the hot standby of the connection
 * string where (-o store_read=; docs/scale-out.md, "Standby reads"), its
 * password from passfile as for store_open_pass().  The daemon still
 * reads its own writes.  Returns 0 or -errno with a sentence in err (a
 * SQLite store has no standby: -EINVAL). */
int store_set_read(struct store *st, const char *where, const char *passfile, char *err, size_t errlen);

/* Whether a store string names a PostgreSQL database rather than a SQLite
 * file: "postgresql://...", "postgres://...", or libpq's key=value pairs
 * starting with one of its keywords ("host=... dbname=...").  A SQLite
 * store is a file of this machine, which the daemon locks and keeps
 * private (fs/lock.h, store/storefile.h); a database is neither. */
int store_is_pg(const char *where);

/* Where the store is, as given to store_open() (a file path). */
const char *store_where(const struct store *st);
/* The engine and its version, for --version: "SQLite 3.40.1". */
const char *store_engine_version(void);
/* Space figures of the file system that holds the store, for statfs. */
int store_statvfs(const struct store *st, struct statvfs *sv);

/* A connection for the calling thread's current request.  Returns NULL
 * on failure (ENOMEM, or the file cannot be opened). */
struct db *store_acquire(struct store *st);
/* The same, inside a read transaction that store_release() ends: every
 * statement of a request sees one snapshot, and the locks and checks of a
 * transaction are paid once instead of once per statement. */
struct db *store_acquire_read(struct store *st);
void store_release(struct db *db);
/* Makes the read transaction of store_acquire_read() take its snapshot
 * now (SQLite takes it at the first read): from here on it sees the
 * store as it is at this call, whatever commits later.  0 or -errno. */
int db_hold_snapshot(struct db *db);

/* Begin a write transaction / commit / roll back.  Writes always go
 * through these. */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
/* Begins a write transaction whose db_commit() is durable (on power
 * loss) a moment after it returned instead of before: SQLite's WAL is
 * fdatasync()ed by a thread of the store's, once for all the lazy commits
 * made meanwhile (store/sqlite/lazysync.c); a crash of the daemon loses
 * nothing.  PostgreSQL commits durably.  For records written through
 * data/ (docs/records.md, "Durability"). */
int db_begin_lazy(struct db *db);
/* Returns once every lazy commit made before the call is durable: 0, or
 * -errno of a failed sync. */
int store_sync(struct store *st);

/* fn(ctx, STORE_TX_BEGIN) is called on the writing thread each time a
 * write transaction has taken the write lock, before it changes anything:
 * the state the store has then is the one before the change (the FUSE
 * layer reads the files a change removes from it, fs/keep.h); then
 * STORE_TX_COMMIT or STORE_TX_ROLLBACK when it ends.  NULL: none.  Set
 * before the first transaction. */
enum { STORE_TX_BEGIN, STORE_TX_COMMIT, STORE_TX_ROLLBACK };
void store_on_begin(struct store *st, void (*fn)(void *ctx, int phase), void *ctx);

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

#endif
