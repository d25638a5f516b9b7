/* lazysync: commits that share their fsync (records written through
 * data/; docs/records.md, "Durability").
 *
 * A commit with synchronous=FULL fdatasync()s the WAL before COMMIT
 * returns: 1.5 ms or more on this disk, which a sequential rsync of 10,000
 * records pays 10,000 times (docs/performance.md, W5).  db_commit_lazy()
 * commits with synchronous=NORMAL instead, so COMMIT returns once the WAL
 * frames are written to the kernel, and wakes the store's syncer thread,
 * which fdatasync()s the WAL: once for every commit made while the last
 * one ran or in the GATHER_US after the first of them.  So the commit is durable about one fsync after it returned;
 * a daemon crash loses nothing (the kernel has the frames), a power loss
 * or kernel crash in that window may roll the last commits back (SQLite's
 * WAL recovery drops frames whose checksums do not match: the store is
 * never corrupt).  store_sync() waits for every lazy commit made before it
 * (fsync(2) of a record, the daemon's exit).  A later FULL commit (an
 * install) syncs the WAL too, and with it every lazy commit before it.
 *
 * The same thread runs the WAL's checkpoint when a read's end asks for it
 * (checkpoint.c says when, and why the next write waits for it); it goes
 * before a sync, which a waiting write does not need. */
#include "store/db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite/sqlite.h"
#include "lib/deadline.h"

/* How long the syncer lets commits gather before one fdatasync for all:
 * a sequential rsync commits a record every millisecond or so, and each
 * fdatasync (with the wake-up that asks for it) cost it 5-10% of the
 * daemon's CPU per record.  fsync(2) and the daemon's exit do not wait. */
#define GATHER_US 4000

struct lazysync {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	uint64_t committed, synced; /* lazy commits counted, and made durable */
	int gathering;              /* commits wait GATHER_US for more: no signal */
	int checkpoint;             /* ckpt_run() asked for (checkpoint.c) */
	struct store *st;           /* for the checkpoint's connection */
	int urgent;                 /* store_sync() waits: sync now */
	int err;                    /* -errno of the last failed fdatasync */
	int stop;
	char wal[4096];             /* the WAL's absolute path (the daemon's
				     * cwd is / once it daemonizes) */
};

