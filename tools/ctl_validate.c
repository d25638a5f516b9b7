/* osfsctl validate: every problem an install would report, without a
 * mount.  The files are installed, in dependency order, into an empty
 * tenant of a private in-memory store, so files given together may satisfy
 * each other's dependencies and references; a dependency on a package
 * not among them is reported as missing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/artifact.h"
#include "catalog/install.h"
#include "store/db.h"
#include "tools/ctl.h"

#define TENANT "validate"

struct file {
	const char *path;
	char *data;
	size_t len;
	int done;
	struct install_report r;
};

/* A missing dependency may be among the files not tried yet (and the
 * references into it fail with it): such a file waits for another round. */
static int misses_deps(const struct install_report *r)
{
	for (size_t i = 0; i < r->diag.n; i++)
		if (r->diag.v[i].err == ENOPKG)
			return 1;
	return 0;
}

/* One round over the files not yet done; returns how many got installed. */
static size_t round_robin(struct store *st, struct file *f, size_t n, size_t max, int last)
{
	size_t progress = 0;
	for (size_t i = 0; i < n; i++) {
		if (f[i].done)
			continue;
		install_report_free(&f[i].r);
		struct install_report r = INSTALL_REPORT_INIT;
		f[i].r = r;
		struct install_opts o = { TENANT, f[i].path, NULL, max, 0, 0 };
		int rc = install_artifact(st, f[i].data, f[i].len, &o, &f[i].r);
		if (rc == 0 || last || !misses_deps(&f[i].r)) {
			f[i].done = rc == 0 ? 1 : -1;
			progress += rc == 0;
		}
	}
	return progress;
}

static int report(const struct file *f)
{
	const struct diag *d = &f->r.diag;
	if (f->done > 0)
		printf("%s: %s: ok\n", f->path, f->r.label);
	else
		printf("%s: %s: %zu problem%s\n", f->path, f->r.label[0] == '(' ? "not an artifact" : f->r.label,
		       d->nerr, d->nerr == 1 ? "" : "s");
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].err)
			printf("  error: %s [%s]\n", d->v[i].msg, diag_errname(d->v[i].err));
		else
			printf("  warning: %s\n", d->v[i].msg);
	}
	return f->done > 0 ? 0 : 1;
}

int ctl_validate(int argc, char **argv)
{
	size_t max = ARTIFACT_DEFAULT_MAX, n = 0;
	struct file *f = calloc((size_t)argc, sizeof(*f));
	char err[256];
	int bad = 0;
	if (!f)
		return CTL_FAIL;
	for (int i = 1; i < argc; i++) {
		const char *v = ctl_opt(argc, argv, &i, "--max-artifact");
		if (v) {
			max = (size_t)strtoull(v, NULL, 10);
			continue;
		}
		f[n++].path = argv[i];
	}
	if (n == 0) {
		ctl_err("usage: osfsctl validate [--max-artifact BYTES] FILE...");
		free(f);
		return CTL_USAGE;
	}
	struct store *st = NULL;
	struct install_report tr = INSTALL_REPORT_INIT;
	if (store_open(&st, ":memory:", 0, err, sizeof(err)) < 0 ||
	    install_tenant_create(st, TENANT, 0, 0, &tr) < 0) {
		ctl_err("cannot set up a scratch store: %s", err);
		bad = 1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = ctl_read_file(f[i].path, max, &f[i].data, &f[i].len);
		if (rc < 0) {
			ctl_err("cannot read %s: %s", f[i].path, strerror(-rc));
			f[i].done = -2;
			bad = 1;
		}
	}
	while (round_robin(st, f, n, max, 0) > 0)
		;
	round_robin(st, f, n, max, 1);
	for (size_t i = 0; i < n; i++)
		if (f[i].done != -2)
			bad |= report(&f[i]);
out:
	install_report_free(&tr);
	for (size_t i = 0; i < n; i++) {
		free(f[i].data);
		install_report_free(&f[i].r);
	}
	free(f);
	store_close(st);
	return bad ? CTL_FAIL : CTL_OK;
}
