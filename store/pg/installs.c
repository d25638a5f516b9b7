/* installs: install rows, claims, dependency edges, package state, in
 * PostgreSQL.  The same rows, results, errors and orders as
 * store/sqlite/installs.c (read it for what each operation is for). */
#include "store/installs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/pg.h"

#define INSTALL_COLS "id, tenant, artifact, at, system, pkg, version"

static void install_from(const PGresult *r, int row, struct install_row *out)
{
	out->id = pg_get_i64(r, row, 0);
	out->tenant = pg_get_i64(r, row, 1);
	out->artifact = pg_get_i64(r, row, 2);
	out->at = pg_get_i64(r, row, 3);
	out->system = (int)pg_get_i64(r, row, 4);
	snprintf(out->pkg, sizeof(out->pkg), "%s", pg_get_text(r, row, 5));
	snprintf(out->version, sizeof(out->version), "%s", pg_get_text(r, row, 6));
}

static int one_install(struct db *db, const char *sql, const struct pg_arg *args, int nargs,
		       struct install_row *out)
{
	PGresult *r;
	int rc = pg_query(db, sql, args, nargs, &r);
	if (rc)
		return rc;
	rc = PQntuples(r) ? 0 : -ENOENT;
	if (rc == 0)
		install_from(r, 0, out);
	PQclear(r);
	return rc;
}

int pg_installs_get(struct db *db, int64_t tenant, const char *pkg, struct install_row *out)
{
	return one_install(db, "SELECT " INSTALL_COLS " FROM installs WHERE tenant=$1 AND pkg=$2",
			   PG_ARGS(pg_i64(tenant), pg_text(pkg)), out);
}

int pg_installs_by_id(struct db *db, int64_t id, struct install_row *out)
{
	return one_install(db, "SELECT " INSTALL_COLS " FROM installs WHERE id=$1", PG_ARGS(pg_i64(id)), out);
}

int pg_installs_add(struct db *db, int64_t tenant, const char *pkg, const char *version, int64_t artifact,
		    int system, int64_t ts, mode_t mode, int64_t mtime, int64_t *id)
{
	PGresult *r;
	int rc = pg_query(db,
			  "INSERT INTO installs(tenant, pkg, version, artifact, system, at, mode, mtime, ctime) "
			  "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $6 + 1) RETURNING id",
			  PG_ARGS(pg_i64(tenant), pg_text(pkg), pg_text(version), pg_i64(artifact), pg_i64(system),
				  pg_i64(ts), pg_i64(mode ? (mode & 07777) : 0644), pg_i64(mtime ? mtime : ts + 1)),
			  &r);
	if (rc)
		return rc;
	rc = PQntuples(r) == 1 ? 0 : -EIO;
	if (rc == 0)
		*id = pg_get_i64(r, 0, 0);
	PQclear(r);
	return rc;
}

int pg_installs_set_attr(struct db *db, int64_t id, int64_t mode, int64_t mtime, int64_t ts)
{
	int n = pg_exec(db,
			"UPDATE installs SET mode=CASE WHEN $2<0 THEN mode ELSE $2 END, "
			"mtime=CASE WHEN $3<0 THEN mtime ELSE $3 END, ctime=$4 WHERE id=$1 AND system=0",
			PG_ARGS(pg_i64(id), pg_i64(mode < 0 ? -1 : (mode & 07777)), pg_i64(mtime), pg_i64(ts)));
	return n < 0 ? n : n ? 0 : -ENOENT;
}

int pg_installs_delete(struct db *db, int64_t id)
{
	int n = pg_exec(db, "DELETE FROM installs WHERE id=$1", PG_ARGS(pg_i64(id)));
	return n < 0 ? n : 0;
}

