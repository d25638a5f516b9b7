/* watch: the change sets of the other daemons (store/watch.h;
 * docs/scale-out.md, "Coherence").
 *
 * One thread per watching daemon, never a FUSE worker.  It holds a
 * connection of its own that LISTENs on the channel "osfs" (payload
 * "<domain>:<generation>", see publish.c), and compares every domain's
 * generation with the last one it has seen every poll_ms and at every
 * (re)connect, since a notification is lost while the listener is
 * disconnected and never sent by a standby.  For a domain that is ahead
 * it reads the change rows in between (through the store's pool, so that
 * the poll works while the listener is down), skips its own daemon's,
 * and hands the rest to the callback.  When rows are missing (pruned
 * after an hour, or a store restored from a backup) it cannot tell what
 * changed and hands over every directory of that domain instead.
 *
 * Every wait is bounded: poll() on the listener's socket and a pipe that
 * stop writes to, at most until the next poll; a reconnect is tried after
 * 0.1 s, doubling up to poll_ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/pg/pg.h"

struct seen {
	int64_t tenant, gen;
};

struct pg_watch {
	struct store *st;
	store_watch_fn fn;
	void *ctx;
	unsigned poll_ms;
	pthread_t thread;
	int wake[2]; /* stop writes a byte */
	PGconn *listen;
	int lost;    /* the loss was told; told again only after a reconnect */
	int no_listen; /* OSFS_TEST_NO_LISTEN: the poll alone (tests, bench) */
	struct seen *seen;
	size_t n, cap;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct seen *seen_of(struct pg_watch *w, int64_t tenant)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->seen[i].tenant == tenant)
			return &w->seen[i];
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct seen *v = realloc(w->seen, cap * sizeof(*v));
		if (!v)
			return NULL;
		w->seen = v;
		w->cap = cap;
	}
	w->seen[w->n] = (struct seen){ tenant, 0 };
	return &w->seen[w->n++];
}

/* Every directory a change of that domain may have made stale. */
static void drop_domain(struct changes *ch, int64_t tenant)
{
	changes_node(ch, tree_node(T_FIXED, TREE_ROOT), 0);
	changes_node(ch, tree_node(T_FIXED, TREE_TENANTS), 0);
	if (tenant > 0)
		changes_tenant(ch, tenant);
	else
		changes_node(ch, tree_node(T_FIXED, TREE_CATALOG), 0);
}

/* Brings the domain from the generation seen to upto.  Returns 0 or
 * -errno (the domain stays where it was, to be tried at the next poll). */
static int catch_up(struct pg_watch *w, int64_t tenant, int64_t upto)
{
	struct seen *s = seen_of(w, tenant);
	if (!s)
		return -ENOMEM;
	if (upto <= s->gen)
		return 0;
	struct db *db = pg_store_acquire(w->st);
	if (!db)
		return -EIO;
	PGresult *r;
	int rc = pg_query(db,
			  "SELECT gen, origin, dir_type, dir_id, name, off FROM changes "
			  "WHERE tenant = $1 AND gen > $2 AND gen <= $3 ORDER BY gen, seq",
			  PG_ARGS(pg_i64(tenant), pg_i64(s->gen), pg_i64(upto)), &r);
	/* With a standby, what is invalidated below must be read again from
	 * a server that has it (standby.c). */
	if (rc == 0 && w->st->standby)
		pg_standby_need(db);
	pg_store_release(db);
	if (rc)
		return rc;
	struct changes ch = CHANGES_INIT;
	int64_t origin = (int64_t)pg_origin(w->st), last = -1, gens = 0;
	int all = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		int64_t g = pg_get_i64(r, i, 0);
		if (g != last)
			gens++;
		last = g;
		if (pg_get_i64(r, i, 1) == origin)
			continue; /* this daemon's own: invalidated at its commit */
		int64_t type = pg_get_i64(r, i, 2);
		struct tree_node n = tree_node((enum tree_type)type, (uint64_t)pg_get_i64(r, i, 3));
		if (type < 0)
			all = 1;
		else if (pg_is_null(r, i, 4))
			changes_node(&ch, n, (uint64_t)pg_get_i64(r, i, 5));
		else
			changes_entry(&ch, n, pg_get_text(r, i, 4));
	}
	PQclear(r);
	/* Each generation holds at least one row: fewer generations than the
	 * gap means rows were pruned. */
	if (all || gens < upto - s->gen || ch.oom)
		drop_domain(&ch, tenant);
	s->gen = upto;
	if (ch.n)
		w->fn(w->ctx, &ch);
	changes_free(&ch);
	return 0;
}

/* Compares every domain's generation with what was seen. */
static int catch_up_all(struct pg_watch *w, int baseline)
{
	struct db *db = pg_store_acquire(w->st);
	if (!db)
		return -EIO;
	PGresult *r;
	int rc = pg_query(db, "SELECT tenant, gen FROM gens", PG_NOARGS, &r);
	pg_store_release(db);
	if (rc)
		return rc;
	for (int i = 0; i < PQntuples(r); i++) {
		int64_t t = pg_get_i64(r, i, 0), g = pg_get_i64(r, i, 1);
		struct seen *s = seen_of(w, t);
		if (!s) {
			rc = -ENOMEM;
			break;
		}
		if (baseline)
			s->gen = g; /* nothing is cached yet */
		else if (g < s->gen) { /* the store went back (a restore): start over */
			s->gen = g;
			struct changes ch = CHANGES_INIT;
			drop_domain(&ch, t);
			w->fn(w->ctx, &ch);
			changes_free(&ch);
		} else if (g > s->gen)
			catch_up(w, t, g);
	}
	PQclear(r);
	return rc;
}

