/* checkpoint: when the store's WAL is copied into the database and
 * started again, in place of SQLite's automatic checkpoint.
 *
 * SQLite starts its WAL again from the beginning only when a writer
 * commits whose transaction began after a checkpoint had copied every
 * frame (its read lock is then the database file's: wal.c,
 * walRestartLog) and no reader holds a snapshot inside the WAL; otherwise
 * the commit appends.  Every write transaction here holds a read snapshot
 * taken as it began (fs/keep.c) until its changes are reported, after the
 * COMMIT.  So SQLite's automatic checkpoint, which runs inside the COMMIT
 * of whichever connection pushed the WAL past 1000 frames, never copied
 * the last commit, the WAL was never started again, and from then on
 * every commit checkpointed and appended: 71 MB of WAL for 2,000 records
 * (docs/performance.md, W5).  A checkpoint on the syncer thread after the
 * commit fixed that on a quiet machine and not on a busy one: it raced
 * the next write, and in CI the next record's transaction had always
 * begun before it ran (51 MB of WAL for 1,500 records).
 *
 * So a commit that leaves the WAL past CKPT_FRAMES marks the store, and
 * the next read transaction to end asks the syncer thread (lazysync.c)
 * for the checkpoint.  The first such end after a write is that write's
 * own snapshot, released when its changes are reported; the checkpoint
 * then runs while the request is answered, and the next write transaction
 * waits for it to end before it begins (ckpt_before_write()): so that
 * write finds every frame copied and its commit starts the WAL again.  A
 * sequential rsync's next record waits for the copy of 4 MiB of WAL once
 * in about 250 records; the cp of an install that wrote 40 MB of WAL
 * returns before its copy (done on the request thread, it took W2c's
 * install of 100,000 seed records from 1.34 to 2.24 s).  If a reader
 * still held frames the store stays marked and the next read to end asks
 * again.  A store without a syncer (read-only, in memory) or where no
 * snapshot outlives a commit (no store_on_begin() hook: osfsctl)
 * checkpoints where SQLite would. */
#include "store/sqlite/sqlite.h"

/* SQLite's own threshold for its automatic checkpoint (4 MiB of WAL). */
#define CKPT_FRAMES 1000

/* Copies the WAL into the database as far as no reader still uses it
 * (PASSIVE: it waits for no one).  Returns 1 when every frame was copied
 * or there is nothing to copy (an error: the next commit asks again). */
static int checkpoint_conn(sqlite3 *conn)
{
	int log = 0, copied = 0;
	int rc = sqlite3_wal_checkpoint_v2(conn, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
	return rc != SQLITE_OK || copied >= log;
}

int ckpt_wal_hook(void *arg, sqlite3 *conn, const char *name, int frames)
{
	(void)conn;
	(void)name;
	((struct db *)arg)->wal_frames = frames;
	return SQLITE_OK;
}

void ckpt_after_commit(struct db *db)
{
	if (db->wal_frames < CKPT_FRAMES)
		return;
	db->wal_frames = 0;
	if (!db->store->on_begin)
		checkpoint_conn(db->conn);
	else
		atomic_store_explicit(&db->store->ckpt_wanted, 1, memory_order_relaxed);
}

void ckpt_after_read(struct db *db)
{
	struct store *st = db->store;
	if (!atomic_load_explicit(&st->ckpt_wanted, memory_order_relaxed))
		return;
	/* One thread at a time: the others' reads end as usual. */
	if (!atomic_exchange(&st->ckpt_wanted, 0))
		return;
	atomic_store(&st->ckpt_busy, 1);
	if (lazysync_checkpoint(db) < 0)
		ckpt_run(st, db); /* no syncer: here */
}

void ckpt_run(struct store *st, struct db *db)
{
	/* Not all copied, or no connection: the next read to end asks again. */
	if (!db || !checkpoint_conn(db->conn))
		atomic_store(&st->ckpt_wanted, 1);
	atomic_store(&st->ckpt_busy, 0);
}

void ckpt_before_write(struct db *db)
{
	if (atomic_load_explicit(&db->store->ckpt_busy, memory_order_acquire))
		lazysync_wait_checkpoint(db->store);
}
