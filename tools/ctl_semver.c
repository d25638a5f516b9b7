/* osfsctl semver: the installer's own semver code on the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/semver.h"
#include "tools/ctl.h"

static int satisfies(int argc, char **argv)
{
	char err[160];
	struct semver v;
	if (argc != 3) {
		ctl_err("usage: osfsctl semver satisfies VERSION RANGE");
		return CTL_USAGE;
	}
	/* npm's satisfies(): an invalid version or range satisfies nothing. */
	if (semver_parse(argv[1], SEMVER_NPM, &v) < 0) {
		ctl_err("\"%s\" is not a valid version", argv[1]);
		return CTL_FAIL;
	}
	struct semver_range *r = semver_range_parse(argv[2], err, sizeof(err));
	if (!r) {
		ctl_err("\"%s\" is not a valid range: %s", argv[2], err);
		semver_free(&v);
		return CTL_FAIL;
	}
	int ok = semver_range_test(r, &v);
	semver_range_free(r);
	semver_free(&v);
	return ok ? CTL_OK : CTL_FAIL;
}

struct entry {
	struct semver v;
	char *text;
};

static int reverse;

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = semver_compare(&x->v, &y->v);
	if (c == 0)
		c = strcmp(x->text, y->text);
	return reverse ? -c : c;
}

static int add(struct entry **v, size_t *n, size_t *cap, const char *s, int *bad)
{
	struct semver ver;
	if (semver_parse(s, SEMVER_NPM, &ver) < 0) {
		ctl_err("\"%s\" is not a valid version: skipped", s);
		*bad = 1;
		return 0;
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		struct entry *nv = realloc(*v, *cap * sizeof(*nv));
		if (!nv) {
			semver_free(&ver);
			return -1;
		}
		*v = nv;
	}
	(*v)[*n].v = ver;
	(*v)[(*n)++].text = strdup(s);
	return 0;
}

static int sort_versions(int argc, char **argv)
{
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	int bad = 0, i = 1, rc = 0;
	if (i < argc && !strcmp(argv[i], "-r")) {
		reverse = 1;
		i++;
	}
	for (; i < argc && rc == 0; i++)
		rc = add(&v, &n, &cap, argv[i], &bad);
	if (argc <= 1 + reverse) {
		char line[512];
		while (rc == 0 && fgets(line, sizeof(line), stdin)) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0])
				rc = add(&v, &n, &cap, line, &bad);
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_entry);
	for (size_t k = 0; k < n; k++) {
		printf("%s\n", v[k].text);
		semver_free(&v[k].v);
		free(v[k].text);
	}
	free(v);
	return rc || bad ? CTL_FAIL : CTL_OK;
}

int ctl_semver(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "satisfies"))
		return satisfies(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "sort"))
		return sort_versions(argc - 1, argv + 1);
	ctl_err("usage: osfsctl semver satisfies VERSION RANGE | osfsctl semver sort [-r] [VERSION...]");
	return CTL_USAGE;
}
