/* installs: install rows, claims, dependency edges, package state. */
#include "store/installs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

#define INSTALL_COLS "id, tenant, artifact, at, system, pkg, version"

static void install_from(sqlite3_stmt *st, struct install_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->tenant = sqlite3_column_int64(st, 1);
	r->artifact = sqlite3_column_int64(st, 2);
	r->at = sqlite3_column_int64(st, 3);
	r->system = sqlite3_column_int(st, 4);
	snprintf(r->pkg, sizeof(r->pkg), "%s", (const char *)sqlite3_column_text(st, 5));
	snprintf(r->version, sizeof(r->version), "%s", (const char *)sqlite3_column_text(st, 6));
}

static int one_install(struct db *db, sqlite3_stmt *st, struct install_row *out)
{
	int rc = db_step(db, st);
	if (rc > 0)
		install_from(st, out);
	if (st)
		sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int sq_installs_get(struct db *db, int64_t tenant, const char *pkg, struct install_row *out)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT " INSTALL_COLS " FROM installs WHERE tenant=?1 AND pkg=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, pkg);
	return one_install(db, st, out);
}

int sq_installs_by_id(struct db *db, int64_t id, struct install_row *out)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT " INSTALL_COLS " FROM installs WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	return one_install(db, st, out);
}

int sq_installs_add(struct db *db, int64_t tenant, const char *pkg, const char *version, int64_t artifact,
		 int system, int64_t ts, mode_t mode, int64_t mtime, int64_t *id)
{
	sqlite3_stmt *st = db_stmt(db,
		"INSERT INTO installs(tenant, pkg, version, artifact, system, at, mode, mtime, ctime) "
		"VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?6 + 1)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, pkg);
	db_bind_text(st, 3, version);
	sqlite3_bind_int64(st, 4, artifact);
	sqlite3_bind_int(st, 5, system);
	sqlite3_bind_int64(st, 6, ts);
	sqlite3_bind_int64(st, 7, mode ? (mode & 07777) : 0644);
	sqlite3_bind_int64(st, 8, mtime ? mtime : ts + 1);
	int rc = db_exec_stmt(db, st);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(db->conn);
	return rc;
}

int sq_installs_set_attr(struct db *db, int64_t id, int64_t mode, int64_t mtime, int64_t ts)
{
	sqlite3_stmt *st = db_stmt(db,
		"UPDATE installs SET mode=CASE WHEN ?2<0 THEN mode ELSE ?2 END, "
		"mtime=CASE WHEN ?3<0 THEN mtime ELSE ?3 END, ctime=?4 WHERE id=?1 AND system=0");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, mode < 0 ? -1 : (mode & 07777));
	sqlite3_bind_int64(st, 3, mtime);
	sqlite3_bind_int64(st, 4, ts);
	int rc = db_exec_stmt(db, st);
	return rc ? rc : sqlite3_changes(db->conn) ? 0 : -ENOENT;
}

int sq_installs_delete(struct db *db, int64_t id)
{
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM installs WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	return db_exec_stmt(db, st);
}

