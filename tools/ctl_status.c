/* osfsctl status: the tenants of a mount (or one) and their packages, with
 * the updates the catalog offers (the daemon names the newest version in
 * the xattr user.osfs.update of packages/<id>@<version>).
 *
 * An update that the install would refuse is not offered: for each newer
 * version in catalog/<id>/, highest first, its dependencies must be
 * installed in the tenant at versions in range, and every other installed
 * package that depends on <id> must accept it.  The highest version that
 * passes is offered; the line says why the ones above it are not. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <cjson/cJSON.h>

#include "catalog/semver.h"
#include "tools/ctl.h"

#define MANIFEST_MAX (16u << 20)

struct pkg {
	char *id, *version;
	cJSON *manifest; /* its manifest.json, for "dependencies" */
};

struct tenant {
	const char *mount, *name;
	struct pkg *p;
	size_t n;
};

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static cJSON *read_json(const char *path, size_t max)
{
	char *data;
	size_t len;
	if (ctl_read_file(path, max, &data, &len) < 0)
		return NULL;
	cJSON *j = len <= max ? cJSON_ParseWithLength(data, len) : NULL;
	free(data);
	return j;
}

/* The "dependencies" object of a manifest (or of an artifact's). */
static const cJSON *deps_of(const cJSON *j)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "manifest");
	return cJSON_GetObjectItemCaseSensitive(m ? m : j, "dependencies");
}

static const struct pkg *installed(const struct tenant *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->p[i].id, id))
			return &t->p[i];
	return NULL;
}

/* Why installing id@version would be refused, into why; 0 if it would not
 * (as far as dependencies go), 1 if refused, -1 if the artifact could not
 * be read (then it is offered: the install will say). */
static int refusal(const struct tenant *t, const char *id, const char *version, char *why, size_t len)
{
	char path[4400];
	snprintf(path, sizeof(path), "%s/catalog/%s/%s.json", t->mount, id, version);
	cJSON *art = read_json(path, (size_t)1 << 30);
	if (!art)
		return -1;
	int rc = 0;
	const cJSON *d;
	cJSON_ArrayForEach(d, deps_of(art)) {
		const struct pkg *have = installed(t, d->string);
		if (!cJSON_IsString(d) || !strcmp(d->string, id))
			continue;
		if (!have) {
			snprintf(why, len, "it needs %s %s, which is not installed", d->string, d->valuestring);
			rc = 1;
		} else if (semver_satisfies(have->version, d->valuestring) != 1) {
			snprintf(why, len, "it needs %s %s, and %s@%s is installed", d->string, d->valuestring, have->id,
				 have->version);
			rc = 1;
		}
		if (rc)
			break;
	}
	cJSON_Delete(art);
	for (size_t i = 0; i < t->n && rc == 0; i++) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(deps_of(t->p[i].manifest), id);
		if (cJSON_IsString(r) && strcmp(t->p[i].id, id) && semver_satisfies(version, r->valuestring) != 1) {
			snprintf(why, len, "%s@%s depends on %s %s", t->p[i].id, t->p[i].version, id, r->valuestring);
			rc = 1;
		}
	}
	return rc;
}

static int highest_first(const void *pa, const void *pb)
{
	const char *a = *(char *const *)pa, *b = *(char *const *)pb;
	struct semver x, y;
	int c = 0;
	if (!a || !b)
		return !a - !b;
	if (semver_parse(a, SEMVER_STRICT, &x) < 0)
		return 0;
	if (semver_parse(b, SEMVER_STRICT, &y) == 0) {
		c = semver_compare(&y, &x);
		semver_free(&y);
	}
	semver_free(&x);
	return c;
}

/* Versions of catalog/<id>/ newer than above, highest first. */
static int newer_versions(const struct tenant *t, const char *id, const char *above, char ***out)
{
	char path[4400];
	struct dirent **e;
	struct semver a;
	snprintf(path, sizeof(path), "%s/catalog/%s", t->mount, id);
	int n = scandir(path, &e, NULL, by_name), k = 0;
	if (n < 0 || semver_parse(above, SEMVER_STRICT, &a) < 0) {
		for (int i = 0; i < n; i++)
			free(e[i]);
		if (n >= 0)
			free(e);
		return 0;
	}
	*out = calloc((size_t)n + 1, sizeof(**out));
	for (int i = 0; i < n; i++) {
		size_t l = strlen(e[i]->d_name);
		struct semver v;
		if (*out && l > 5 && !strcmp(e[i]->d_name + l - 5, ".json")) {
			e[i]->d_name[l - 5] = '\0';
			if (semver_parse(e[i]->d_name, SEMVER_STRICT, &v) == 0) {
				if (semver_compare(&v, &a) > 0)
					(*out)[k++] = strdup(e[i]->d_name);
				semver_free(&v);
			}
		}
		free(e[i]);
	}
	free(e);
	semver_free(&a);
	if (*out)
		qsort(*out, (size_t)k, sizeof(**out), highest_first);
	return k;
}

/* The update offered for one package (u->update, "" if none) and the
 * newest version above it that is not (u->refused, with u->why). */
struct offer {
	char update[SEMVER_MAX_LENGTH + 1], refused[SEMVER_MAX_LENGTH + 1], why[600];
};

