/* osfsctl backup: a consistent copy of a store, live or not. */
#include <stdio.h>

#include "store/backup.h"
#include "store/db.h"
#include "tools/ctl.h"

int ctl_backup(int argc, char **argv)
{
	const char *store = NULL, *out = NULL, *v;
	char err[8400];
	for (int i = 1; i < argc; i++) {
		if ((v = ctl_opt(argc, argv, &i, "--store")))
			store = v;
		else if (!out && argv[i][0] != '-')
			out = argv[i];
		else
			out = NULL, i = argc;
	}
	if (!store || !out) {
		ctl_err("usage: osfsctl backup --store STORE OUT");
		return CTL_USAGE;
	}
	if (store_backup(store, out, err, sizeof(err)) < 0) {
		ctl_err("%s", err);
		return CTL_FAIL;
	}
	/* A PostgreSQL backup is a pg_dump file, not a store to mount. */
	if (store_is_pg(store))
		printf("%s: a consistent copy of %s (restore it into a database without a schema osfs with: "
		       "pg_restore --no-owner --no-privileges --exit-on-error --single-transaction -d DATABASE %s)\n",
		       out, store, out);
	else
		printf("%s: a consistent copy of %s (mount it with: osfs -o store=%s MOUNTPOINT)\n", out, store, out);
	return CTL_OK;
}
