/* osfsctl status: the tenants of a mount and their packages. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ctl.h"

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void list_packages(const char *mount, const char *tenant)
{
	char path[4096];
	struct dirent **e;
	snprintf(path, sizeof(path), "%s/tenants/%s/packages", mount, tenant);
	int n = scandir(path, &e, NULL, by_name);
	printf("%s\n", tenant);
	for (int i = 0; i < n; i++) {
		char *at = strrchr(e[i]->d_name, '@');
		if (e[i]->d_name[0] != '.' && at) {
			*at = '\0';
			printf("  %-40s %s%s\n", e[i]->d_name, at + 1,
			       strncmp(e[i]->d_name, "sys.", 4) ? "" : "  (system)");
		}
		free(e[i]);
	}
	if (n >= 0)
		free(e);
	else
		printf("  (cannot list: permission denied?)\n");
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
	for (int i = 0; i < n; i++) {
		if (e[i]->d_name[0] != '.')
			list_packages(mount, e[i]->d_name);
		free(e[i]);
	}
	free(e);
	return CTL_OK;
}
