/* osfsctl update --mount M: the daemon of M syncs its remote catalog now,
 * as `apt update` does, and what changed is printed: new packages, new
 * versions, and the updates osfsctl status now offers for installed
 * packages (or no longer offers).
 *
 * The daemon is asked through the mount: a getxattr of user.osfs.sync on
 * M/catalog/ returns once a sync that started after the call has ended
 * (fs/refresh.h), failing with the sync's errno when it had problems,
 * which user.osfs.sync_error then says.  What changed is the difference
 * between two listings of M/catalog/ and of each tenant's packages, taken
 * before and after, with the code of osfsctl status (ctl_tenant_packages):
 * an update is what status would offer, no more. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "catalog/semver.h"
#include "tools/ctl.h"

/* A sorted list of "key" -> "text" (text may be NULL). */
struct entry {
	char *key, *text;
	char *update;  /* the version offered, or NULL */
};
struct list {
	struct entry *v;
	size_t n, cap;
	int oom;
};

static void list_add(struct list *l, const char *key, const char *text, const char *update)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct entry *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->oom = 1;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	struct entry *e = &l->v[l->n];
	e->key = strdup(key);
	e->text = text ? strdup(text) : NULL;
	e->update = update ? strdup(update) : NULL;
	if (!e->key || (text && !e->text) || (update && !e->update)) {
		free(e->key);
		free(e->text);
		free(e->update);
		l->oom = 1;
		return;
	}
	l->n++;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

static const struct entry *list_find(const struct list *l, const char *key)
{
	struct entry k = { (char *)key, NULL, NULL };
	return l->n ? bsearch(&k, l->v, l->n, sizeof(*l->v), by_key) : NULL;
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].text);
		free(l->v[i].update);
	}
	free(l->v);
}

/* What the mount shows: catalog/ as "id" and "id\tversion", and the
 * updates of each tenant's packages as "tenant\tid@version" -> the line
 * printed for it. */
struct view {
	struct list ids, versions, offers;
	int updates;     /* packages with an update offered */
	int unreadable;  /* catalog/ or tenants/ could not be listed */
};

