/* registry: merged objects per tenant. */
#include "store/registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

static char *dup_blob(sqlite3_stmt *st, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	*len = n;
	return s;
}

static int load_base(struct db *db, int64_t tenant, const char *name, struct registry_src *out)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT c.install, it.body FROM claims c JOIN installs i ON i.id=c.install "
		"JOIN art_objects o ON o.artifact=i.artifact AND o.name=c.name "
		"JOIN items it ON it.artifact=i.artifact AND it.idx=o.item "
		"WHERE c.tenant=?1 AND c.kind='objects' AND c.name=?2");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, name);
	int rc = db_step(db, st);
	if (rc > 0) {
		out->owner = sqlite3_column_int64(st, 0);
		if (!(out->base = dup_blob(st, 1, &out->base_len)))
			rc = -ENOMEM;
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : 0;
}

static int load_exts(struct db *db, int64_t tenant, const char *name, struct registry_src *out)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT it.body FROM art_exts e JOIN installs i ON i.artifact=e.artifact "
		"JOIN items it ON it.artifact=e.artifact AND it.idx=e.item "
		"WHERE e.target=?2 AND i.tenant=?1 ORDER BY e.priority, i.id, e.seq");
	size_t cap = 0;
	int rc;
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, name);
	while ((rc = db_step(db, st)) > 0) {
		if (out->nexts == cap) {
			cap = cap ? cap * 2 : 4;
			char **e = realloc(out->exts, cap * sizeof(*e));
			size_t *l = e ? realloc(out->ext_len, cap * sizeof(*l)) : NULL;
			if (e)
				out->exts = e;
			if (!e || !l) {
				rc = -ENOMEM;
				break;
			}
			out->ext_len = l;
		}
		out->exts[out->nexts] = dup_blob(st, 0, &out->ext_len[out->nexts]);
		if (!out->exts[out->nexts]) {
			rc = -ENOMEM;
			break;
		}
		out->nexts++;
	}
	sqlite3_reset(st);
	return rc < 0 ? rc : 0;
}

int sq_registry_sources(struct db *db, int64_t tenant, const char *name, struct registry_src *out)
{
	memset(out, 0, sizeof(*out));
	int rc = load_base(db, tenant, name, out);
	if (rc == 0 && out->owner)
		rc = load_exts(db, tenant, name, out);
	if (rc)
		registry_src_free(out);
	return rc;
}

static int exec_id(struct db *db, const char *sql, int64_t id, int64_t arg)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, arg);
	return db_exec_stmt(db, st);
}

int sq_registry_set(struct db *db, int64_t tenant, const char *name, int64_t install, const char *body, size_t len,
		 int64_t ts, struct changes *ch, int *changed)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id, body FROM registry WHERE tenant=?1 AND name=?2");
	int64_t old = 0;
	int same = 0, rc;
	*changed = 0;
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, name);
	if ((rc = db_step(db, st)) > 0) {
		old = sqlite3_column_int64(st, 0);
		same = body && (size_t)sqlite3_column_bytes(st, 1) == len &&
		       (len == 0 || !memcmp(sqlite3_column_blob(st, 1), body, len));
	}
	sqlite3_reset(st);
	if (rc < 0)
		return rc;
	if (same)
		return exec_id(db, "UPDATE registry SET install=?2 WHERE id=?1", old, install);
	if (old && (rc = exec_id(db, "DELETE FROM registry WHERE id=?1", old, 0)))
		return rc;
	*changed = 1;
	if (old) {
		char file[300];
		snprintf(file, sizeof(file), "%s.json", name);
		changes_entry(ch, tree_node(T_OBJSDIR, (uint64_t)tenant), file);
	}
	if (!body)
		return 0;
	st = db_stmt(db, "INSERT INTO registry(tenant, name, install, mtime, body) VALUES(?1, ?2, ?3, ?4, ?5)");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, tenant);
	db_bind_text(st, 2, name);
	sqlite3_bind_int64(st, 3, install);
	sqlite3_bind_int64(st, 4, ts);
	sqlite3_bind_blob64(st, 5, body, len, SQLITE_STATIC);
	return db_exec_stmt(db, st);
}

static int collect_names(struct db *db, sqlite3_stmt *st, char ***names, size_t *n)
{
	size_t cap = 0;
	int rc;
	*names = NULL;
	*n = 0;
	while ((rc = db_step(db, st)) > 0) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **v = realloc(*names, cap * sizeof(*v));
			if (!v) {
				rc = -ENOMEM;
				break;
			}
			*names = v;
		}
		if (!((*names)[*n] = strdup((const char *)sqlite3_column_text(st, 0)))) {
			rc = -ENOMEM;
			break;
		}
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc < 0) {
		registry_names_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return rc < 0 ? rc : 0;
}

int sq_registry_owned(struct db *db, int64_t install, char ***names, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT name FROM claims WHERE install=?1 AND kind='objects' ORDER BY name");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, install);
	return collect_names(db, st, names, n);
}

int sq_registry_extended(struct db *db, int64_t artifact, char ***names, size_t *n)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT DISTINCT target FROM art_exts WHERE artifact=?1 ORDER BY target");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, artifact);
	return collect_names(db, st, names, n);
}

