/* preload: the artifacts a machine was handed, installed at mount time
 * (SPEC 7), in dependency order whatever their file names, all in one
 * transaction: either every one is in place when the mount is served, or
 * the store is as it was and the mount fails.
 *
 * An id@version already installed is skipped (a reboot changes nothing); a
 * newer version upgrades; an older one is skipped with a warning (a boot
 * never downgrades: copy it into install/ to do that).  Two files of one
 * package: the highest version is used.
 */
#include "catalog/preload.h"
#include "store/watch.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "catalog/dep_order.h"
#include "catalog/install_internal.h"
#include "catalog/strset.h"

struct pfile {
	char *path;
	char *data;
	size_t len;
	struct artifact a;
	int skip;      /* superseded by a higher version of the same package */
};

struct preload {
	struct pfile *f;
	size_t n, cap;
	size_t *order;
	size_t norder;
	struct diag *d;
};

static int add_path(struct preload *p, const char *path)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct pfile *f = realloc(p->f, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		p->f = f;
		p->cap = cap;
	}
	memset(&p->f[p->n], 0, sizeof(p->f[p->n]));
	if (!(p->f[p->n].path = strdup(path)))
		return -ENOMEM;
	p->n++;
	return 0;
}

static int json_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return e->d_name[0] != '.' && n > 5 && !strcmp(e->d_name + n - 5, ".json");
}

