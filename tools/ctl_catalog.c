/* osfsctl catalog: a catalog server seen from the command line.
 *
 *   catalog list                 the root index: id, latest, versions
 *   catalog pull ID[@RANGE]      the highest version in RANGE, downloaded
 *                                and checked as the daemon checks it: size
 *                                and XXH3-64 against the package index,
 *                                then the artifact checks
 *
 * Reads are anonymous, as the daemon's (-o catalog=URL) are: a catalog is
 * public to read, only publishing needs the token. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "catalog/artifact.h"
#include "catalog/catalog.h"
#include "catalog/catindex.h"
#include "catalog/http.h"
#include "catalog/names.h"
#include "catalog/semver.h"
#include "tools/ctl_pick.h"
#include "tools/ctl.h"

/* A read that failed, with what its status means (osfsctl reads
 * catalogs anonymously: a 401 or 403 is about the server's rules, not a
 * token). */
static void ctl_read_failed(const char *base, const char *what, int rc, const struct http_response *r)
{
	const char *err = r->err[0] ? r->err : strerror(-rc);
	if (r->status == 401)
		ctl_err("the catalog at %s asks for credentials to read its %s (%s): osfsctl reads catalogs without "
			"them", base, what, err);
	else if (r->status == 403)
		ctl_err("the catalog at %s forbids reading its %s (%s)", base, what, err);
	else if (r->status >= 500 && r->status <= 599)
		ctl_err("cannot read the catalog's %s: the server failed (%s): try again later", what, err);
	else
		ctl_err("cannot read the catalog's %s: %s", what, err);
}

/* GETs base/path and parses it as an index.  Returns the tree, or NULL
 * after saying why (*rc: -ENOENT for a 404). */
static cJSON *get_index(const char *base, const char *path, const char *what, int *rc)
{
	struct http_response r = HTTP_RESPONSE_INIT;
	struct buf url = BUF_INIT;
	char err[300];
	cJSON *doc = NULL;
	/* An index is bounded as the daemon bounds it (catalog_max_index's
	 * default): a server cannot make osfsctl swallow gigabytes. */
	struct http_opts o = { CATALOG_MAX_INDEX, 0, NULL };
	*rc = http_join(base, path, &url);
	if (!*rc)
		*rc = http_get_opts(buf_str(&url), NULL, NULL, &o, &r);
	if (*rc == -ENOENT)
		ctl_err("the catalog at %s has no %s (HTTP 404 for %s)", base, what, buf_str(&url));
	else if (*rc)
		ctl_read_failed(base, what, *rc, &r);
	else if (!(doc = catindex_parse(buf_str(&r.body), r.body.len, err, sizeof(err)))) {
		ctl_err("the %s at %s is %s", what, buf_str(&url), err);
		*rc = -EINVAL;
	}
	http_response_free(&r);
	buf_free(&url);
	return doc;
}

/* ------------------------------------------------------------ list */

struct lister {
	const cJSON *pkgs;
	int width;
	int pass;               /* 0: measure the ids, 1: print */
};

static int list_one(void *ctx, const char *id)
{
	struct lister *l = ctx;
	if (l->pass == 0) {
		int n = (int)strlen(id);
		l->width = n > l->width ? n : l->width;
		return 0;
	}
	const cJSON *line = cJSON_GetObjectItemCaseSensitive(l->pkgs, id);
	const cJSON *latest = cJSON_GetObjectItemCaseSensitive(line, "latest");
	const cJSON *versions = cJSON_GetObjectItemCaseSensitive(line, "versions"), *v;
	printf("%-*s  %-10s ", l->width, id, cJSON_IsString(latest) && latest->valuestring[0] ? latest->valuestring : "-");
	if (cJSON_IsArray(versions))
		cJSON_ArrayForEach(v, versions)
			if (cJSON_IsString(v))
				printf(" %s", v->valuestring);
	putchar('\n');
	return 0;
}