static void offer_of(const struct tenant *t, const struct pkg *p, struct offer *u)
{
	char path[4400], v[256];
	char **vers = NULL;
	memset(u, 0, sizeof(*u));
	snprintf(path, sizeof(path), "%s/tenants/%s/packages/%s@%s", t->mount, t->name, p->id, p->version);
	ssize_t got = getxattr(path, "user.osfs.update", v, sizeof(v) - 1);
	if (got <= 0)
		return; /* the daemon knows of no newer version */
	v[got] = '\0';
	int n = newer_versions(t, p->id, p->version, &vers);
	for (int i = 0; i < n && !u->update[0]; i++) {
		if (!vers[i])
			continue;
		char w[600];
		if (refusal(t, p->id, vers[i], w, sizeof(w)) <= 0) {
			snprintf(u->update, sizeof(u->update), "%s", vers[i]);
		} else if (!u->refused[0]) {
			snprintf(u->refused, sizeof(u->refused), "%s", vers[i]);
			snprintf(u->why, sizeof(u->why), "%s", w);
		}
	}
	if (n == 0) /* catalog/<id>/ could not be read: the daemon's word */
		snprintf(u->update, sizeof(u->update), "%.200s", v);
	for (int i = 0; i < n; i++)
		free(vers[i]);
	free(vers);
}

static void tenant_free(struct tenant *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->p[i].id);
		free(t->p[i].version);
		cJSON_Delete(t->p[i].manifest);
	}
	free(t->p);
}

int ctl_tenant_packages(const char *mount, const char *name, ctl_pkg_fn fn, void *ctx)
{
	char path[4400];
	struct tenant t = { mount, name, NULL, 0 };
	struct dirent **e;
	snprintf(path, sizeof(path), "%s/tenants/%s/packages", mount, name);
	int n = scandir(path, &e, NULL, by_name);
	if (n < 0)
		return -errno;
	t.p = calloc((size_t)n + 1, sizeof(*t.p));
	for (int i = 0; i < n; i++) {
		char *at = strrchr(e[i]->d_name, '@');
		if (t.p && e[i]->d_name[0] != '.' && at) {
			struct pkg *p = &t.p[t.n++];
			snprintf(path, sizeof(path), "%s/tenants/%s/packages/%s/manifest.json", mount, name, e[i]->d_name);
			p->manifest = read_json(path, MANIFEST_MAX);
			*at = '\0';
			p->id = strdup(e[i]->d_name);
			p->version = strdup(at + 1);
		}
		free(e[i]);
	}
	free(e);
	int rc = t.p ? 0 : -ENOMEM;
	for (size_t i = 0; i < t.n; i++) {
		struct pkg *p = &t.p[i];
		struct offer u;
		if (!p->id || !p->version) {
			rc = -ENOMEM;
			continue;
		}
		struct ctl_pkg c = { p->id, p->version, !strncmp(p->id, "sys.", 4), "", "", "" };
		if (!c.system) {
			offer_of(&t, p, &u);
			c.update = u.update, c.refused = u.refused, c.why = u.why;
		}
		fn(ctx, &c);
	}
	tenant_free(&t);
	return rc;
}

/* One line of osfsctl status; counts the updates offered. */
static void print_package(void *ctx, const struct ctl_pkg *p)
{
	int *updates = ctx;
	char note[1200] = "";
	if (p->update[0])
		snprintf(note, sizeof(note), "  (update: %s in the catalog%s%s%s%s)", p->update, p->refused[0] ? "; " : "",
			 p->refused, p->refused[0] ? " is not offered: " : "", p->why);
	else if (p->refused[0])
		snprintf(note, sizeof(note), "  (%s in the catalog is not offered: %s)", p->refused, p->why);
	*updates += p->update[0] != '\0';
	printf("  %-40s %s%s%s\n", p->id, p->version, p->system ? "  (system)" : "", note);
}

/* Prints a tenant; returns how many of its packages have updates. */
static int list_packages(const char *mount, const char *name)
{
	int updates = 0;
	printf("%s\n", name);
	int rc = ctl_tenant_packages(mount, name, print_package, &updates);
	if (rc < 0)
		printf("  (cannot list: %s)\n", strerror(-rc));
	return updates;
}

int ctl_status(int argc, char **argv)
{
	const char *mount = NULL, *only = NULL, *v;
	for (int i = 1; i < argc; i++) {
		if ((v = ctl_opt(argc, argv, &i, "--mount")))
			mount = v;
		else if ((v = ctl_opt(argc, argv, &i, "--tenant")))
			only = v;
		else
			mount = NULL, i = argc; /* an unknown argument: usage */
	}
	if (!mount) {
		ctl_err("usage: osfsctl status --mount MOUNTPOINT [--tenant TENANT]");
		return CTL_USAGE;
	}
	char path[4400];
	struct dirent **e;
	struct stat st;
	snprintf(path, sizeof(path), "%s/tenants", mount);
	if (stat(path, &st) < 0) {
		ctl_err("%s is not an osfs mount (no tenants/ folder)", mount);
		return CTL_FAIL;
	}
	int updates = 0;
	if (only) {
		snprintf(path, sizeof(path), "%s/tenants/%s", mount, only);
		if (strchr(only, '/') || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
			ctl_err("there is no tenant %s on %s (osfsctl status --mount %s lists them)", only, mount, mount);
			return CTL_FAIL;
		}
		updates = list_packages(mount, only);
	} else {
		int n = scandir(path, &e, NULL, by_name);
		if (n < 0) {
			ctl_err("cannot list %s: %s", path, strerror(errno));
			return CTL_FAIL;
		}
		for (int i = 0; i < n; i++) {
			if (e[i]->d_name[0] != '.')
				updates += list_packages(mount, e[i]->d_name);
			free(e[i]);
		}
		free(e);
	}
	if (updates)
		printf("%d package%s can be updated from the catalog: osfsctl install ID --tenant T --mount %s\n",
		       updates, updates > 1 ? "s" : "", mount);
	return CTL_OK;
}
