/* publish: the change set of a write transaction, for the other daemons
 * of the store (store/watch.h; docs/scale-out.md, "Coherence").
 *
 * In the transaction: the generation of its lock domain is bumped (an
 * upsert of osfs.gens, whose row lock also orders the writers of that
 * domain, so generations commit in their order), the change rows are
 * written under that generation, and pg_notify() tells the listeners,
 * which PostgreSQL does only at commit.  A rollback takes all of it back.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "store/pg/pg.h"

/* Change sets older than this are pruned: a daemon that was away longer
 * drops everything it has cached of the domains that changed. */
#define KEEP "1 hour"
#define PRUNE_EVERY_S 60

uint64_t pg_origin(struct store *st)
{
	pthread_mutex_lock(&st->lock);
	while (!st->origin) {
		uint64_t v = 0;
		if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v)) {
			/* no entropy source: time and address still differ between daemons */
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			v = (uint64_t)ts.tv_nsec * 1000003u ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)st;
		}
		st->origin = v;
	}
	uint64_t o = st->origin;
	pthread_mutex_unlock(&st->lock);
	return o;
}

/* The domain of a change set: the tenant of its first entry that names
 * one (an install always writes the tenant's log, a tenant's directories
 * are named by it), else 0 (the catalog, the list of tenants, records
 * tables named by their own ids).  Which domain a set lands in only
 * decides which generation counts it: every daemon reads every domain. */
static int64_t domain_of(const struct changes *ch)
{
	for (size_t i = 0; i < ch->n; i++)
		switch (ch->v[i].dir.type) {
		case T_TENANT: case T_INSTDIR: case T_PKGSDIR: case T_OBJSDIR: case T_DATADIR: case T_LOG:
			return (int64_t)ch->v[i].dir.id;
		default:
			break;
		}
	return 0;
}

static int prune(struct db *db)
{
	struct store *st = db->store;
	int64_t now = (int64_t)time(NULL);
	pthread_mutex_lock(&st->lock);
	int due = now - st->pruned >= PRUNE_EVERY_S;
	if (due)
		st->pruned = now;
	pthread_mutex_unlock(&st->lock);
	if (!due)
		return 0;
	int rc = pg_exec(db, "DELETE FROM changes WHERE at < now() - interval '" KEEP "'", PG_NOARGS);
	return rc < 0 ? rc : 0;
}

int pg_db_publish(struct db *db, const struct changes *ch)
{
	if (!db->in_tx || (!ch->n && !ch->oom) || db->store->readonly)
		return 0;
	/* A failed transaction: db_commit() reports its first error (the
	 * statements here would only fail with "transaction aborted"). */
	if (PQtransactionStatus(db->conn) == PQTRANS_INERROR)
		return 0;
	int64_t tenant = domain_of(ch), gen, origin = (int64_t)pg_origin(db->store);
	PGresult *r;
	int rc = pg_query(db,
			  "INSERT INTO gens AS g(tenant, gen) VALUES($1, 1) "
			  "ON CONFLICT(tenant) DO UPDATE SET gen = g.gen + 1 RETURNING gen",
			  PG_ARGS(pg_i64(tenant)), &r);
	if (rc)
		return rc;
	gen = PQntuples(r) == 1 ? pg_get_i64(r, 0, 0) : -1;
	PQclear(r);
	if (gen < 0)
		return -EIO;
	static const char ins[] = "INSERT INTO changes(tenant, gen, seq, origin, dir_type, dir_id, name, off) "
				  "VALUES($1, $2, $3, $4, $5, $6, $7, $8)";
	if (ch->oom) /* what changed is unknown: the readers drop the whole domain */
		rc = pg_exec(db, ins, PG_ARGS(pg_i64(tenant), pg_i64(gen), pg_i64(0), pg_i64(origin), pg_i64(-1),
					      pg_i64(tenant), pg_null(), pg_i64(0)));
	for (size_t i = 0; rc >= 0 && i < ch->n; i++)
		rc = pg_exec(db, ins,
			     PG_ARGS(pg_i64(tenant), pg_i64(gen), pg_i64((int64_t)i + 1), pg_i64(origin),
				     pg_i64(ch->v[i].dir.type), pg_i64((int64_t)ch->v[i].dir.id), pg_text(ch->v[i].name),
				     pg_i64((int64_t)ch->v[i].off)));
	if (rc < 0)
		return rc;
	char payload[48];
	snprintf(payload, sizeof(payload), "%lld:%lld", (long long)tenant, (long long)gen);
	rc = pg_exec(db, "SELECT pg_notify('osfs', $1)", PG_ARGS(pg_text(payload)));
	if (rc < 0)
		return rc;
	return prune(db);
}
