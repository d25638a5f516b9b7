/* catalog_local: adding to and removing from the local catalog. */
#include "catalog/catalog.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "catalog/install_internal.h"
#include "catalog/artifact_rows.h"
#include "store/watch.h"
#include "store/catalogdb.h"

static void row_of(const struct artifact *a, int64_t art, const char *origin, struct catalog_row *row)
{
	memset(row, 0, sizeof(*row));
	snprintf(row->pkg, sizeof(row->pkg), "%s", a->id);
	snprintf(row->version, sizeof(row->version), "%s", a->version_text);
	row->size = a->len;
	row->xxh3 = a->xxh3;
	row->artifact = art;
	snprintf(row->origin, sizeof(row->origin), "%s", origin);
}

__attribute__((format(printf, 1, 2)))
static void echo(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (install_echo)
		install_echo(NULL, line); /* the catalog has no tenant log */
}

/* The artifact's id in the store, its bytes stored (rendered first if
 * that was not done before the lock) when they are new. */
static int store_bytes(struct db *db, struct artifact *a, int64_t ts, int64_t *art)
{
	if (!a->manifest_body && artifact_find_stored(db, a, art) == -ENOENT && artifact_render(a) < 0)
		return -ENOMEM;
	return artifact_ensure_stored(db, a, 0, ts, art);
}

/* Under the write lock: the artifact's entry, adding the bytes if new. */
static int add_locked(struct db *db, struct artifact *a, const char *origin, int64_t ts, struct install_report *r)
{
	struct catalog_row cur, row;
	int64_t art = 0;
	int rc = catdb_get(db, a->id, a->version_text, &cur);
	int known = rc == 0;
	if (known && (cur.size != a->len || cur.xxh3 != a->xxh3 ||
			(cur.artifact && (artifact_find_stored(db, a, &art) < 0 || art != cur.artifact)))) {
		diag_add(&r->diag, EEXIST, "%s@%s is already in the catalog with other bytes: versions are immutable; give "
			 "the new artifact another version", a->id, a->version_text);
		return -EEXIST;
	}
	if (known && cur.artifact) {
		r->unchanged = 1; /* the identical bytes: nothing to do */
		return 0;
	}
	if (rc < 0 && rc != -ENOENT)
		return rc;
	rc = store_bytes(db, a, ts, &art);
	if (rc == 0 && known) /* a remote entry not downloaded yet: these are its bytes */
		return catdb_set_artifact(db, cur.id, art);
	row_of(a, art, origin, &row);
	return rc ? rc : catdb_add(db, &row, ts, &r->changes);
}

int catalog_add(struct store *st, const char *bytes, size_t len, size_t max, const char *source,
		struct install_report *r)
{
	struct artifact a;
	int64_t ts;
	int rc = -artifact_load(&a, bytes, len, max, 0, &r->diag);
	artifact_label(&a, r->label, sizeof(r->label));
	struct db *db = rc ? NULL : store_acquire(st);
	int64_t art;
	if (rc == 0 && !db)
		rc = -ENOMEM;
	/* Render outside the lock, unless the bytes are already stored. */
	if (rc == 0 && artifact_find_stored(db, &a, &art) == -ENOENT && artifact_render(&a) < 0)
		rc = -ENOMEM;
	if (rc == 0 && (rc = db_begin(db)) == 0) {
		if ((rc = db_now(db, 1, &ts)) == 0)
			rc = add_locked(db, &a, "local", ts, r);
		rc = rc ? (db_rollback(db), rc) : db_commit_changes(db, &r->changes);
	}
	if (rc == 0)
		echo(r->unchanged ? "unchanged %s from %s: this exact artifact is already in the catalog"
				  : "added %s to the catalog from %s", r->label, source);
	for (size_t i = 0; i < r->diag.n && rc; i++)
		if (r->diag.v[i].err)
			echo("error: cannot add %s from %s: %s", a.id ? r->label : "the file", source, r->diag.v[i].msg);
	store_release(db);
	artifact_free(&a);
	return rc;
}

int catalog_note_preload(struct db *db, struct artifact *a, int64_t ts, struct changes *ch)
{
	struct catalog_row cur, row;
	int64_t art;
	int rc = catdb_get(db, a->id, a->version_text, &cur);
	if (rc != -ENOENT)
		return rc < 0 ? rc : 0; /* listed already: versions are immutable */
	/* Skipped as installed already, its bytes may not be stored yet. */
	if ((rc = store_bytes(db, a, ts, &art)) < 0)
		return rc;
	row_of(a, art, "preload", &row);
	return catdb_add(db, &row, ts, ch);
}

static int remove_locked(struct db *db, const char *pkg, const char *version, struct install_report *r)
{
	struct catalog_row cur;
	char tenants[512];
	int64_t ts;
	int rc = catdb_get(db, pkg, version, &cur);
	if (rc == -ENOENT)
		diag_add(&r->diag, ENOENT, "%s@%s is not in the catalog", pkg, version);
	if (rc < 0)
		return rc;
	if (!strcmp(cur.origin, "remote")) {
		diag_add(&r->diag, EPERM, "%s@%s comes from the remote catalog: it cannot be removed here", pkg, version);
		return -EPERM;
	}
	if ((rc = catdb_installed_in(db, pkg, version, tenants, sizeof(tenants))) > 0) {
		diag_add(&r->diag, EBUSY, "%s@%s is installed in tenant%s %s: uninstall it there first", pkg, version,
			 rc > 1 ? "s" : "", tenants);
		return -EBUSY;
	}
	if (rc == 0 && (rc = db_now(db, 0, &ts)) == 0)
		rc = catdb_remove(db, &cur, ts, &r->changes);
	return rc;
}

int catalog_remove(struct store *st, const char *pkg, const char *version, struct install_report *r)
{
	struct db *db = store_acquire(st);
	if (!db)
		return -ENOMEM;
	snprintf(r->label, sizeof(r->label), "%s@%s", pkg, version);
	int rc = db_begin(db);
	if (rc == 0) {
		rc = remove_locked(db, pkg, version, r);
		rc = rc ? (db_rollback(db), rc) : db_commit_changes(db, &r->changes);
	}
	if (rc == 0)
		echo("removed %s@%s from the catalog", pkg, version);
	else if (diag_first(&r->diag))
		echo("error: cannot remove %s@%s from the catalog: %s", pkg, version, diag_first(&r->diag));
	store_release(db);
	return rc;
}

int catalog_remove_dir(struct store *st, const char *pkg, struct install_report *r)
{
	int64_t ts;
	struct db *db = store_acquire(st);
	if (!db)
		return -ENOMEM;
	int rc = db_begin(db);
	if (rc == 0) {
		if ((rc = db_now(db, 0, &ts)) == 0)
			rc = catdb_remove_dir(db, pkg, ts, &r->changes);
		rc = rc ? (db_rollback(db), rc) : db_commit_changes(db, &r->changes);
	}
	if (rc == -ENOTEMPTY)
		diag_add(&r->diag, ENOTEMPTY, "catalog/%s still holds versions: remove them first", pkg);
	store_release(db);
	return rc;
}
