/* osfsctl status: the tenants of a mount and their packages, with the
 * updates the catalog offers (the xattr user.osfs.update of
 * packages/<id>@<version>, which the daemon computes). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "tools/ctl.h"

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* "  (update: 1.2.0 in the catalog)" if the catalog has a newer version. */
static const char *update_of(const char *dir, const char *name, char *out, size_t len)
{
	char path[4400], v[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ssize_t n = getxattr(path, "user.osfs.update", v, sizeof(v) - 1);
	if (n <= 0)
		return "";
	v[n] = '\0';
	snprintf(out, len, "  (update: %s in the catalog)", v);
	return out;
}

/* Returns how many packages have updates. */
static int list_packages(const char *mount, const char *tenant)
{
	char path[4096], upd[300];
	int updates = 0;
	struct dirent **e;
	snprintf(path, sizeof(path), "%s/tenants/%s/packages", mount, tenant);
	int n = scandir(path, &e, NULL, by_name);
	printf("%s\n", tenant);
	for (int i = 0; i < n; i++) {
		char *at = strrchr(e[i]->d_name, '@');
		if (e[i]->d_name[0] != '.' && at) {
			const char *u = update_of(path, e[i]->d_name, upd, sizeof(upd));
			updates += u[0] != '\0';
			*at = '\0';
			printf("  %-40s %s%s%s\n", e[i]->d_name, at + 1,
			       strncmp(e[i]->d_name, "sys.", 4) ? "" : "  (system)", u);
		}
		free(e[i]);
	}
	if (n >= 0)
		free(e);
	else
		printf("  (cannot list: permission denied?)\n");
	return updates;
}

int ctl_status(int argc, char **argv)
{
	const char *mount = NULL;
	for (int i = 1; i < argc; i++)
		if (!(mount = ctl_opt(argc, argv, &i, "--mount")))
			break;
	if (!mount) {
		ctl_err("usage: osfsctl status --mount MOUNTPOINT");
		return CTL_USAGE;
	}
	char path[4096];
	struct dirent **e;
	snprintf(path, sizeof(path), "%s/tenants", mount);
	int n = scandir(path, &e, NULL, by_name);
	if (n < 0) {
		ctl_err("%s is not an osfs mount (no tenants/ folder)", mount);
		return CTL_FAIL;
	}
	int updates = 0;
	for (int i = 0; i < n; i++) {
		if (e[i]->d_name[0] != '.')
			updates += list_packages(mount, e[i]->d_name);
		free(e[i]);
	}
	free(e);
	if (updates)
		printf("%d package%s can be updated from the catalog: osfsctl install ID --tenant T --mount %s\n",
		       updates, updates > 1 ? "s" : "", mount);
	return CTL_OK;
}