static int list(const char *url)
{
	int rc;
	cJSON *root = get_index(url, "index.json", "root index", &rc);
	if (!root)
		return CTL_FAIL;
	struct lister l = { cJSON_GetObjectItemCaseSensitive(root, "packages"), 0, 0 };
	catindex_root_each(root, list_one, &l);
	if (l.width == 0)
		fprintf(stderr, "the catalog at %s lists no packages\n", url);
	l.pass = 1;
	catindex_root_each(root, list_one, &l);
	cJSON_Delete(root);
	return CTL_OK;
}

/* ------------------------------------------------------------ pull */

static int offer(void *ctx, const struct catindex_entry *e)
{
	ctl_pick_offer(ctx, e->version);
	return 0;
}

/* The entry of the version to pull (see tools/ctl_pick.h). */
static int choose(const cJSON *pkg, struct ctl_pick *p, struct catindex_entry *out)
{
	char err[300];
	const char *version;
	int rc = catindex_pkg_each(pkg, offer, p, err, sizeof(err));
	if (rc < 0)
		ctl_err("the package index of %s is not valid: %s", p->id, err);
	else if (!(version = ctl_pick_result(p, "the catalog")))
		rc = -ENOENT;
	else /* every entry was checked by the walk above */
		rc = catindex_pkg_find(pkg, version, out);
	return rc;
}

/* The bytes must be the ones the index describes, and an artifact of
 * that id and version. */
static int verify(const char *url, const char *id, const struct catindex_entry *e, const char *data, size_t len)
{
	char have[17], want[17], label[300], actual[300];
	if (len != e->size) {
		ctl_err("the artifact at %s is %zu bytes, but the catalog's index says %llu: refused "
			"(the file on the server was changed or damaged)", url, len, (unsigned long long)e->size);
		return -EIO;
	}
	uint64_t h = XXH3_64bits(data, len);
	if (h != e->xxh3) {
		catindex_hex(h, have);
		catindex_hex(e->xxh3, want);
		ctl_err("the artifact at %s does not match the catalog's index (its xxh3 is %s, the index says %s): "
			"refused (the file on the server was changed or damaged)", url, have, want);
		return -EIO;
	}
	struct artifact a;
	struct diag d = DIAG_INIT;
	int rc = artifact_load(&a, data, len, ARTIFACT_DEFAULT_MAX, 0, &d);
	snprintf(label, sizeof(label), "%s@%s", id, e->version);
	if (ctl_report_problems(url, label, &d) < 0 || rc) {
		ctl_err("the artifact at %s has the problems above: refused", url);
		rc = rc ? rc : -EINVAL;
	} else if (strcmp(a.id, id) || strcmp(a.version_text, e->version)) {
		ctl_err("the artifact at %s is %s, but the catalog lists it as %s: refused", url,
			artifact_label(&a, actual, sizeof(actual)), label);
		rc = -EINVAL;
	}
	artifact_free(&a);
	diag_free(&d);
	return rc;
}

/* A temporary name, then a rename: DIR never holds half an artifact. */
static int save(const char *dir, const char *id, const char *version, const char *data, size_t len)
{
	struct buf path = BUF_INIT, tmp = BUF_INIT;
	buf_printf(&path, "%s/%s@%s.json", dir, id, version);
	buf_printf(&tmp, "%s/.%s@%s.json.XXXXXX", dir, id, version);
	int rc = buf_error(&tmp), fd = rc ? -1 : mkstemp(tmp.p);
	if (fd < 0 && !rc)
		rc = -errno;
	if (fd >= 0) {
		mode_t um = umask(0);
		umask(um);
		rc = fchmod(fd, 0666 & ~um) < 0 ? -errno : ctl_write_all(fd, data, len);
		if (close(fd) < 0 && !rc)
			rc = -errno;
		if (!rc && rename(tmp.p, buf_str(&path)) < 0)
			rc = -errno;
		if (rc)
			unlink(tmp.p);
	}
	if (rc)
		ctl_err("cannot write %s: %s", buf_str(&path), strerror(-rc));
	else
		printf("%s\n", buf_str(&path));
	buf_free(&path);
	buf_free(&tmp);
	return rc;
}