int sq_installs_list(struct db *db, int64_t tenant, struct install_row **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT " INSTALL_COLS " FROM installs WHERE tenant=?1 ORDER BY id");
	size_t cap = 0;
	int rc;
	*out = NULL;
	*n = 0;
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	while ((rc = db_step(db, st)) > 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct install_row *v = realloc(*out, cap * sizeof(*v));
			if (!v) {
				rc = -ENOMEM;
				break;
			}
			*out = v;
		}
		install_from(st, &(*out)[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc < 0 ? rc : 0;
}

static int collect_edges(struct db *db, sqlite3_stmt *st, int ncols, struct dep_edge **out, size_t *n)
{
	size_t cap = 0;
	int rc;
	*out = NULL;
	*n = 0;
	while ((rc = db_step(db, st)) > 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			struct dep_edge *v = realloc(*out, cap * sizeof(*v));
			if (!v) {
				rc = -ENOMEM;
				break;
			}
			*out = v;
		}
		struct dep_edge *e = &(*out)[*n];
		e->pkg = strdup((const char *)sqlite3_column_text(st, 0));
		e->range = strdup((const char *)sqlite3_column_text(st, 1));
		e->version = ncols > 2 ? strdup((const char *)sqlite3_column_text(st, 2)) : NULL;
		(*n)++;
		if (!e->pkg || !e->range || (ncols > 2 && !e->version)) {
			rc = -ENOMEM;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc < 0) {
		installs_edges_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc < 0 ? rc : 0;
}

int sq_installs_artifact_deps(struct db *db, int64_t artifact, struct dep_edge **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT pkg, range FROM art_deps WHERE artifact=?1 ORDER BY pkg");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, artifact);
	return collect_edges(db, st, 2, out, n);
}

int sq_installs_dependents(struct db *db, int64_t tenant, const char *pkg, struct dep_edge **out, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT i.pkg, d.range, i.version FROM art_deps d JOIN installs i ON i.artifact=d.artifact "
		"WHERE d.pkg=?2 AND i.tenant=?1 ORDER BY i.pkg");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, pkg);
	return collect_edges(db, st, 3, out, n);
}

static int one_text(struct db *db, sqlite3_stmt *st, char *out, size_t len)
{
	int rc = db_step(db, st);
	if (rc > 0)
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	if (st)
		sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int sq_installs_claim_owner(struct db *db, int64_t tenant, const char *kind, const char *name, char *pkg, size_t len)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT i.pkg FROM claims c JOIN installs i ON i.id=c.install "
		"WHERE c.tenant=?1 AND c.kind=?2 AND c.name=?3");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, name);
	return one_text(db, st, pkg, len);
}

static int insert_claim(struct db *db, sqlite3_stmt *st, int64_t tenant, const char *kind, const char *name,
			int64_t install)
{
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, name);
	sqlite3_bind_int64(st, 4, install);
	return db_exec_stmt(db, st);
}

int sq_installs_claim(struct db *db, int64_t tenant, const char *kind, const char *name, int64_t install)
{
	return insert_claim(db, db_stmt(db, "INSERT INTO claims(tenant, kind, name, install) VALUES(?1, ?2, ?3, ?4)"),
			    tenant, kind, name, install);
}

int sq_installs_claim_shared(struct db *db, int64_t tenant, const char *kind, const char *name, int64_t install)
{
	return insert_claim(db, db_stmt(db, "INSERT OR IGNORE INTO claims(tenant, kind, name, install) "
					     "VALUES(?1, ?2, ?3, ?4)"), tenant, kind, name, install);
}

int sq_installs_referrer(struct db *db, int64_t tenant, const char *target, const char *except, char *pkg, size_t len)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT i.pkg FROM art_refs r JOIN installs i ON i.artifact=r.artifact "
		"WHERE r.target=?2 AND i.tenant=?1 AND i.pkg<>?3 ORDER BY i.pkg LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, target);
	db_bind_text(st, 3, except);
	return one_text(db, st, pkg, len);
}

int sq_installs_state_get(struct db *db, int64_t tenant, const char *pkg, int64_t *first_at, int *seeded)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT first_at, seeded FROM pkg_state WHERE tenant=?1 AND pkg=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, pkg);
	int rc = db_step(db, st);
	if (rc > 0) {
		*first_at = sqlite3_column_int64(st, 0);
		*seeded = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int sq_installs_state_put(struct db *db, int64_t tenant, const char *pkg, int64_t first_at, int seeded)
{
	sqlite3_stmt *st = db_stmt(db,
		"INSERT INTO pkg_state(tenant, pkg, first_at, seeded) VALUES(?1, ?2, ?3, ?4) "
		"ON CONFLICT(tenant, pkg) DO UPDATE SET seeded=excluded.seeded");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, pkg);
	sqlite3_bind_int64(st, 3, first_at);
	sqlite3_bind_int(st, 4, seeded);
	return db_exec_stmt(db, st);
}

int sq_installs_history(struct db *db, int64_t tenant, const char *pkg, const char *action, const char *from,
		     const char *to, int64_t ts)
{
	sqlite3_stmt *st = db_stmt(db,
		"INSERT INTO history(tenant, pkg, action, from_version, to_version, at) VALUES(?1,?2,?3,?4,?5,?6)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, pkg);
	db_bind_text(st, 3, action);
	db_bind_text(st, 4, from);
	db_bind_text(st, 5, to);
	sqlite3_bind_int64(st, 6, ts);
	return db_exec_stmt(db, st);
}
