/* osfsctl: the companion tool.  Each subcommand is ctl_<name>(argc, argv)
 * with argv[0] the subcommand; exit codes: 0 success, 1 the operation
 * failed or found problems, 2 usage error. */
#ifndef OSFS_CTL_H
#define OSFS_CTL_H

#include <stddef.h>

#define CTL_OK 0
#define CTL_FAIL 1
#define CTL_USAGE 2

int ctl_validate(int argc, char **argv);
int ctl_inspect(int argc, char **argv);
int ctl_install(int argc, char **argv);
int ctl_status(int argc, char **argv);
int ctl_semver(int argc, char **argv);
int ctl_fsck(int argc, char **argv);
int ctl_backup(int argc, char **argv);

/* Reads a whole file (at most max bytes, plus one to detect more). */
int ctl_read_file(const char *path, size_t max, char **data, size_t *len);
/* "osfsctl: <message>" on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The value of "--name VALUE" or "--name=VALUE" at argv[*i], advancing *i. */
const char *ctl_opt(int argc, char **argv, int *i, const char *name);

#endif
