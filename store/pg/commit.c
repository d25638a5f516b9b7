/* commit: a COMMIT whose wait is bounded (docs/scale-out.md, "Failures").
 *
 * With synchronous replication a COMMIT returns only once a standby has
 * the commit; a standby that is gone makes it wait for ever, holding the
 * write lock of every daemon.  The COMMIT is sent without blocking and
 * waited for PG_COMMIT_WAIT_MS; then it is cancelled, which ends the wait
 * for the standby (PostgreSQL: "the transaction has already committed
 * locally, but might not have been replicated"), and the caller is told
 * EIO with a sentence: the change is on the primary, not confirmed on a
 * standby.  A server that does not answer even the cancel within
 * PG_CANCEL_WAIT_MS loses its connection.
 */
#include <poll.h>
#include <stdio.h>

#include "store/pg/pg.h"

#define PG_COMMIT_WAIT_MS 10000
#define PG_CANCEL_WAIT_MS 5000

/* Waits until the connection's result is ready or deadline (ms of
 * pg_now_ms()) passes: 1 ready, 0 timed out, -1 broken. */
static int wait_ready(PGconn *c, int64_t deadline)
{
	for (;;) {
		if (!PQconsumeInput(c))
			return -1;
		if (!PQisBusy(c))
			return 1;
		int64_t left = deadline - pg_now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { .fd = PQsocket(c), .events = POLLIN };
		if (p.fd < 0 || (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR))
			return -1;
	}
}

static void cancel(PGconn *c)
{
	char msg[256];
	PGcancel *k = PQgetCancel(c);
	if (k) {
		PQcancel(k, msg, sizeof(msg));
		PQfreeCancel(k);
	}
}

PGresult *pg_commit_bounded(struct db *db, int *unconfirmed)
{
	PGconn *c = db->conn;
	*unconfirmed = 0;
	if (!PQsendQuery(c, "COMMIT"))
		return NULL;
	int ready = wait_ready(c, pg_now_ms() + PG_COMMIT_WAIT_MS);
	if (ready == 0) {
		*unconfirmed = 1;
		fprintf(stderr,
			"osfs: the store's primary at %s did not confirm a commit within %d s (is its synchronous "
			"standby reachable?): the change is on the primary, not confirmed on a standby\n",
			db->store->host, PG_COMMIT_WAIT_MS / 1000);
		cancel(c);
		ready = wait_ready(c, pg_now_ms() + PG_CANCEL_WAIT_MS);
	}
	PGresult *last = NULL, *r;
	if (ready == 1)
		while ((r = PQgetResult(c))) {
			PQclear(last);
			last = r;
		}
	return last; /* NULL when the connection broke or never answered */
}