int pg_installs_count_artifact(struct db *db, int64_t artifact, int64_t *n)
{
	PGresult *r;
	*n = 0;
	int rc = pg_query(db, "SELECT count(*) FROM installs WHERE artifact=$1", PG_ARGS(pg_i64(artifact)), &r);
	if (rc)
		return rc;
	*n = pg_get_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

int pg_installs_list(struct db *db, int64_t tenant, struct install_row **out, size_t *n)
{
	PGresult *r;
	*out = NULL;
	*n = 0;
	int rc = pg_query(db, "SELECT " INSTALL_COLS " FROM installs WHERE tenant=$1 ORDER BY id",
			  PG_ARGS(pg_i64(tenant)), &r);
	if (rc)
		return rc;
	int rows = PQntuples(r);
	if (rows && !(*out = calloc((size_t)rows, sizeof(**out)))) {
		PQclear(r);
		return -ENOMEM;
	}
	for (int i = 0; i < rows; i++)
		install_from(r, i, &(*out)[i]);
	*n = (size_t)rows;
	PQclear(r);
	return 0;
}

/* The rows of r as edges: pkg, range and (ncols 3) version. */
static int collect_edges(PGresult *r, int ncols, struct dep_edge **out, size_t *n)
{
	int rows = PQntuples(r), rc = 0;
	*out = NULL;
	*n = 0;
	if (rows && !(*out = calloc((size_t)rows, sizeof(**out))))
		rc = -ENOMEM;
	for (int i = 0; i < rows && rc == 0; i++) {
		struct dep_edge *e = &(*out)[i];
		e->pkg = strdup(pg_get_text(r, i, 0));
		e->range = strdup(pg_get_text(r, i, 1));
		e->version = ncols > 2 ? strdup(pg_get_text(r, i, 2)) : NULL;
		(*n)++;
		if (!e->pkg || !e->range || (ncols > 2 && !e->version))
			rc = -ENOMEM;
	}
	PQclear(r);
	if (rc) {
		installs_edges_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int pg_installs_artifact_deps(struct db *db, int64_t artifact, struct dep_edge **out, size_t *n)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT pkg, range FROM art_deps WHERE artifact=$1 ORDER BY pkg",
			  PG_ARGS(pg_i64(artifact)), &r);
	if (rc) {
		*out = NULL;
		*n = 0;
		return rc;
	}
	return collect_edges(r, 2, out, n);
}

int pg_installs_dependents(struct db *db, int64_t tenant, const char *pkg, struct dep_edge **out, size_t *n)
{
	PGresult *r;
	int rc = pg_query(db,
			  "SELECT i.pkg, d.range, i.version FROM art_deps d JOIN installs i ON i.artifact=d.artifact "
			  "WHERE d.pkg=$2 AND i.tenant=$1 ORDER BY i.pkg",
			  PG_ARGS(pg_i64(tenant), pg_text(pkg)), &r);
	if (rc) {
		*out = NULL;
		*n = 0;
		return rc;
	}
	return collect_edges(r, 3, out, n);
}

/* The first column of the first row into out, or -ENOENT. */
static int one_text(struct db *db, const char *sql, const struct pg_arg *args, int nargs, char *out, size_t len)
{
	PGresult *r;
	int rc = pg_query(db, sql, args, nargs, &r);
	if (rc)
		return rc;
	rc = PQntuples(r) ? 0 : -ENOENT;
	if (rc == 0)
		snprintf(out, len, "%s", pg_get_text(r, 0, 0));
	PQclear(r);
	return rc;
}

int pg_installs_claim_owner(struct db *db, int64_t tenant, const char *kind, const char *name, char *pkg,
			    size_t len)
{
	return one_text(db,
			"SELECT i.pkg FROM claims c JOIN installs i ON i.id=c.install "
			"WHERE c.tenant=$1 AND c.kind=$2 AND c.name=$3",
			PG_ARGS(pg_i64(tenant), pg_text(kind), pg_text(name)), pkg, len);
}

/* A name already held is -EEXIST, as SQLite's constraint error, but told
 * by the row count: a failed statement would end the whole transaction
 * in PostgreSQL, while SQLite's caller may go on after it. */
int pg_installs_claim(struct db *db, int64_t tenant, const char *kind, const char *name, int64_t install)
{
	int n = pg_exec(db,
			"INSERT INTO claims(tenant, kind, name, install) VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING",
			PG_ARGS(pg_i64(tenant), pg_text(kind), pg_text(name), pg_i64(install)));
	return n < 0 ? n : n ? 0 : -EEXIST;
}

int pg_installs_claim_shared(struct db *db, int64_t tenant, const char *kind, const char *name, int64_t install)
{
	int n = pg_exec(db,
			"INSERT INTO claims(tenant, kind, name, install) VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING",
			PG_ARGS(pg_i64(tenant), pg_text(kind), pg_text(name), pg_i64(install)));
	return n < 0 ? n : 0;
}

int pg_installs_referrer(struct db *db, int64_t tenant, const char *target, const char *except, char *pkg,
			 size_t len)
{
	return one_text(db,
			"SELECT i.pkg FROM art_refs r JOIN installs i ON i.artifact=r.artifact "
			"WHERE r.target=$2 AND i.tenant=$1 AND i.pkg<>$3 ORDER BY i.pkg LIMIT 1",
			PG_ARGS(pg_i64(tenant), pg_text(target), pg_text(except)), pkg, len);
}

int pg_installs_state_get(struct db *db, int64_t tenant, const char *pkg, int64_t *first_at, int *seeded)
{
	PGresult *r;
	int rc = pg_query(db, "SELECT first_at, seeded FROM pkg_state WHERE tenant=$1 AND pkg=$2",
			  PG_ARGS(pg_i64(tenant), pg_text(pkg)), &r);
	if (rc)
		return rc;
	rc = PQntuples(r) ? 0 : -ENOENT;
	if (rc == 0) {
		*first_at = pg_get_i64(r, 0, 0);
		*seeded = (int)pg_get_i64(r, 0, 1);
	}
	PQclear(r);
	return rc;
}

int pg_installs_state_put(struct db *db, int64_t tenant, const char *pkg, int64_t first_at, int seeded)
{
	int n = pg_exec(db,
			"INSERT INTO pkg_state(tenant, pkg, first_at, seeded) VALUES($1, $2, $3, $4) "
			"ON CONFLICT(tenant, pkg) DO UPDATE SET seeded=excluded.seeded",
			PG_ARGS(pg_i64(tenant), pg_text(pkg), pg_i64(first_at), pg_i64(seeded)));
	return n < 0 ? n : 0;
}

int pg_installs_history(struct db *db, int64_t tenant, const char *pkg, const char *action, const char *from,
			const char *to, int64_t ts)
{
	int n = pg_exec(db,
			"INSERT INTO history(tenant, pkg, action, from_version, to_version, at) "
			"VALUES($1, $2, $3, $4, $5, $6)",
			PG_ARGS(pg_i64(tenant), pg_text(pkg), pg_text(action), pg_text(from), pg_text(to), pg_i64(ts)));
	return n < 0 ? n : 0;
}
