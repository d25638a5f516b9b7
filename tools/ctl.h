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
int ctl_publish(int argc, char **argv);
int ctl_login(int argc, char **argv);
int ctl_catalog(int argc, char **argv);
int ctl_update(int argc, char **argv);
int ctl_restore(int argc, char **argv);

/* A package installed in a tenant, with the update osfsctl status offers
 * for it (tools/ctl_status.c). */
struct ctl_pkg {
	const char *id, *version;
	int system;           /* sys.*: part of osfs, never updated */
	const char *update;   /* the newest version the install would accept, or "" */
	const char *refused;  /* the newest version above it that it would refuse, or "" */
	const char *why;      /* why refused is not offered */
};
typedef void (*ctl_pkg_fn)(void *ctx, const struct ctl_pkg *p);
/* Calls fn with each package of tenant in mount, in name order (an
 * update's check reads its artifact in catalog/, which downloads it from a
 * remote catalog).  Returns 0, or -errno if packages/ cannot be listed. */
int ctl_tenant_packages(const char *mount, const char *tenant, ctl_pkg_fn fn, void *ctx);

/* The catalog to talk to (tools/ctl_login.c): url_opt (--url), else
 * $OS_CLOUD_URL, else the url stored by osfsctl login; and, when token is
 * not NULL, the token: $OS_CLOUD_API_KEY, else the stored one (refused if
 * others can read the file).  Returns CTL_OK, or CTL_FAIL after saying
 * what is missing; free *url, and *token with ctl_forget(). */
int ctl_cloud(const char *url_opt, char **url, char **token);
/* Overwrites a secret, then frees it. */
void ctl_forget(char *secret);
/* 1 for an http:// or https:// URL; else says so and returns 0. */
int ctl_url_ok(const char *url);
struct diag;
/* An artifact's problems on stderr, as osfsctl validate prints them
 * (tools/ctl_publish.c).  Returns -EINVAL if one of them is an error. */
int ctl_report_problems(const char *what, const char *label, const struct diag *d);

/* Reads a whole file (at most max bytes, plus one to detect more). */
int ctl_read_file(const char *path, size_t max, char **data, size_t *len);
/* Writes all n bytes (retrying short writes and EINTR): 0 or -errno. */
int ctl_write_all(int fd, const char *p, size_t n);
/* "osfsctl: <message>" on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The value of "--name VALUE" or "--name=VALUE" at argv[*i], advancing *i. */
const char *ctl_opt(int argc, char **argv, int *i, const char *name);

#endif
