/* registry: merged objects per tenant, in PostgreSQL.  The same rows,
 * results, changes and orders as store/sqlite/registry.c. */
#include "store/registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/pg.h"

/* A column's bytes, NUL-terminated, malloc'd. */
static char *dup_bytes(const PGresult *r, int row, int col, size_t *len)
{
	size_t n;
	const void *p = pg_get_bytes(r, row, col, &n);
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	*len = n;
	return s;
}

/* The item is found by its whole key (artifact, idx) in a subquery of its
 * own (OFFSET 0 keeps the planner from folding it into the join): as a
 * join, with the items table's statistics from before an install of
 * thousands of objects, the planner looked items up by artifact alone
 * and filtered every item of the artifact for each object the install
 * registered (docs/performance.md, "PostgreSQL installs"). */
static int load_base(struct db *db, int64_t tenant, const char *name, struct registry_src *out)
{
	PGresult *r;
	int rc = pg_query(db,
			  "SELECT c.install, it.body FROM claims c JOIN installs i ON i.id=c.install "
			  "JOIN art_objects o ON o.artifact=i.artifact AND o.name=c.name "
			  "JOIN LATERAL (SELECT x.body FROM items x WHERE x.artifact=o.artifact AND x.idx=o.item "
			  "OFFSET 0) it ON true "
			  "WHERE c.tenant=$1 AND c.kind='objects' AND c.name=$2",
			  PG_ARGS(pg_i64(tenant), pg_text(name)), &r);
	if (rc)
		return rc;
	if (PQntuples(r)) {
		out->owner = pg_get_i64(r, 0, 0);
		if (!(out->base = dup_bytes(r, 0, 1, &out->base_len)))
			rc = -ENOMEM;
	}
	PQclear(r);
	return rc;
}

static int load_exts(struct db *db, int64_t tenant, const char *name, struct registry_src *out)
{
	PGresult *r;
	int rc = pg_query(db,
			  "SELECT it.body FROM art_exts e JOIN installs i ON i.artifact=e.artifact "
			  "JOIN items it ON it.artifact=e.artifact AND it.idx=e.item "
			  "WHERE e.target=$2 AND i.tenant=$1 ORDER BY e.priority, i.id, e.seq",
			  PG_ARGS(pg_i64(tenant), pg_text(name)), &r);
	if (rc)
		return rc;
	size_t n = (size_t)PQntuples(r);
	if (n && (!(out->exts = calloc(n, sizeof(*out->exts))) || !(out->ext_len = calloc(n, sizeof(*out->ext_len)))))
		rc = -ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!(out->exts[i] = dup_bytes(r, (int)i, 0, &out->ext_len[i])))
			rc = -ENOMEM;
		else
			out->nexts++;
	}
	PQclear(r);
	return rc;
}

int pg_registry_sources(struct db *db, int64_t tenant, const char *name, struct registry_src *out)
{
	memset(out, 0, sizeof(*out));
	int rc = load_base(db, tenant, name, out);
	if (rc == 0 && out->owner)
		rc = load_exts(db, tenant, name, out);
	if (rc)
		registry_src_free(out);
	return rc;
}

/* The server compares the bodies: only whether they are equal comes back
 * (NULL, so not equal, when body is NULL). */
int pg_registry_set(struct db *db, int64_t tenant, const char *name, int64_t install, const char *body, size_t len,
		    int64_t ts, struct changes *ch, int *changed)
{
	PGresult *r;
	int64_t old = 0;
	int same = 0, n;
	*changed = 0;
	int rc = pg_query(db, "SELECT id, body = $3 FROM registry WHERE tenant=$1 AND name=$2",
			  PG_ARGS(pg_i64(tenant), pg_text(name), body ? pg_bytes(body, len) : pg_null()), &r);
	if (rc)
		return rc;
	if (PQntuples(r)) {
		old = pg_get_i64(r, 0, 0);
		same = body && pg_get_i64(r, 0, 1);
	}
	PQclear(r);
	if (same) {
		n = pg_exec(db, "UPDATE registry SET install=$2 WHERE id=$1", PG_ARGS(pg_i64(old), pg_i64(install)));
		return n < 0 ? n : 0;
	}
	if (old && (n = pg_exec(db, "DELETE FROM registry WHERE id=$1", PG_ARGS(pg_i64(old)))) < 0)
		return n;
	*changed = 1;
	if (old) {
		char file[300];
		snprintf(file, sizeof(file), "%s.json", name);
		changes_entry(ch, tree_node(T_OBJSDIR, (uint64_t)tenant), file);
	}
	if (!body)
		return 0;
	n = pg_exec(db, "INSERT INTO registry(tenant, name, install, mtime, body) VALUES($1, $2, $3, $4, $5)",
		    PG_ARGS(pg_i64(tenant), pg_text(name), pg_i64(install), pg_i64(ts), pg_bytes(body, len)));
	return n < 0 ? n : 0;
}

static int collect_names(struct db *db, const char *sql, int64_t id, char ***names, size_t *n)
{
	PGresult *r;
	*names = NULL;
	*n = 0;
	int rc = pg_query(db, sql, PG_ARGS(pg_i64(id)), &r);
	if (rc)
		return rc;
	size_t rows = (size_t)PQntuples(r);
	if (rows && !(*names = calloc(rows, sizeof(**names))))
		rc = -ENOMEM;
	for (size_t i = 0; i < rows && rc == 0; i++) {
		if (!((*names)[i] = strdup(pg_get_text(r, (int)i, 0))))
			rc = -ENOMEM;
		else
			(*n)++;
	}
	PQclear(r);
	if (rc) {
		registry_names_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return rc;
}

int pg_registry_owned(struct db *db, int64_t install, char ***names, size_t *n)
{
	return collect_names(db, "SELECT name FROM claims WHERE install=$1 AND kind='objects' ORDER BY name", install,
			     names, n);
}

int pg_registry_extended(struct db *db, int64_t artifact, char ***names, size_t *n)
{
	return collect_names(db, "SELECT DISTINCT target FROM art_exts WHERE artifact=$1 ORDER BY target", artifact,
			     names, n);
}