/* fdatasync of the store's WAL: what SQLite's own FULL commit does. */
static int sync_wal(const struct lazysync *ls)
{
	int fd = open(ls->wal, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* no WAL: checkpointed and gone, synced */
	int rc = fdatasync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* Waits (ls->lock held) up to GATHER_US for more commits to share the
 * next fdatasync, unless someone waits for it. */
static void gather(struct lazysync *ls)
{
	struct timespec until = deadline_in_us(GATHER_US);
	ls->gathering = 1;
	while (!ls->urgent && !ls->checkpoint && !ls->stop)
		if (pthread_cond_timedwait(&ls->work, &ls->lock, &until) == ETIMEDOUT)
			break;
	ls->gathering = 0;
}

/* The checkpoint asked for (ls->lock held, let go meanwhile).  The
 * broadcast under the lock, after ckpt_run() cleared ckpt_busy, is what
 * lazysync_wait_checkpoint() waits for. */
static void run_checkpoint(struct lazysync *ls)
{
	ls->checkpoint = 0;
	pthread_mutex_unlock(&ls->lock);
	struct db *db = store_acquire(ls->st);
	ckpt_run(ls->st, db);
	store_release(db);
	pthread_mutex_lock(&ls->lock);
	pthread_cond_broadcast(&ls->done);
}

static void *syncer(void *arg)
{
	struct lazysync *ls = arg;
	pthread_mutex_lock(&ls->lock);
	for (;;) {
		while (ls->synced == ls->committed && !ls->checkpoint && !ls->stop)
			pthread_cond_wait(&ls->work, &ls->lock);
		if (ls->checkpoint) {
			/* First: a write may be waiting for it. */
			run_checkpoint(ls);
			continue;
		}
		if (ls->synced == ls->committed)
			break;
		gather(ls);
		if (ls->checkpoint)
			continue;
		ls->urgent = 0;
		uint64_t upto = ls->committed;
		pthread_mutex_unlock(&ls->lock);
		int rc = sync_wal(ls);
		pthread_mutex_lock(&ls->lock);
		if (rc < 0) {
			/* Told once per failure; the next commit retries. */
			fprintf(stderr, "osfs: cannot fdatasync %s: %s: the last records written may not be durable\n",
				ls->wal, strerror(-rc));
			ls->err = rc;
		}
		ls->synced = upto;
		pthread_cond_broadcast(&ls->done);
	}
	pthread_mutex_unlock(&ls->lock);
	return NULL;
}

/* The syncer, started at the first lazy commit; NULL if it cannot be
 * (the caller then commits durably at once). */
static struct lazysync *lazysync_of(struct db *db)
{
	struct store *st = db->store;
	const char *file = sqlite3_db_filename(db->conn, "main"); /* absolute; "" in memory */
	pthread_mutex_lock(&st->lock);
	if (!st->sync && file && *file && (st->sync = calloc(1, sizeof(*st->sync)))) {
		struct lazysync *ls = st->sync;
		if (snprintf(ls->wal, sizeof(ls->wal), "%s-wal", file) >= (int)sizeof(ls->wal)) {
			free(ls);
			st->sync = NULL;
			pthread_mutex_unlock(&st->lock);
			return NULL;
		}
		ls->st = st;
		pthread_mutex_init(&ls->lock, NULL);
		pthread_cond_init(&ls->work, NULL);
		pthread_cond_init(&ls->done, NULL);
		if (pthread_create(&ls->thread, NULL, syncer, ls)) {
			pthread_cond_destroy(&ls->work);
			pthread_cond_destroy(&ls->done);
			pthread_mutex_destroy(&ls->lock);
			free(ls);
			st->sync = NULL;
		}
	}
	struct lazysync *ls = st->sync;
	pthread_mutex_unlock(&st->lock);
	return ls;
}

int sq_db_begin_lazy(struct db *db)
{
	struct lazysync *ls = db->store->readonly ? NULL : lazysync_of(db);
	if (!ls)
		return sq_db_begin(db); /* no syncer: durable at once */
	/* SQLite refuses a change of synchronous inside a transaction. */
	int rc = db_exec_stmt(db, db_stmt(db, "PRAGMA synchronous=NORMAL"));
	if (rc == 0) {
		db->lazy = 1;
		rc = sq_db_begin(db);
		if (rc < 0)
			lazysync_end(db, 0);
	}
	return rc;
}

void lazysync_end(struct db *db, int committed)
{
	if (!db->lazy)
		return;
	db->lazy = 0;
	/* Every other transaction of this connection stays durable at once. */
	if (db_exec_stmt(db, db_stmt(db, "PRAGMA synchronous=FULL")) < 0)
		fprintf(stderr, "osfs: cannot set synchronous=FULL again on a store connection\n");
	struct lazysync *ls = db->store->sync;
	if (committed && ls) {
		pthread_mutex_lock(&ls->lock);
		ls->committed++;
		if (!ls->gathering) /* else it syncs this one too, unasked */
			pthread_cond_signal(&ls->work);
		pthread_mutex_unlock(&ls->lock);
	}
}

int lazysync_checkpoint(struct db *db)
{
	struct lazysync *ls = lazysync_of(db);
	if (!ls)
		return -1;
	pthread_mutex_lock(&ls->lock);
	ls->checkpoint = 1;
	pthread_cond_signal(&ls->work);
	pthread_mutex_unlock(&ls->lock);
	return 0;
}

void lazysync_wait_checkpoint(struct store *st)
{
	pthread_mutex_lock(&st->lock);
	struct lazysync *ls = st->sync;
	pthread_mutex_unlock(&st->lock);
	if (!ls)
		return;
	pthread_mutex_lock(&ls->lock);
	while (atomic_load(&st->ckpt_busy))
		pthread_cond_wait(&ls->done, &ls->lock);
	pthread_mutex_unlock(&ls->lock);
}

int sq_store_sync(struct store *st)
{
	pthread_mutex_lock(&st->lock);
	struct lazysync *ls = st->sync;
	pthread_mutex_unlock(&st->lock);
	if (!ls)
		return 0;
	pthread_mutex_lock(&ls->lock);
	uint64_t want = ls->committed;
	if (ls->synced < want) {
		ls->urgent = 1;
		pthread_cond_signal(&ls->work);
	}
	while (ls->synced < want)
		pthread_cond_wait(&ls->done, &ls->lock);
	int rc = ls->err;
	ls->err = 0;
	pthread_mutex_unlock(&ls->lock);
	return rc;
}

void lazysync_stop(struct store *st)
{
	struct lazysync *ls = st->sync;
	if (!ls)
		return;
	pthread_mutex_lock(&ls->lock);
	ls->stop = 1;
	pthread_cond_signal(&ls->work);
	pthread_mutex_unlock(&ls->lock);
	pthread_join(ls->thread, NULL); /* it syncs what is left first */
	pthread_cond_destroy(&ls->work);
	pthread_cond_destroy(&ls->done);
	pthread_mutex_destroy(&ls->lock);
	free(ls);
	st->sync = NULL;
}
