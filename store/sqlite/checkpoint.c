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
 * the next read transaction to end runs the checkpoint on its connection.
 * The first such end after a write is that write's own snapshot, released
 * when its changes are reported, before the request is answered: the
 * checkpoint then copies every frame before the client can send its next
 * write, whose commit starts the WAL again.  If a reader still held frames
 * the store stays marked and the next read to end tries again.  A store
 * where no snapshot outlives a commit (no store_on_begin() hook: osfsctl)
 * checkpoints in the commit, as SQLite would. */
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
	if (!checkpoint_conn(db->conn))
		atomic_store(&st->ckpt_wanted, 1);
}