static void close_listen(struct pg_watch *w)
{
	PQfinish(w->listen);
	w->listen = NULL;
}

static void lost(struct pg_watch *w)
{
	if (!w->lost)
		fprintf(stderr, "osfs: the store's notification connection was lost; reconnecting\n");
	w->lost = 1;
	close_listen(w);
}

/* A connection of the watcher's own, listening.  Returns 0 or -EIO. */
static int open_listen(struct pg_watch *w)
{
	struct store *st = w->st;
	PGconn *c = PQconnectdbParams((const char *const *)st->keys, (const char *const *)st->vals, 0);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return -EIO;
	}
	PGresult *r = PQexec(c, "SET application_name = 'osfs listener'; SET statement_timeout = '10s'; "
				"LISTEN osfs");
	int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok || PQsetnonblocking(c, 1) != 0) {
		PQfinish(c);
		return -EIO;
	}
	w->listen = c;
	w->lost = 0;
	return 0;
}

/* The notifications that arrived: each domain ahead is caught up.
 * Returns 0, or -EIO when the connection is gone. */
static int drain(struct pg_watch *w)
{
	if (!PQconsumeInput(w->listen) || PQstatus(w->listen) != CONNECTION_OK)
		return -EIO;
	PGnotify *n;
	while ((n = PQnotifies(w->listen))) {
		long long t, g;
		if (sscanf(n->extra, "%lld:%lld", &t, &g) == 2)
			catch_up(w, t, g);
		PQfreemem(n);
	}
	/* a FATAL from the server (pg_terminate_backend) arrives as a result */
	PGresult *r;
	while ((r = PQgetResult(w->listen))) {
		PQclear(r);
		if (PQstatus(w->listen) != CONNECTION_OK)
			return -EIO;
	}
	return PQstatus(w->listen) == CONNECTION_OK ? 0 : -EIO;
}

static void *run(void *arg)
{
	struct pg_watch *w = arg;
	int64_t next_poll = now_ms() + w->poll_ms, next_connect = 0, backoff = 100;
	for (;;) {
		if (!w->listen && !w->no_listen && now_ms() >= next_connect) {
			if (open_listen(w) == 0) {
				backoff = 100;
				catch_up_all(w, 0); /* what was missed while away */
			} else {
				next_connect = now_ms() + backoff;
				backoff = backoff * 2 > w->poll_ms ? w->poll_ms : backoff * 2;
			}
		}
		int64_t until = next_poll;
		if (!w->listen && !w->no_listen && next_connect < until)
			until = next_connect;
		int64_t wait = until - now_ms();
		struct pollfd p[2] = { { w->wake[0], POLLIN, 0 }, { w->listen ? PQsocket(w->listen) : -1, POLLIN, 0 } };
		int k = poll(p, 2, wait < 0 ? 0 : (int)wait);
		if (k < 0 && errno != EINTR)
			break;
		if (k > 0 && p[0].revents)
			break; /* stop */
		if (k > 0 && w->listen && p[1].revents && drain(w) < 0)
			lost(w);
		if (now_ms() >= next_poll) {
			catch_up_all(w, 0);
			next_poll = now_ms() + w->poll_ms;
		}
	}
	close_listen(w);
	return NULL;
}

int pg_store_watch(struct store *st, unsigned poll_ms, store_watch_fn fn, void *ctx)
{
	if (st->watch || !fn)
		return -EINVAL;
	struct pg_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->st = st;
	w->fn = fn;
	w->ctx = ctx;
	w->poll_ms = poll_ms ? poll_ms : 1000;
	if (pipe2(w->wake, O_CLOEXEC) != 0) {
		free(w);
		return -errno;
	}
	/* What is there now is what this daemon starts from: its kernel has
	 * nothing cached yet.  Without the database, the first poll that
	 * reaches it catches up from 0 (dropping what it cannot tell). */
	catch_up_all(w, 1);
	/* The tests and bench/coherence.sh check the poll without notifications
	 * (t_coherence, NO_LISTEN=1): a daemon that never listens. */
	const char *nl = getenv("OSFS_TEST_NO_LISTEN");
	w->no_listen = nl && *nl && strcmp(nl, "0");
	if (!w->no_listen)
		open_listen(w);
	int rc = pthread_create(&w->thread, NULL, run, w);
	if (rc) {
		close_listen(w);
		close(w->wake[0]);
		close(w->wake[1]);
		free(w->seen);
		free(w);
		return -rc;
	}
	st->watch = w;
	return 0;
}

void pg_store_unwatch(struct store *st)
{
	struct pg_watch *w = st->watch;
	if (!w)
		return;
	char b = 1;
	while (write(w->wake[1], &b, 1) < 0 && errno == EINTR)
		;
	pthread_join(w->thread, NULL);
	close(w->wake[0]);
	close(w->wake[1]);
	free(w->seen);
	free(w);
	st->watch = NULL;
}