static int named(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void read_catalog(const char *mount, struct view *v)
{
	char path[4400];
	struct dirent **e;
	snprintf(path, sizeof(path), "%s/catalog", mount);
	int n = scandir(path, &e, named, alphasort);
	if (n < 0) {
		v->unreadable = 1;
		return;
	}
	for (int i = 0; i < n; i++) {
		struct dirent **f;
		snprintf(path, sizeof(path), "%s/catalog/%s", mount, e[i]->d_name);
		/* A file in catalog/ is an upload being written, not a package. */
		int m = is_dir(path) ? scandir(path, &f, named, alphasort) : -1;
		if (m >= 0)
			list_add(&v->ids, e[i]->d_name, NULL, NULL);
		for (int j = 0; j < m; j++) {
			size_t len = strlen(f[j]->d_name);
			if (len > 5 && !strcmp(f[j]->d_name + len - 5, ".json")) {
				snprintf(path, sizeof(path), "%s\t%.*s", e[i]->d_name, (int)(len - 5), f[j]->d_name);
				list_add(&v->versions, path, NULL, NULL);
			}
			free(f[j]);
		}
		if (m >= 0)
			free(f);
		free(e[i]);
	}
	free(e);
}

struct tenant_ctx {
	struct view *v;
	const char *tenant;
};

static void note_package(void *ctx, const struct ctl_pkg *p)
{
	struct tenant_ctx *t = ctx;
	char key[1200], line[2400];
	if (!p->update[0] && !p->refused[0])
		return;
	snprintf(key, sizeof(key), "%s\t%s@%s", t->tenant, p->id, p->version);
	if (p->update[0] && p->refused[0])
		snprintf(line, sizeof(line), "tenant %s: %s %s -> %s (%s is not offered: %s)", t->tenant, p->id,
			 p->version, p->update, p->refused, p->why);
	else if (p->update[0])
		snprintf(line, sizeof(line), "tenant %s: %s %s -> %s", t->tenant, p->id, p->version, p->update);
	else
		snprintf(line, sizeof(line), "tenant %s: %s %s: %s in the catalog is not offered: %s", t->tenant, p->id,
			 p->version, p->refused, p->why);
	list_add(&t->v->offers, key, line, p->update[0] ? p->update : NULL);
	t->v->updates += p->update[0] != '\0';
}

static void read_view(const char *mount, struct view *v)
{
	char path[4400];
	struct dirent **e;
	memset(v, 0, sizeof(*v));
	read_catalog(mount, v);
	snprintf(path, sizeof(path), "%s/tenants", mount);
	int n = scandir(path, &e, named, alphasort);
	if (n < 0)
		v->unreadable = 1;
	for (int i = 0; i < n; i++) {
		struct tenant_ctx t = { v, e[i]->d_name };
		if (ctl_tenant_packages(mount, e[i]->d_name, note_package, &t) < 0)
			v->unreadable = 1;
		free(e[i]);
	}
	if (n >= 0)
		free(e);
	struct list *lists[] = { &v->ids, &v->versions, &v->offers };
	for (size_t i = 0; i < 3; i++)
		if (lists[i]->n) /* an empty list has no array at all */
			qsort(lists[i]->v, lists[i]->n, sizeof(*lists[i]->v), by_key);
}

/* 0 if part of the mount could not be read (or held in memory). */
static int view_whole(const struct view *v)
{
	return !v->unreadable && !v->ids.oom && !v->versions.oom && !v->offers.oom;
}

static void view_free(struct view *v)
{
	list_free(&v->ids);
	list_free(&v->versions);
	list_free(&v->offers);
}

static int highest_last(const void *pa, const void *pb)
{
	const struct entry *a = *(struct entry *const *)pa, *b = *(struct entry *const *)pb;
	size_t ia = strcspn(a->key, "\t"), ib = strcspn(b->key, "\t");
	int c = strncmp(a->key, b->key, ia < ib ? ia : ib);
	if (c || ia != ib)
		return c ? c : ia < ib ? -1 : 1;
	struct semver x, y;
	if (semver_parse(a->key + ia + 1, SEMVER_STRICT, &x) < 0)
		return strcmp(a->key, b->key);
	if (semver_parse(b->key + ib + 1, SEMVER_STRICT, &y) < 0) {
		semver_free(&x);
		return strcmp(a->key, b->key);
	}
	c = semver_compare(&x, &y);
	semver_free(&x);
	semver_free(&y);
	return c;
}

static const char *plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Prints what differs from before to after: each new package on a line
 * with its versions, then each new version of a package listed before,
 * then each update line that is new or other than before.  *ups counts
 * the updates to a version not offered before.  Returns how many lines. */
static int print_changes(const struct view *before, const struct view *after, int *pkgs, int *vers, int *ups)
{
	const struct entry **fresh = calloc(after->versions.n + 1, sizeof(*fresh));
	size_t nf = 0;
	int lines = 0;
	*pkgs = *vers = *ups = 0;
	for (size_t i = 0; i < after->versions.n && fresh; i++)
		if (!list_find(&before->versions, after->versions.v[i].key))
			fresh[nf++] = &after->versions.v[i];
	if (fresh)
		qsort(fresh, nf, sizeof(*fresh), highest_last);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nf;) {
			const char *key = fresh[i]->key;
			int idlen = (int)strcspn(key, "\t");
			char id[1024];
			snprintf(id, sizeof(id), "%.*s", idlen, key);
			int new_pkg = !list_find(&before->ids, id);
			if (pass == 0 && new_pkg) {
				printf("new package: %s", id);
				*pkgs += 1;
				lines++;
			}
			for (; i < nf && !strncmp(fresh[i]->key, key, (size_t)idlen + 1); i++) {
				if (pass == 0 && new_pkg)
					printf(" %s", fresh[i]->key + idlen + 1);
				else if (pass == 1 && !new_pkg && ++lines)
					printf("new version: %s %s\n", id, fresh[i]->key + idlen + 1);
			}
			if (pass == 0 && new_pkg)
				printf("\n");
		}
	}
	*vers = (int)nf;
	free(fresh);
	for (size_t i = 0; i < after->offers.n; i++) {
		const struct entry *now = &after->offers.v[i], *was = list_find(&before->offers, now->key);
		if (was && !strcmp(was->text, now->text))
			continue;
		printf("%s\n", now->text);
		*ups += now->update && !(was && was->update && !strcmp(was->update, now->update));
		lines++;
	}
	return lines;
}

