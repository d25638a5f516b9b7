/* standby: reads from a hot standby, writes to the primary
 * (-o store_read=; docs/scale-out.md, "Standby reads").
 *
 * The standby is a store of its own (its keywords, its pool), read-only,
 * whose connections are made at the first read.  A read goes to it only
 * when it has replayed every write this daemon must see: the daemon's own
 * commits (read-your-writes: after close() returned, this mount shows the
 * install) and the changes of other daemons it invalidated (else the
 * kernel would cache the standby's older answer until entry_timeout).
 * That position, want_lsn, is the primary's WAL insert position read right
 * after such a commit or notice; the standby's replay position is read
 * again only while it is behind, so a caught-up standby costs no extra
 * round trip.  Until it has caught up, reads go to the primary: no read
 * ever waits for replication.  A standby that cannot be reached sends the
 * reads to the primary (said once per outage, tried again each second).
 */
#include <stdio.h>
#include <stdlib.h>

#include "store/pg/pg.h"

int pg_store_set_standby(struct store *st, const char *where, const char *passfile, char *err, size_t errlen)
{
	struct store *sb;
	int rc = pg_store_prepare(&sb, where, passfile, 1, err, errlen);
	if (rc)
		return rc;
	sb->is_standby = 1;
	st->standby = sb;
	return 0;
}

/* The LSN of a one-row, one-column bigint result. */
static int lsn_of(struct db *db, const char *sql, uint64_t *lsn)
{
	PGresult *r;
	int rc = pg_query(db, sql, PG_NOARGS, &r);
	if (rc)
		return rc;
	*lsn = PQntuples(r) == 1 && !pg_is_null(r, 0, 0) ? (uint64_t)pg_get_i64(r, 0, 0) : 0;
	PQclear(r);
	return 0;
}

void pg_standby_need(struct db *primary)
{
	struct store *st = primary->store;
	uint64_t lsn;
	/* On failure nothing is raised: the next read may be older than this
	 * write for as long as the standby lags, which is what a standby is
	 * without this; the commit itself stands. */
	if (lsn_of(primary, "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint", &lsn))
		return;
	pthread_mutex_lock(&st->lock);
	if (lsn > st->want_lsn)
		st->want_lsn = lsn;
	pthread_mutex_unlock(&st->lock);
}

struct db *pg_standby_read(struct store *st, int stale)
{
	struct store *sb = st->standby;
	pthread_mutex_lock(&st->lock);
	uint64_t want = st->want_lsn;
	pthread_mutex_unlock(&st->lock);
	struct db *db = pg_store_acquire(sb);
	if (!db)
		return NULL;
	pthread_mutex_lock(&sb->lock);
	uint64_t seen = sb->seen_lsn;
	pthread_mutex_unlock(&sb->lock);
	if (want > seen && !stale) {
		/* Read before the snapshot is taken (at BEGIN's first
		 * statement), so that the snapshot holds all of it.  NULL: the
		 * server is not in recovery (never was): no replay position. */
		if (lsn_of(db, "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint", &seen)) {
			pg_store_release(db);
			return NULL;
		}
		pthread_mutex_lock(&sb->lock);
		if (seen > sb->seen_lsn)
			sb->seen_lsn = seen;
		pthread_mutex_unlock(&sb->lock);
		if (want > seen) {
			pg_store_release(db);
			return NULL;
		}
	}
	if (pg_simple(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) {
		pg_store_release(db); /* a broken connection is dropped there */
		return NULL;
	}
	db->in_read = 1;
	return db;
}
