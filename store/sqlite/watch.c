/* watch: on SQLite one daemon owns the store file (fs/lock.c), so no
 * other daemon's changes can reach it and its own need not be told to
 * anyone: store/watch.h is a no-op here. */
#include "store/sqlite/sqlite.h"

int sq_db_publish(struct db *db, const struct changes *ch)
{
	(void)db;
	(void)ch;
	return 0;
}

int sq_store_watch(struct store *st, unsigned poll_ms, store_watch_fn fn, void *ctx)
{
	(void)st;
	(void)poll_ms;
	(void)fn;
	(void)ctx;
	return 0;
}

void sq_store_unwatch(struct store *st)
{
	(void)st;
}
