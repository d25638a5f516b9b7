/* install: the operations of SPEC sections 4 and 5, each one transaction.
 *
 * Parsing, checking and rendering happen before the write lock is taken,
 * so a large artifact never holds the store while it is being read.
 */
#include "catalog/install.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/install_internal.h"
#include "catalog/system.h"
#include "catalog/artifact_rows.h"
#include "store/watch.h"
#include "store/log.h"

void install_report_free(struct install_report *r)
{
	diag_free(&r->diag);
	changes_free(&r->changes);
}

/* Writes the errors of a failed operation to the tenant's log, in a
 * transaction of its own (the operation's was rolled back).  When that
 * cannot be written either (the disk is full), they still reach stderr. */
static void log_failure(struct db *db, const char *tenant, const char *what, struct install_report *r)
{
	struct tenant_row t;
	int64_t ts;
	size_t shown = 0;
	if (!tenant || tenants_find(db, tenant, &t) < 0 || db_begin(db) < 0)
		goto echo;
	if (db_now(db, 0, &ts) < 0)
		goto fail;
	for (size_t i = 0; i < r->diag.n; i++) {
		const struct diag_item *it = &r->diag.v[i];
		if (!it->err)
			continue;
		if (++shown > 20) {
			install_log(db, &t, ts, &r->changes, "error: %s: and %zu more problems (osfsctl validate shows all)",
				    what, r->diag.nerr - 20);
			break;
		}
		if (install_log(db, &t, ts, &r->changes, "error: %s: %s [%s]", what, it->msg, diag_errname(it->err)) < 0)
			goto fail;
	}
	if (r->diag.oom)
		install_log(db, &t, ts, &r->changes, "error: %s: out of memory", what);
	if (db_commit_changes(db, &r->changes) == 0)
		return;
fail:
	db_rollback(db);
echo:
	for (size_t i = 0; i < r->diag.n && install_echo; i++)
		if (r->diag.v[i].err) {
			char line[1024];
			snprintf(line, sizeof(line), "error: %s: %s [%s]", what, r->diag.v[i].msg,
				 diag_errname(r->diag.v[i].err));
			install_echo(tenant ? tenant : "-", line);
		}
}

static int find_tenant(struct db *db, const char *name, struct tenant_row *t, struct install_report *r)
{
	int rc = tenants_find(db, name, t);
	if (rc == -ENOENT)
		diag_add(&r->diag, ENOENT, "tenant %s does not exist: create it with mkdir tenants/%s", name, name);
	else if (rc == 0)
		r->tenant = t->id;
	return rc;
}

/* install_in_tx, stopping after the checks when check_only (nothing is
 * written: the caller rolls back). */
static int install_tx(struct db *db, struct artifact *a, const struct install_opts *o, int check_only,
		      struct install_report *r)
{
	struct tenant_row t;
	struct install_row cur;
	int64_t ts, art;
	int rc = find_tenant(db, o->tenant, &t, r);
	if (rc < 0)
		return rc;
	rc = installs_get(db, t.id, a->id, &cur);
	int have = rc == 0;
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (have && !diag_errno(&r->diag) && artifact_find_stored(db, a, &art) == 0 && art == cur.artifact) {
		/* The identical artifact: nothing to install.  The file keeps
		 * the mode and mtime it was written with this time, so that
		 * rsync finds it up to date. */
		if (check_only)
			return 0;
		if ((rc = db_now(db, 1, &ts)) == 0 && o->mtime)
			rc = installs_set_attr(db, cur.id, o->mode ? (int64_t)o->mode : -1, o->mtime, ts + 1);
		if (rc == 0)
			rc = install_log(db, &t, ts, &r->changes, "unchanged %s@%s from %s: this exact artifact is "
					 "already installed", a->id, a->version_text, o->source);
		changes_node(&r->changes, tree_node(T_INSTFILE, (uint64_t)cur.id), 0);
		return rc;
	}
	if ((rc = install_check(db, &t, a, have ? &cur : NULL, &r->diag)) < 0 || diag_errno(&r->diag))
		return rc < 0 ? rc : -diag_errno(&r->diag);
	if (check_only)
		return 0;
	/* Found stored before the lock, the artifact may have been collected
	 * since (its last install removed): then it is stored anew. */
	if (!a->manifest_body && artifact_find_stored(db, a, &art) == -ENOENT && artifact_render(a) < 0)
		return -ENOMEM;
	if ((rc = db_now(db, install_span(a), &ts)) == 0)
		rc = install_apply(db, &t, a, have ? &cur : NULL, o, ts, r);
	return rc;
}