static int download(const char *base, const char *id, const struct catindex_entry *e, const char *dir)
{
	struct http_response r = HTTP_RESPONSE_INIT;
	struct buf path = BUF_INIT, url = BUF_INIT;
	buf_printf(&path, "packages/%s/%s", id, e->file);
	int rc = buf_error(&path) ? -ENOMEM : http_join(base, buf_str(&path), &url);
	/* The index's size bounds the transfer: a byte more is refused as
	 * it arrives, never kept. */
	struct http_opts o = { e->size ? (size_t)e->size : 1, 0, NULL };
	if (!rc)
		rc = http_get_opts(buf_str(&url), NULL, NULL, &o, &r);
	if (rc == -EFBIG) {
		ctl_err("the artifact at %s has more bytes, but the catalog's index says %llu: refused, the transfer was "
			"stopped there (the file on the server was changed or damaged)", buf_str(&url),
			(unsigned long long)e->size);
	} else if (rc) {
		char what[400];
		snprintf(what, sizeof(what), "artifact %s@%s", id, e->version);
		ctl_read_failed(base, what, rc, &r);
	} else
		rc = verify(buf_str(&url), id, e, buf_str(&r.body), r.body.len);
	if (!rc)
		rc = save(dir, id, e->version, buf_str(&r.body), r.body.len);
	http_response_free(&r);
	buf_free(&path);
	buf_free(&url);
	return rc;
}

static int pull(const char *url, const char *spec, const char *dir)
{
	struct ctl_pick p;
	if (ctl_pick_init(&p, spec) != CTL_OK) {
		ctl_pick_free(&p);
		return CTL_USAGE;
	}
	struct buf path = BUF_INIT;
	struct catindex_entry e = { 0 };
	int rc = buf_printf(&path, "packages/%s/index.json", p.id);
	cJSON *pkg = rc ? NULL : get_index(url, buf_str(&path), "package index", &rc);
	if (pkg)
		rc = choose(pkg, &p, &e);
	if (!rc)
		rc = download(url, p.id, &e, dir);
	cJSON_Delete(pkg);
	ctl_pick_free(&p);
	buf_free(&path);
	return rc ? CTL_FAIL : CTL_OK;
}

static int usage(void)
{
	ctl_err("usage: osfsctl catalog list [--url URL]\n"
		"       osfsctl catalog pull ID[@RANGE] [--url URL] [--out DIR]");
	return CTL_USAGE;
}

int ctl_catalog(int argc, char **argv)
{
	const char *url_opt = NULL, *dir = ".", *spec = NULL, *v;
	if (argc < 2 || (strcmp(argv[1], "list") && strcmp(argv[1], "pull")))
		return usage();
	int is_pull = !strcmp(argv[1], "pull");
	for (int i = 2; i < argc; i++) {
		if ((v = ctl_opt(argc, argv, &i, "--url")))
			url_opt = v;
		else if (is_pull && (v = ctl_opt(argc, argv, &i, "--out")))
			dir = v;
		else if (is_pull && !spec && argv[i][0] != '-')
			spec = argv[i];
		else
			return usage();
	}
	if (is_pull && !spec)
		return usage();
	char *url;
	if (ctl_cloud(url_opt, &url, NULL) != CTL_OK)
		return CTL_FAIL;
	int rc = CTL_FAIL;
	char curl_err[512];
	if (http_init(curl_err, sizeof(curl_err)) < 0)
		ctl_err("%s", curl_err);
	else
		rc = is_pull ? pull(url, spec, dir) : list(url);
	free(url);
	return rc;
}