/* The daemon's sentence for a sync that failed, on stderr. */
static void say_problems(const char *mount, const char *catalog, int err)
{
	char buf[4096];
	ssize_t n = getxattr(catalog, "user.osfs.sync_error", buf, sizeof(buf) - 1);
	if (n <= 0) {
		ctl_err("cannot sync the catalog of %s: %s", mount, strerror(err));
		return;
	}
	buf[n] = '\0';
	char *save = NULL, *line = strtok_r(buf, "\n", &save);
	ctl_err("cannot sync the catalog of %s: %s", mount, line ? line : "");
	while ((line = strtok_r(NULL, "\n", &save)))
		fprintf(stderr, "osfsctl:   %s\n", line);
}

/* Why the daemon cannot sync; returns the exit status. */
static int cannot_ask(const char *mount, int err)
{
	switch (err) {
	case ENOTSUP:
		ctl_err("%s has no remote catalog to sync: it was mounted without -o catalog=URL (its catalog/ "
			"holds what was copied or preloaded into it)", mount);
		return CTL_USAGE;
	case EROFS:
		ctl_err("%s is mounted read-only (-o ro): its catalog is served as the store has it, never synced",
			mount);
		return CTL_USAGE;
	case ENODATA:
		ctl_err("the daemon of %s cannot sync on request: it is older than this osfsctl (remount with the "
			"osfs of this version)", mount);
		return CTL_FAIL;
	default:
		ctl_err("cannot ask the daemon of %s for a sync: %s", mount, strerror(err));
		return CTL_FAIL;
	}
}

int ctl_update(int argc, char **argv)
{
	const char *mount = NULL, *v;
	for (int i = 1; i < argc; i++) {
		if ((v = ctl_opt(argc, argv, &i, "--mount")))
			mount = v;
		else
			mount = NULL, i = argc; /* an unknown argument: usage */
	}
	if (!mount) {
		ctl_err("usage: osfsctl update --mount MOUNTPOINT");
		return CTL_USAGE;
	}
	char catalog[4400], tenants[4400], ok[64];
	snprintf(catalog, sizeof(catalog), "%s/catalog", mount);
	snprintf(tenants, sizeof(tenants), "%s/tenants", mount);
	if (!is_dir(catalog) || !is_dir(tenants)) {
		ctl_err("%s is not an osfs mount (no catalog/ and tenants/ folders)", mount);
		return CTL_FAIL;
	}
	/* Its size only: the daemon answers at once, without a sync, and
	 * says whether it can sync at all before anything is read. */
	if (getxattr(catalog, "user.osfs.sync", NULL, 0) < 0)
		return cannot_ask(mount, errno);
	struct view before, after;
	read_view(mount, &before);
	ssize_t got = getxattr(catalog, "user.osfs.sync", ok, sizeof(ok));
	int err = got < 0 ? errno : 0;
	if (err == ENOTSUP || err == EROFS || err == ENODATA) { /* remounted meanwhile */
		view_free(&before);
		return cannot_ask(mount, err);
	}
	read_view(mount, &after);
	int pkgs, vers, ups, rc = CTL_OK;
	int changed = print_changes(&before, &after, &pkgs, &vers, &ups);
	if (err) {
		if (err == EINTR)
			ctl_err("interrupted: the daemon of %s goes on with the sync", mount);
		else if (err == ECANCELED)
			ctl_err("the daemon of %s stopped before the sync ended", mount);
		else
			say_problems(mount, catalog, err);
		rc = CTL_FAIL;
	} else if (!changed) {
		printf("synced the catalog: nothing changed (%zu %s, %zu %s)\n", after.ids.n,
		       plural((int)after.ids.n, "package", "packages"), after.versions.n,
		       plural((int)after.versions.n, "version", "versions"));
	} else {
		printf("synced the catalog: %d new %s, %d new %s, %d new %s\n", pkgs, plural(pkgs, "package", "packages"),
		       vers, plural(vers, "version", "versions"), ups, plural(ups, "update", "updates"));
	}
	if (after.updates)
		printf("%d installed package%s can be updated: osfsctl status --mount %s lists %s\n", after.updates,
		       after.updates > 1 ? "s" : "", mount, after.updates > 1 ? "them" : "it");
	if (!view_whole(&before) || !view_whole(&after))
		ctl_err("warning: some of %s could not be read: what changed may be incomplete", mount);
	view_free(&before);
	view_free(&after);
	return rc;
}
