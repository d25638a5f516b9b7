/* osfsctl publish: checks an artifact, then uploads it to a catalog
 * server as docs/catalog.md "Publishing" says: the artifact, then the
 * package's index, then the root index, in that order, so that an index
 * never names a file that is not there yet.  A failure part way leaves
 * at worst an artifact no index lists; publishing again completes it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog/artifact.h"
#include "catalog/catalog.h"
#include "catalog/catindex.h"
#include "catalog/http.h"
#include "tools/ctl.h"

struct pub {
	const char *file;
	char *url, *token;      /* the catalog's base URL; the bearer token */
	char *data;
	size_t len;
	struct artifact a;
	char label[300];        /* id@version */
	cJSON *pkg;             /* the package index, as it will be */
};

int ctl_report_problems(const char *what, const char *label, const struct diag *d)
{
	if (d->nerr)
		fprintf(stderr, "%s: %s: %zu problem%s\n", what, label, d->nerr, d->nerr == 1 ? "" : "s");
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].err)
			fprintf(stderr, "  error: %s [%s]\n", d->v[i].msg, diag_errname(d->v[i].err));
		else
			fprintf(stderr, "%s%s: warning: %s\n", d->nerr ? "  " : "", d->nerr ? "" : what, d->v[i].msg);
	}
	return d->nerr ? -EINVAL : 0;
}

/* The same checks as osfsctl validate, but for the tenant ones (there is
 * no tenant: dependencies are the installer's business). */
static int check_artifact(struct pub *p)
{
	struct diag d = DIAG_INIT;
	int rc = ctl_read_file(p->file, ARTIFACT_DEFAULT_MAX, &p->data, &p->len);
	if (rc < 0) {
		ctl_err("cannot read %s: %s", p->file, strerror(-rc));
		return rc;
	}
	rc = artifact_load(&p->a, p->data, p->len, ARTIFACT_DEFAULT_MAX, 0, &d);
	if (artifact_usable(&p->a))
		artifact_label(&p->a, p->label, sizeof(p->label));
	else
		snprintf(p->label, sizeof(p->label), "not an artifact");
	if (ctl_report_problems(p->file, p->label, &d) < 0 || rc) {
		ctl_err("%s was not published: it has the problems above", p->file);
		rc = rc ? rc : -EINVAL;
	}
	diag_free(&d);
	return rc;
}

/* Every failure of a request ends here, with what its status means: a
 * 401 is a token the server does not accept, a 403 a request it forbids
 * (whoever asks), a 404 a place it does not have, a 5xx its own failure. */
static int failed(const struct pub *p, int rc, const struct http_response *r, const char *step)
{
	const char *err = r->err[0] ? r->err : strerror(-rc);
	if (r->status == 401)
		ctl_err("the catalog at %s refused the token (HTTP 401): check OS_CLOUD_API_KEY or run 'osfsctl login'",
			p->url);
	else if (r->status == 403)
		ctl_err("cannot publish %s (%s): the catalog at %s forbids it (%s): the server does not let this "
			"token do that; ask its administrator", p->label, step, p->url, err);
	else if (r->status == 404)
		ctl_err("cannot publish %s (%s): the catalog at %s has no such place (%s): check the catalog's URL",
			p->label, step, p->url, err);
	else if (r->status >= 500 && r->status <= 599)
		ctl_err("cannot publish %s (%s): the server failed (%s): try again later", p->label, step, err);
	else
		ctl_err("cannot publish %s (%s): %s", p->label, step, err);
	return CTL_FAIL;
}

/* Indexes are read bounded as the daemon reads them. */
static const struct http_opts index_opts = { CATALOG_MAX_INDEX, 0, NULL };

static int url_of(const struct pub *p, const char *path, struct buf *out)
{
	return http_join(p->url, path, out);
}

/* A package index must be whole and about this package before it is
 * added to: versions are never dropped by a publish. */
static int no_op(void *ctx, const struct catindex_entry *e)
{
	(void)ctx;
	(void)e;
	return 0;
}

