/* osfsctl fsck: checks a store, live or not. */
#include <stdio.h>
#include <string.h>

#include "store/fsck.h"
#include "tools/ctl.h"

static void print_problem(void *ctx, const char *check, const char *problem)
{
	(void)ctx;
	printf("%s: %s\n", check, problem);
}

int ctl_fsck(int argc, char **argv)
{
	const char *path = NULL;
	char err[512];
	for (int i = 1; i < argc; i++)
		if (!(path = ctl_opt(argc, argv, &i, "--store")))
			break;
	if (!path) {
		ctl_err("usage: osfsctl fsck --store STORE");
		return CTL_USAGE;
	}
	struct store *st;
	if (store_open(&st, path, 1, err, sizeof(err)) < 0) {
		ctl_err("%s", err);
		return CTL_FAIL;
	}
	int n = store_fsck(st, print_problem, NULL);
	store_close(st);
	if (n < 0) {
		ctl_err("cannot read the store %s: %s", path, strerror(-n));
		return CTL_FAIL;
	}
	if (n)
		printf("%s: %d problem%s\n", path, n, n == 1 ? "" : "s");
	else
		printf("%s: ok\n", path);
	return n ? CTL_FAIL : CTL_OK;
}