int install_in_tx(struct db *db, struct artifact *a, const struct install_opts *o, struct install_report *r)
{
	return install_tx(db, a, o, 0, r);
}

/* Rules 6-8 and the apply, under the write lock, in a transaction. */
static int install_locked(struct db *db, struct artifact *a, const struct install_opts *o, int check_only,
			  struct install_report *r)
{
	int rc = db_begin(db);
	if (rc < 0)
		return rc;
	rc = install_tx(db, a, o, check_only, r);
	if (rc == 0 && !diag_errno(&r->diag) && !check_only)
		return db_commit_changes(db, &r->changes);
	db_rollback(db);
	return rc < 0 ? rc : -diag_errno(&r->diag);
}

static int install_bytes(struct store *st, const char *bytes, size_t len, const struct install_opts *o,
			 int check_only, struct install_report *r)
{
	struct artifact a;
	char what[NAME_MAX_ID + 600];
	int64_t art;
	int rc = -artifact_load(&a, bytes, len, o->max_size, 0, &r->diag);
	artifact_label(&a, r->label, sizeof(r->label));
	if (rc == 0 && o->expect_id && strcmp(a.id, o->expect_id))
		diag_add(&r->diag, EINVAL, "install/%s.json can only hold %s, but these bytes are %s: copy them under "
			 "another name, such as install/%s.json", o->expect_id, o->expect_id, r->label, a.id);
	struct db *db = store_acquire(st);
	if (!db) {
		artifact_free(&a);
		return -ENOMEM;
	}
	rc = diag_errno(&r->diag) ? -diag_errno(&r->diag) : 0;
	/* Render outside the lock, unless the bytes are already stored (or
	 * only checked: the checks read the parsed artifact). */
	if (rc == 0 && !check_only && artifact_find_stored(db, &a, &art) == -ENOENT && artifact_render(&a) < 0)
		rc = -ENOMEM;
	/* An artifact with problems still goes through the tenant checks, so
	 * that every problem is reported at once; it is never applied. */
	if (rc == 0 || (rc != -ENOMEM && artifact_usable(&a))) {
		int locked = install_locked(db, &a, o, check_only, r);
		rc = rc ? rc : locked;
	}
	if (rc < 0 && !check_only) {
		snprintf(what, sizeof(what), "cannot install %s from %s", a.id ? r->label : "the file", o->source);
		if (!diag_errno(&r->diag))
			diag_add(&r->diag, -rc, "the store failed (%s)", strerror(-rc));
		log_failure(db, o->tenant, what, r);
	}
	store_release(db);
	artifact_free(&a);
	return rc;
}

int install_artifact(struct store *st, const char *bytes, size_t len, const struct install_opts *o,
		     struct install_report *r)
{
	return install_bytes(st, bytes, len, o, 0, r);
}

int install_artifact_check(struct store *st, const char *bytes, size_t len, const struct install_opts *o,
			   struct install_report *r)
{
	return install_bytes(st, bytes, len, o, 1, r);
}