static int check_pkg_index(const struct pub *p, const char *url)
{
	char err[300];
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(p->pkg, "id");
	if (!cJSON_IsString(id) || strcmp(id->valuestring, p->a.id)) {
		ctl_err("the package index at %s is not the index of %s: nothing was published", url, p->a.id);
		return -EINVAL;
	}
	if (catindex_pkg_each(p->pkg, no_op, NULL, err, sizeof(err)) < 0) {
		ctl_err("the package index at %s is not valid (%s): fix it on the server, nothing was published", url, err);
		return -EINVAL;
	}
	return 0;
}

/* Step 1: the package's index (a new one on 404).  Returns 0 or -errno
 * (after saying why). */
static int fetch_pkg_index(struct pub *p)
{
	struct http_response r = HTTP_RESPONSE_INIT;
	struct buf path = BUF_INIT, url = BUF_INIT;
	char err[300];
	buf_printf(&path, "packages/%s/index.json", p->a.id);
	int rc = url_of(p, buf_str(&path), &url);
	if (!rc)
		rc = http_get_opts(buf_str(&url), NULL, p->token, &index_opts, &r);
	if (rc == -ENOENT) { /* a new package */
		rc = (p->pkg = catindex_pkg_new(p->a.id)) ? 0 : -ENOMEM;
		if (rc)
			ctl_err("out of memory");
	} else if (rc == 0) {
		p->pkg = catindex_parse(buf_str(&r.body), r.body.len, err, sizeof(err));
		if (!p->pkg)
			ctl_err("the package index at %s is %s: fix it on the server, nothing was published", buf_str(&url), err);
		rc = p->pkg ? check_pkg_index(p, buf_str(&url)) : -EINVAL;
	} else {
		failed(p, rc, &r, "reading its package index");
	}
	http_response_free(&r);
	buf_free(&path);
	buf_free(&url);
	return rc;
}

/* The version already there: identical (1, nothing to upload) or not
 * (refused: versions are immutable). */
static int compare_existing(const struct pub *p)
{
	struct catindex_entry e;
	char have[17], mine[17];
	if (catindex_pkg_find(p->pkg, p->a.version_text, &e) < 0)
		return 0;
	if (e.size == p->len && e.xxh3 == p->a.xxh3)
		return 1;
	catindex_hex(e.xxh3, have);
	catindex_hex(p->a.xxh3, mine);
	ctl_err("%s is already in the catalog with other contents (%llu bytes, xxh3 %s; %s: %zu bytes, xxh3 %s): "
		"versions are immutable, publish this as a new version",
		p->label, (unsigned long long)e.size, have, p->file, p->len, mine);
	return -EEXIST;
}

/* ------------------------------------------------------------ progress */

struct bar {
	const char *label;
	int last;               /* percent last drawn, -1 before */
};

static void draw_bar(void *ctx, size_t done, size_t total)
{
	struct bar *b = ctx;
	static const char fill[] = "##############################";
	const int width = (int)sizeof(fill) - 1;
	if (total == 0)
		return;
	int pct = (int)((double)done * 100 / (double)total);
	if (pct == b->last)
		return;
	b->last = pct;
	int n = pct * width / 100;
	fprintf(stderr, "\r%s [%.*s%*s] %3d%%  %zu/%zu KiB", b->label, n, fill, width - n, "", pct, (done + 1023) / 1024,
		(total + 1023) / 1024);
	fflush(stderr);
}

/* ------------------------------------------------------------ uploads */

static int put_json(struct pub *p, const char *path, const cJSON *doc, const char *step)
{
	struct http_response r = HTTP_RESPONSE_INIT;
	struct buf url = BUF_INIT;
	char *text = cJSON_Print(doc);
	int rc = text ? url_of(p, path, &url) : -ENOMEM;
	if (!rc) {
		size_t n = strlen(text);
		text[n] = '\n'; /* a text file ends with a newline; cJSON's NUL goes */
		rc = http_put(buf_str(&url), text, n + 1, p->token, NULL, NULL, &r);
	}
	if (rc)
		failed(p, rc, &r, step);
	cJSON_free(text);
	http_response_free(&r);
	buf_free(&url);
	return rc;
}

