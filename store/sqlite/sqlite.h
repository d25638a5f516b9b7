/* sqlite: the SQLite backend's own header, for the files of store/sqlite/ (and the
 * unit tests of that backend) only.  Every SQL statement of osfs lives
 * under store/; this is the one place <sqlite3.h> is seen.
 *
 * One `struct store` per database file; it hands out `struct db`
 * connections from a pool so that FUSE worker threads read in parallel
 * (WAL) while writes serialize on BEGIN IMMEDIATE.  Each connection keeps
 * its prepared statements for reuse, keyed by the SQL text's address, so
 * every statement is compiled once per connection.
 */
#ifndef OSFS_STORE_SQLITE_H
#define OSFS_STORE_SQLITE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/backend.h"
#include "store/db.h"
#include "store/notes.h"

/* The engine's operations (store/ops.def), sq_<name>. */
#define OP(ret, op, params, args) ret sq_##op params;
#define VOP(op, params, args) void sq_##op params;
#include "store/ops.def"
#undef OP
#undef VOP


struct db {
	struct store_hdr hdr; /* first: the engine's table */
	sqlite3 *conn;
	struct store *store;
	struct db *next_free;
	/* prepared statements, open addressing on the SQL pointer */
	const char **sql;
	sqlite3_stmt **stmt;
	size_t ncache, capcache;
	int in_tx;
	int in_read;  /* a read transaction of store_acquire_read() */
	int lazy;     /* in a transaction of db_begin_lazy() */
	int wal_frames; /* the WAL's length after this connection's last commit */
	struct store_notes notes; /* db_after_commit's calls (store/notes.h) */
};

struct store {
	struct store_hdr hdr; /* first: the engine's table */
	char *path;
	int readonly;
	pthread_mutex_t lock;
	struct db *free;  /* idle connections */
	size_t nconn;
	struct lazysync *sync; /* db_commit_lazy's syncer (lazysync.c), or NULL */
	void (*on_begin)(void *ctx, int phase); /* store_on_begin() */
	void *on_begin_ctx;
	atomic_int ckpt_wanted; /* the WAL is long: checkpoint.c */
	atomic_int ckpt_busy;   /* a checkpoint is asked for or under way */
};

/* Stops the syncer after its last fdatasync (store_close). */
void lazysync_stop(struct store *st);
/* The end of a transaction of db_begin_lazy(), if db is in one: the
 * connection's commits are durable at once again, and a commit (committed)
 * is handed to the syncer. */
void lazysync_end(struct db *db, int committed);
/* Registered on every writable connection instead of SQLite's automatic
 * checkpoint (checkpoint.c says why). */
int ckpt_wal_hook(void *db, sqlite3 *conn, const char *name, int frames);
/* After a commit: asks for a checkpoint if the WAL is long. */
void ckpt_after_commit(struct db *db);
/* After a read transaction ended on db: the checkpoint asked for, if any. */
void ckpt_after_read(struct db *db);
/* The checkpoint itself, on db (the syncer's connection, or the reader's
 * own; NULL if none could be had); ends ckpt_busy. */
void ckpt_run(struct store *st, struct db *db);
/* Before a write transaction begins: waits for a checkpoint under way. */
void ckpt_before_write(struct db *db);
/* Hands the checkpoint to the syncer (started if need be), which calls
 * ckpt_run(); -1 if there is no syncer. */
int lazysync_checkpoint(struct db *db);
/* Returns once no checkpoint is asked for or under way (ckpt_busy). */
void lazysync_wait_checkpoint(struct store *st);

/* The prepared statement for sql, reset and with bindings cleared.  sql
 * must be a string literal (it is cached by address). */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);

/* Runs a statement that returns no rows; returns 0 or -errno. */
int db_exec_stmt(struct db *db, sqlite3_stmt *st);
/* sqlite3_step() mapped: 1 for a row, 0 when done, -errno on error. */
int db_step(struct db *db, sqlite3_stmt *st);

/* Maps an SQLite result code to a negative errno (and logs unexpected
 * ones to stderr with the SQLite message). */
int db_errno(struct db *db, int rc);

/* Binds text that is NUL-terminated; NULL binds SQL NULL. */
int db_bind_text(sqlite3_stmt *st, int i, const char *s);

#endif