static int remove_locked(struct db *db, const char *tenant, const char *pkg, struct install_report *r)
{
	struct tenant_row t;
	struct install_row cur;
	struct dep_edge *e = NULL;
	size_t n = 0;
	int64_t ts;
	int rc = db_begin(db);
	if (rc < 0)
		return rc;
	if ((rc = find_tenant(db, tenant, &t, r)) < 0)
		goto out;
	if ((rc = installs_get(db, t.id, pkg, &cur)) == -ENOENT || (rc == 0 && cur.system)) {
		diag_add(&r->diag, rc ? ENOENT : EPERM, rc ? "%s is not installed in tenant %s"
			 : "%s is a system package of tenant %s: system packages cannot be removed", pkg, t.name);
		goto out;
	}
	snprintf(r->label, sizeof(r->label), "%s@%s", cur.pkg, cur.version);
	if (rc < 0 || (rc = installs_dependents(db, t.id, pkg, &e, &n)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		diag_add(&r->diag, EBUSY, "%s@%s depends on %s (%s): remove %s first", e[i].pkg, e[i].version, pkg,
			 e[i].range, e[i].pkg);
	if (n)
		goto out;
	if ((rc = db_now(db, 1 << 20, &ts)) == 0)
		rc = install_detach(db, &t, &cur, ts, r);
	if (rc == 0)
		rc = installs_history(db, t.id, pkg, "removed", cur.version, NULL, ts);
	if (rc == 0)
		rc = tenants_touch(db, t.id, ts);
	if (rc == 0)
		rc = install_log(db, &t, ts, &r->changes, "removed %s@%s: its objects are unregistered, its records "
				 "are kept", cur.pkg, cur.version);
out:
	installs_edges_free(e, n);
	if (rc == 0 && !diag_errno(&r->diag))
		return db_commit_changes(db, &r->changes);
	db_rollback(db);
	return rc < 0 ? rc : -diag_errno(&r->diag);
}

int install_remove(struct store *st, const char *tenant, const char *pkg, struct install_report *r)
{
	struct db *db = store_acquire(st);
	char what[sizeof(r->label) + 32];
	if (!db)
		return -ENOMEM;
	snprintf(r->label, sizeof(r->label), "%s", pkg);
	int rc = remove_locked(db, tenant, pkg, r);
	if (rc < 0) {
		snprintf(what, sizeof(what), "cannot remove %s", r->label);
		if (!diag_errno(&r->diag))
			diag_add(&r->diag, -rc, "the store failed (%s)", strerror(-rc));
		log_failure(db, tenant, what, r);
	}
	store_release(db);
	return rc;
}

int install_note(struct store *st, const char *tenant, const char *line, struct install_report *r)
{
	struct tenant_row t;
	int64_t ts;
	struct db *db = store_acquire(st);
	if (!db)
		return -ENOMEM;
	int rc = tenants_find(db, tenant, &t);
	if (rc == 0 && (rc = db_begin(db)) == 0) {
		if ((rc = db_now(db, 0, &ts)) == 0)
			rc = install_log(db, &t, ts, &r->changes, "%s", line);
		if (rc == 0)
			rc = db_commit_changes(db, &r->changes);
		else
			db_rollback(db);
	}
	store_release(db);
	return rc;
}

/* Installs (or brings to this release) every system package of t, each
 * at a store time of its own so that their files have distinct times. */
static int install_system(struct db *db, const struct tenant_row *t, struct install_report *r)
{
	const struct artifact *sys;
	size_t n;
	int rc = system_packages(&sys, &n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct install_row cur;
		int64_t art, ts;
		rc = installs_get(db, t->id, sys[i].id, &cur);
		if (rc == 0 && artifact_find_stored(db, &sys[i], &art) == 0 && art == cur.artifact)
			continue;
		if (rc < 0 && rc != -ENOENT)
			break;
		int have = rc == 0;
		if ((rc = db_now(db, install_span(&sys[i]), &ts)) == 0)
			rc = install_apply(db, t, &sys[i], have ? &cur : NULL, NULL, ts, r);
	}
	return rc;
}

static int check_tenant_name(const char *name, struct install_report *r)
{
	if (name_is_tenant(name))
		return 0;
	diag_add(&r->diag, EINVAL, "\"%.80s\" is not a valid tenant name: use 1-63 characters of a-z, 0-9, '_' and "
		 "'-', starting with a letter or digit", name);
	return -EINVAL;
}

int install_tenant_in_tx(struct db *db, const char *name, uid_t uid, gid_t gid, struct install_report *r)
{
	struct tenant_row t = { 0 };
	int64_t ts;
	int rc = check_tenant_name(name, r);
	if (rc == 0)
		rc = db_now(db, 0, &ts);
	if (rc == 0)
		rc = tenants_create(db, name, uid, gid, 0750, ts, &t.id);
	if (rc == -EEXIST)
		diag_add(&r->diag, EEXIST, "tenant %s already exists", name);
	if (rc == 0 && (rc = tenants_get(db, t.id, &t)) == 0)
		rc = install_system(db, &t, r);
	if (rc == 0)
		rc = install_log(db, &t, ts, &r->changes, "created tenant %s (owner uid %u, gid %u) with the system "
				 "packages of osfs %s", name, (unsigned)uid, (unsigned)gid, OSFS_VERSION);
	if (rc == 0) {
		r->tenant = t.id;
		changes_node(&r->changes, tree_node(T_FIXED, TREE_TENANTS), 0);
	}
	return rc;
}

/* -EDQUOT if uid may not own one more tenant (a name that exists is left
 * to the creation, which says EEXIST). */
static int check_tenant_quota(struct db *db, const char *name, uid_t uid, unsigned max, struct install_report *r)
{
	struct tenant_row t;
	int64_t n;
	if (!max || uid == 0 || tenants_find(db, name, &t) == 0)
		return 0;
	int rc = tenants_count_owned(db, uid, &n);
	if (rc == 0 && n >= (int64_t)max) {
		diag_add(&r->diag, EDQUOT, "uid %u owns %lld tenants, the most -o max_tenants_per_uid=%u allows: remove "
			 "one (rmdir) or ask the administrator to raise the limit", (unsigned)uid, (long long)n, max);
		rc = -EDQUOT;
	}
	return rc;
}

int install_tenant_create(struct store *st, const char *name, uid_t uid, gid_t gid, struct install_report *r)
{
	return install_tenant_create_max(st, name, uid, gid, 0, r);
}

int install_tenant_create_max(struct store *st, const char *name, uid_t uid, gid_t gid, unsigned max,
			      struct install_report *r)
{
	int rc = check_tenant_name(name, r);
	if (rc < 0)
		return rc;
	struct db *db = store_acquire(st);
	if (!db)
		return -ENOMEM;
	rc = db_begin(db);
	if (rc == 0)
		rc = check_tenant_quota(db, name, uid, max, r);
	if (rc == 0)
		rc = install_tenant_in_tx(db, name, uid, gid, r);
	if (rc == 0)
		rc = db_commit_changes(db, &r->changes);
	else
		db_rollback(db);
	/* A COMMIT that failed (a full disk) has no sentence of its own. */
	if (rc < 0 && !diag_errno(&r->diag))
		diag_add(&r->diag, -rc, "cannot create tenant %s: the store failed (%s)", name, strerror(-rc));
	store_release(db);
	return rc;
}

int install_tenant_remove(struct store *st, const char *name, struct install_report *r)
{
	struct tenant_row t;
	int64_t ts;
	struct db *db = store_acquire(st);
	if (!db)
		return -ENOMEM;
	int rc = db_begin(db);
	if (rc == 0)
		rc = find_tenant(db, name, &t, r);
	if (rc == 0 && (rc = tenants_is_empty(db, t.id)) == 0) {
		diag_add(&r->diag, ENOTEMPTY, "tenant %s still has packages installed or records kept: remove them "
			 "first", name);
		rc = -ENOTEMPTY;
	} else if (rc == 1) {
		rc = db_now(db, 0, &ts);
		if (rc == 0)
			rc = tenants_delete(db, t.id, ts);
	}
	if (rc == 0) {
		changes_entry(&r->changes, tree_node(T_FIXED, TREE_TENANTS), name);
		changes_node(&r->changes, tree_node(T_FIXED, TREE_TENANTS), 0);
		rc = db_commit_changes(db, &r->changes);
	} else {
		db_rollback(db);
	}
	/* Removing a tenant leaves its system artifacts for the others. */
	store_release(db);
	return rc;
}

struct refresh {
	struct db *db;
	int rc;
};

static int refresh_tenant(void *ctx, int64_t id, const char *name)
{
	(void)name;
	struct refresh *f = ctx;
	struct install_report r = INSTALL_REPORT_INIT;
	struct tenant_row t;
	f->rc = tenants_get(f->db, id, &t);
	if (f->rc == 0)
		f->rc = install_system(f->db, &t, &r);
	install_report_free(&r);
	return f->rc != 0;
}

/* 1 if every tenant already has every system package of this release:
 * one count per package, instead of a pass over every tenant under the
 * write lock at each mount (2.5-5 ms of CPU with 100 tenants, growing with
 * each; docs/performance.md, "Mount-ready").  A tenant has the package at
 * the artifact or it lacks it: there is one install per tenant and
 * package, and an artifact is of one package, so the count of installs of
 * the artifact equals the count of tenants only if none lacks it. */
static int system_current(struct store *st)
{
	const struct artifact *sys;
	size_t n;
	int64_t tenants, have, art;
	if (system_packages(&sys, &n) < 0)
		return 0;
	struct db *db = store_acquire_read(st);
	if (!db)
		return 0;
	int ok = tenants_count(db, &tenants) == 0;
	for (size_t i = 0; i < n && ok; i++)
		ok = artifact_find_stored(db, &sys[i], &art) == 0 && installs_count_artifact(db, art, &have) == 0 &&
		     have == tenants;
	store_release(db);
	return ok;
}

int install_refresh_system(struct store *st)
{
	if (system_current(st))
		return 0;
	struct db *db = store_acquire(st);
	if (!db)
		return -ENOMEM;
	struct refresh f = { db, 0 };
	int rc = db_begin(db);
	if (rc == 0)
		rc = tenants_each(db, refresh_tenant, &f);
	if (rc == 0)
		rc = f.rc;
	if (rc == 0)
		rc = db_commit(db);
	else
		db_rollback(db);
	store_release(db);
	return rc;
}