/* One PATH element: a file, or a folder of *.json (in name order). */
static int collect(struct preload *p, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		diag_add(p->d, errno, "preload path %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return add_path(p, path);
	struct dirent **e;
	int n = scandir(path, &e, json_file, alphasort), rc = 0;
	if (n < 0) {
		diag_add(p->d, errno, "preload folder %s: %s", path, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		char full[4096];
		snprintf(full, sizeof(full), "%s/%s", path, e[i]->d_name);
		if (rc == 0 && stat(full, &st) == 0 && S_ISREG(st.st_mode))
			rc = add_path(p, full);
		free(e[i]);
	}
	free(e);
	return rc;
}

static int read_file(struct pfile *f, size_t max, struct diag *d)
{
	FILE *in = fopen(f->path, "rb");
	struct stat st;
	if (!in || fstat(fileno(in), &st) < 0) {
		diag_add(d, errno, "preload %s: %s", f->path, strerror(errno));
		if (in)
			fclose(in);
		return -1;
	}
	if ((size_t)st.st_size > max) {
		diag_add(d, EFBIG, "preload %s: the file is %lld bytes; the limit is %zu (option max_artifact)", f->path,
			 (long long)st.st_size, max);
		fclose(in);
		return -1;
	}
	f->data = malloc((size_t)st.st_size + 1);
	f->len = f->data ? fread(f->data, 1, (size_t)st.st_size, in) : 0;
	int bad = !f->data || ferror(in);
	fclose(in);
	if (bad)
		diag_add(d, EIO, "preload %s: cannot read it", f->path);
	return bad ? -1 : 0;
}

static int load_all(struct preload *p, size_t max)
{
	int bad = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct pfile *f = &p->f[i];
		struct diag one = DIAG_INIT;
		if (read_file(f, max, p->d) < 0) {
			bad = 1;
			continue;
		}
		if (artifact_load(&f->a, f->data, f->len, max, 0, &one)) {
			for (size_t k = 0; k < one.n; k++)
				if (one.v[k].err)
					diag_add(p->d, one.v[k].err, "preload %s: %s", f->path, one.v[k].msg);
			bad = 1;
		}
		diag_free(&one);
	}
	return bad ? -1 : 0;
}

/* Two files of one package: the highest version wins. */
static void pick_versions(struct preload *p)
{
	for (size_t i = 0; i < p->n; i++) {
		for (size_t j = i + 1; j < p->n; j++) {
			struct pfile *x = &p->f[i], *y = &p->f[j];
			if (x->skip || y->skip || strcmp(x->a.id, y->a.id))
				continue;
			struct pfile *lower = semver_compare(&x->a.version, &y->a.version) < 0 ? x : y;
			struct pfile *higher = lower == x ? y : x;
			diag_warn(p->d, "preload: %s and %s both hold %s; using %s (%s)", x->path, y->path, x->a.id,
				  higher->a.version_text, higher->path);
			lower->skip = 1;
		}
	}
}

/* Dependency order (each package after the preloaded ones it depends on),
 * file order otherwise (catalog/dep_order.h). */
static int sort_by_deps(struct preload *p)
{
	const struct artifact **a = calloc(p->n + 1, sizeof(*a));
	const char **labels = calloc(p->n + 1, sizeof(*labels));
	size_t *live = calloc(p->n + 1, sizeof(*live));
	int rc = a && labels && live && (p->order = calloc(p->n + 1, sizeof(*p->order))) ? 0 : -ENOMEM;
	size_t m = 0;
	for (size_t i = 0; i < p->n && rc == 0; i++)
		if (!p->f[i].skip) {
			a[m] = &p->f[i].a;
			labels[m] = p->f[i].path;
			live[m++] = i;
		}
	if (rc == 0)
		rc = dep_order(a, labels, m, p->order, "preload", p->d);
	for (size_t k = 0; k < m && rc == 0; k++)
		p->order[k] = live[p->order[k]];
	if (rc == 0)
		p->norder = m;
	free(a);
	free(labels);
	free(live);
	return rc;
}

/* Installs f, or skips it if that version or a newer one is there. */
static int place(struct db *db, const struct tenant_row *t, struct pfile *f, size_t max, struct install_report *r)
{
	struct install_row cur;
	struct semver v;
	int rc = installs_get(db, t->id, f->a.id, &cur);
	if (rc == 0 && semver_parse(cur.version, SEMVER_STRICT, &v) == 0) {
		int c = semver_compare(&f->a.version, &v);
		semver_free(&v);
		if (c < 0)
			diag_warn(&r->diag, "preload %s: %s@%s is installed, newer than %s: kept", f->path, cur.pkg,
				  cur.version, f->a.version_text);
		if (c <= 0)
			return 0;
	} else if (rc < 0 && rc != -ENOENT) {
		return rc;
	}
	struct install_opts o = { t->name, f->path, NULL, max, 0, 0 };
	rc = install_in_tx(db, &f->a, &o, r);
	if (rc < 0 && diag_first(&r->diag))
		diag_add(&r->diag, -rc, "preload %s (%s@%s) cannot be installed: %s", f->path, f->a.id,
			 f->a.version_text, diag_first(&r->diag));
	return rc;
}

static int install_all(struct db *db, struct preload *p, const char *tenant, size_t max, preload_progress_fn progress,
		       void *ctx, struct install_report *r)
{
	struct tenant_row t;
	int rc = db_begin(db);
	if (rc < 0)
		return rc;
	if ((rc = tenants_find(db, tenant, &t)) == -ENOENT &&
	    (rc = install_tenant_in_tx(db, tenant, getuid(), getgid(), r)) == 0)
		rc = tenants_find(db, tenant, &t);
	for (size_t i = 0; i < p->norder && rc == 0; i++) {
		struct pfile *f = &p->f[p->order[i]];
		int64_t ts;
		rc = place(db, &t, f, max, r);
		/* Preloaded artifacts are in catalog/ too (SPEC 7). */
		if (rc == 0 && (rc = db_now(db, 1, &ts)) == 0)
			rc = catalog_note_preload(db, &f->a, ts, &r->changes);
		if (progress)
			progress(ctx, i + 1, p->norder, f->a.id);
	}
	if (rc == 0 && !diag_errno(&r->diag))
		return db_commit_changes(db, &r->changes);
	db_rollback(db);
	return rc < 0 ? rc : -diag_errno(&r->diag);
}

int install_preload(struct store *st, const char *paths, const char *tenant, size_t max, preload_progress_fn progress,
		    void *ctx, struct install_report *r)
{
	struct preload p = { .d = &r->diag };
	char *copy = strdup(paths), *save = NULL;
	int rc = copy ? 0 : -ENOMEM;
	for (char *tok = copy ? strtok_r(copy, ":", &save) : NULL; tok && rc == 0; tok = strtok_r(NULL, ":", &save))
		rc = collect(&p, tok);
	free(copy);
	if (rc == 0 && load_all(&p, max) < 0)
		rc = -diag_errno(&r->diag);
	if (rc == 0) {
		pick_versions(&p);
		rc = sort_by_deps(&p);
	}
	if (rc == 0) {
		struct db *db = store_acquire(st);
		rc = db ? install_all(db, &p, tenant, max, progress, ctx, r) : -ENOMEM;
		store_release(db);
	}
	for (size_t i = 0; i < p.n; i++) {
		artifact_free(&p.f[i].a);
		free(p.f[i].data);
		free(p.f[i].path);
	}
	free(p.f);
	free(p.order);
	return rc;
}
