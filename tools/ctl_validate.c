/* osfsctl validate: every problem an install would report, without a
 * mount.  Each file is checked alone, as an install into an empty tenant
 * of its own in a private in-memory store, so one file's packages,
 * objects or namespace never collide with another's.  A dependency may be
 * met by the other files given: those the file depends on (transitively,
 * by id) are installed first into its tenant, silently (their own problems
 * are reported when they are checked).  Every line of the output names its
 * file; none names the scratch tenant. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/artifact.h"
#include "catalog/install.h"
#include "store/db.h"
#include "tools/ctl.h"

struct file {
	const char *path;
	char *data;
	size_t len;
	int readable;
	struct artifact a; /* for its id and dependencies */
	struct diag ad;
};

/* Marks need[j] for the files whose package file i depends on, by id,
 * transitively (breadth first; queue holds n indexes).  Files of i's own
 * id are left out: installing one would make i an upgrade of it. */
static void needed(const struct file *f, size_t n, size_t i, char *need, size_t *queue)
{
	size_t head = 0, tail = 0;
	memset(need, 0, n);
	for (size_t k = i;; k = queue[head++]) {
		for (size_t d = 0; d < f[k].a.ndeps; d++)
			for (size_t j = 0; j < n; j++)
				if (!need[j] && j != i && f[j].a.id && !strcmp(f[j].a.id, f[k].a.deps[d].id) &&
				    !(f[i].a.id && !strcmp(f[j].a.id, f[i].a.id))) {
					need[j] = 1;
					queue[tail++] = j;
				}
		if (head == tail)
			break;
	}
}

/* Installs the needed files into tenant, in whatever order works:
 * rounds until one installs nothing more. */
static void install_needed(struct store *st, const char *tenant, struct file *f, size_t n, char *need, size_t max)
{
	for (int progress = 1; progress;) {
		progress = 0;
		for (size_t j = 0; j < n; j++) {
			if (!need[j])
				continue;
			struct install_report r = INSTALL_REPORT_INIT;
			struct install_opts o = { tenant, f[j].path, NULL, max, 0, 0 };
			if (install_artifact(st, f[j].data, f[j].len, &o, &r) == 0) {
				need[j] = 0;
				progress = 1;
			}
			install_report_free(&r);
		}
	}
}

/* msg without " in tenant <tenant>": the tenant is ours, not the user's. */
static void print_msg(const char *msg, const char *tenant)
{
	char pat[80];
	snprintf(pat, sizeof(pat), " in tenant %s", tenant);
	size_t pl = strlen(pat);
	for (const char *p = msg; *p;) {
		const char *hit = strstr(p, pat);
		/* the name must end there ("v1" is not "v10") */
		while (hit && (hit[pl] >= '0' && hit[pl] <= '9'))
			hit = strstr(hit + 1, pat);
		if (!hit) {
			fputs(p, stdout);
			break;
		}
		fwrite(p, 1, (size_t)(hit - p), stdout);
		p = hit + pl;
	}
}

/* Checks file i in a tenant of its own; prints its lines; 0 if valid. */
static int check_one(struct store *st, struct file *f, size_t n, size_t i, char *need, size_t *queue,
		     size_t max)
{
	char tenant[32];
	struct install_report tr = INSTALL_REPORT_INIT, r = INSTALL_REPORT_INIT;
	snprintf(tenant, sizeof(tenant), "v%zu", i + 1);
	int rc = install_tenant_create(st, tenant, 0, 0, &tr);
	install_report_free(&tr);
	if (rc < 0) {
		ctl_err("%s: cannot set up a scratch tenant: %s", f[i].path, strerror(-rc));
		return 1;
	}
	needed(f, n, i, need, queue);
	install_needed(st, tenant, f, n, need, max);
	struct install_opts o = { tenant, f[i].path, NULL, max, 0, 0 };
	rc = install_artifact(st, f[i].data, f[i].len, &o, &r);
	const struct diag *d = &r.diag;
	if (rc == 0)
		printf("%s: %s: ok\n", f[i].path, r.label);
	else
		printf("%s: %s: %zu problem%s\n", f[i].path, r.label[0] == '(' ? "not an artifact" : r.label,
		       d->nerr, d->nerr == 1 ? "" : "s");
	for (size_t k = 0; k < d->n; k++) {
		printf("%s: %s: ", f[i].path, d->v[k].err ? "error" : "warning");
		print_msg(d->v[k].msg, tenant);
		if (d->v[k].err)
			printf(" [%s]", diag_errname(d->v[k].err));
		putchar('\n');
	}
	install_report_free(&r);
	return rc == 0 ? 0 : 1;
}

int ctl_validate(int argc, char **argv)
{
	size_t max = ARTIFACT_DEFAULT_MAX, n = 0;
	struct file *f = calloc((size_t)argc, sizeof(*f));
	char *need = calloc((size_t)argc, 1);
	size_t *queue = calloc((size_t)argc, sizeof(*queue));
	char err[256] = "out of memory";
	int bad = 0;
	if (!f || !need || !queue) {
		free(f);
		free(need);
		free(queue);
		return CTL_FAIL;
	}
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
		free(need);
		free(queue);
		return CTL_USAGE;
	}
	struct store *st = NULL;
	if (store_open(&st, ":memory:", 0, err, sizeof(err)) < 0) {
		ctl_err("cannot set up a scratch store: %s", err);
		bad = 1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = ctl_read_file(f[i].path, max, &f[i].data, &f[i].len);
		if (rc < 0) {
			ctl_err("cannot read %s: %s", f[i].path, strerror(-rc));
			bad = 1;
			continue;
		}
		f[i].readable = 1;
		/* Only its id and dependencies are used here: check_one reports. */
		artifact_load(&f[i].a, f[i].data, f[i].len, max, 0, &f[i].ad);
	}
	for (size_t i = 0; i < n; i++) {
		if (f[i].readable)
			bad |= check_one(st, f, n, i, need, queue, max);
	}
out:
	for (size_t i = 0; i < n; i++) {
		artifact_free(&f[i].a);
		diag_free(&f[i].ad);
		free(f[i].data);
	}
	free(f);
	free(need);
	free(queue);
	store_close(st);
	return bad ? CTL_FAIL : CTL_OK;
}