/* Step 2: the artifact itself. */
static int put_artifact(struct pub *p)
{
	struct http_response r = HTTP_RESPONSE_INIT;
	struct buf path = BUF_INIT, url = BUF_INIT;
	struct bar bar = { p->label, -1 };
	int tty = isatty(STDERR_FILENO);
	buf_printf(&path, "packages/%s/%s.json", p->a.id, p->a.version_text);
	int rc = url_of(p, buf_str(&path), &url);
	if (!rc)
		rc = http_put(buf_str(&url), p->data, p->len, p->token, tty ? draw_bar : NULL, &bar, &r);
	if (bar.last >= 0)
		fputc('\n', stderr);
	if (rc)
		failed(p, rc, &r, "uploading the artifact");
	http_response_free(&r);
	buf_free(&path);
	buf_free(&url);
	return rc;
}

/* Step 3: the package index with this version in it. */
static int put_pkg_index(struct pub *p)
{
	char now[32], path[300];
	time_t t = time(NULL);
	struct tm tm;
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	if (catindex_pkg_add(p->pkg, &p->a, now) < 0) {
		ctl_err("out of memory");
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "packages/%s/index.json", p->a.id);
	return put_json(p, path, p->pkg, "uploading its package index");
}

/* Step 4: the root index's line for the package.  It is only written
 * when it changes, so that publishing an identical version again also
 * repairs a root index an interrupted publish left behind. */
static int update_root(struct pub *p)
{
	struct http_response r = HTTP_RESPONSE_INIT;
	struct buf url = BUF_INIT;
	char err[300];
	cJSON *root = NULL, *before = NULL;
	int rc = url_of(p, "index.json", &url);
	if (!rc)
		rc = http_get_opts(buf_str(&url), NULL, p->token, &index_opts, &r);
	if (rc == -ENOENT)
		rc = (root = catindex_root_new()) ? 0 : -ENOMEM;
	else if (rc == 0 && !(root = catindex_parse(buf_str(&r.body), r.body.len, err, sizeof(err)))) {
		ctl_err("the root index at %s is %s: fix it on the server (%s is uploaded, but not listed)", buf_str(&url),
			err, p->label);
		rc = -EINVAL;
	} else if (rc)
		failed(p, rc, &r, "reading the root index");
	if (root) {
		before = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "packages"),
									  p->a.id), 1);
		rc = catindex_root_update(root, p->pkg);
		if (rc < 0)
			ctl_err("cannot update the root index: %s", strerror(-rc));
	}
	const cJSON *after = root ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "packages"),
								     p->a.id) : NULL;
	if (!rc && !(before && cJSON_Compare(before, after, 1)))
		rc = put_json(p, "index.json", root, "uploading the root index");
	cJSON_Delete(before);
	cJSON_Delete(root);
	http_response_free(&r);
	buf_free(&url);
	return rc;
}

static int publish(struct pub *p)
{
	int rc = fetch_pkg_index(p);
	if (!rc)
		rc = compare_existing(p);
	if (rc == 1) { /* identical: nothing to upload, the root index checked */
		if (update_root(p))
			return CTL_FAIL;
		printf("%s is already published (identical) at %s\n", p->label, p->url);
		return CTL_OK;
	}
	if (rc || put_artifact(p) || put_pkg_index(p) || update_root(p))
		return CTL_FAIL;
	printf("published %s to %s\n", p->label, p->url);
	return CTL_OK;
}

int ctl_publish(int argc, char **argv)
{
	struct pub p = { 0 };
	const char *url_opt = NULL, *v;
	for (int i = 1; i < argc; i++) {
		if ((v = ctl_opt(argc, argv, &i, "--url")))
			url_opt = v;
		else if (!p.file && (argv[i][0] != '-' || !argv[i][1])) /* "-": stdin */
			p.file = argv[i];
		else
			p.file = NULL, i = argc;
	}
	if (!p.file) {
		ctl_err("usage: osfsctl publish FILE [--url URL]");
		return CTL_USAGE;
	}
	int rc = CTL_FAIL;
	if (check_artifact(&p) == 0 && ctl_cloud(url_opt, &p.url, &p.token) == CTL_OK) {
		char curl_err[512];
		if (http_init(curl_err, sizeof(curl_err)) < 0)
			ctl_err("%s", curl_err);
		else
			rc = publish(&p);
	}
	cJSON_Delete(p.pkg);
	artifact_free(&p.a);
	free(p.data);
	free(p.url);
	ctl_forget(p.token);
	return rc;
}
