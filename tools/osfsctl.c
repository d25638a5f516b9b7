/* osfsctl: subcommand dispatch and shared helpers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/ctl.h"

void ctl_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("osfsctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char *ctl_opt(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

int ctl_read_file(const char *path, size_t max, char **data, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return -errno;
	size_t cap = 65536, n = 0;
	char *p = malloc(cap);
	int rc = p ? 0 : -ENOMEM;
	while (rc == 0) {
		if (n == cap) {
			if (cap > max) /* one byte past the limit is enough to know */
				break;
			char *q = realloc(p, cap *= 2);
			if (!q) {
				rc = -ENOMEM;
				break;
			}
			p = q;
		}
		size_t got = fread(p + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			rc = ferror(f) ? -EIO : 1;
		}
	}
	if (f != stdin)
		fclose(f);
	if (rc < 0) {
		free(p);
		return rc;
	}
	*data = p;
	*len = n;
	return 0;
}

int ctl_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: osfsctl <command> [<args>]\n"
		"\n"
		"  validate FILE...                   check each artifact alone, as an install into an empty tenant\n"
		"  inspect FILE                       show what an artifact contains\n"
		"  install FILE|ID[@RANGE] --tenant T --mount M\n"
		"                                     install through a mount (an id: from its catalog/);\n"
		"                                     print the reason if refused\n"
		"  status --mount M [--tenant T]      tenants (or T) and their packages, with the updates\n"
		"                                     that can be installed (or why one cannot)\n"
		"  update --mount M                   the daemon of M syncs its remote catalog now; prints the\n"
		"                                     new packages and versions and the updates they bring\n"
		"  semver satisfies VERSION RANGE     exit 0 if VERSION is in RANGE (npm semantics), else 1\n"
		"  semver sort [-r] [VERSION...]      sort versions (from stdin if none are given)\n"
		"  fsck --store STORE                 check a store's integrity and invariants\n"
		"  backup --store STORE OUT           a consistent copy of a store, even while it is mounted\n"
		"  restore DIR --tenant T (--mount M | --store STORE) [--force]\n"
		"                                     put a copy of a tenant (tar, cp -a, rsync, restic, borg)\n"
		"                                     back into a new or empty tenant, in one transaction\n"
		"  publish FILE [--url URL]           check an artifact and upload it to a catalog server\n"
		"  login [--url URL]                  store the catalog's token (read from stdin) for publish\n"
		"  catalog list [--url URL]           the packages of a catalog server, with their versions\n"
		"  catalog pull ID[@RANGE] [--url URL] [--out DIR]\n"
		"                                     download the highest version in RANGE, checked\n"
		"\n"
		"Exit status: 0 success, 1 failure or problems found, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "validate", ctl_validate }, { "inspect", ctl_inspect }, { "install", ctl_install },
		{ "status", ctl_status }, { "semver", ctl_semver }, { "fsck", ctl_fsck }, { "backup", ctl_backup },
		{ "publish", ctl_publish }, { "login", ctl_login }, { "catalog", ctl_catalog },
		{ "update", ctl_update }, { "restore", ctl_restore },
	};
	if (argc < 2) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CTL_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("osfsctl %s\n", OSFS_VERSION);
		return CTL_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	ctl_err("'%s' is not an osfsctl command. See 'osfsctl --help'.", argv[1]);
	return CTL_USAGE;
}
