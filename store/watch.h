/* watch: several daemons on one store (docs/scale-out.md, "Coherence").
 *
 * A daemon invalidates the kernel's caches for its own changes
 * (store/changes.h).  When other daemons write the same store (a
 * PostgreSQL database shared by several machines), their changes must
 * reach this daemon's kernel too: each write transaction publishes its
 * change set in the store, in the same transaction, and every daemon
 * watches for the change sets of the others.
 *
 * Engine-neutral: on SQLite one daemon owns the store file, so
 * db_publish() and store_watch() do nothing.
 */
#ifndef OSFS_STORE_WATCH_H
#define OSFS_STORE_WATCH_H

#include "store/changes.h"
#include "store/db.h"

/* Records ch as the change set of the open write transaction, for the
 * other daemons of the store: it is committed with the transaction (or
 * not at all), and they learn of it at commit.  Outside a transaction, or
 * with nothing in ch, nothing happens.  Returns 0 or -errno (the
 * transaction is then failed: commit reports the error). */
int db_publish(struct db *db, const struct changes *ch);

/* db_publish(db, ch), then db_commit(db): what every write that changed
 * the tree calls instead of db_commit().  A failed publish rolls back. */
int db_commit_changes(struct db *db, const struct changes *ch);

/* Called, on the watcher's own thread, with the changes other daemons
 * committed; ch->oom set means "could not tell what changed: drop what is
 * cached" (the entries then name every directory that may be stale). */
typedef void (*store_watch_fn)(void *ctx, const struct changes *ch);

/* Starts watching: fn gets every change set that other daemons commit
 * from now on, pushed within moments, and at the latest after poll_ms
 * (the generations are compared that often, and at every reconnect).
 * Returns 0 (also on an engine where nothing needs watching) or -errno. */
int store_watch(struct store *st, unsigned poll_ms, store_watch_fn fn, void *ctx);
/* Stops the watcher (waits for its thread); harmless when none runs. */
void store_unwatch(struct store *st);

#endif
