/* osfsctl install: copies an artifact into a mounted tenant's install/
 * directory, the rsync way (a '.' name, then a rename to <id>.json), so
 * that a refusal leaves the pending file in place to ask the daemon why:
 * its xattr user.osfs.error holds the install's messages.
 *
 * "osfsctl install ID[@RANGE]" takes the artifact from MOUNT/catalog/ID/:
 * the highest version in RANGE (tools/ctl_pick.h).  A file of that name in
 * the working directory wins: what is on disk is what the user means. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "catalog/artifact.h"
#include "tools/ctl.h"
#include "tools/ctl_pick.h"

static void print_refusal(const char *tmp, const char *file, int err)
{
	char msg[16384];
	ssize_t n = getxattr(tmp, "user.osfs.error", msg, sizeof(msg) - 1);
	fprintf(stderr, "osfsctl: cannot install %s: %s\n", file, strerror(err));
	if (n > 0) {
		msg[n] = '\0';
		for (char *line = strtok(msg, "\n"); line; line = strtok(NULL, "\n"))
			fprintf(stderr, "  %s\n", line);
	}
}

/* The name the file gets in install/: <id>.json when it parses. */
static void target_name(const char *data, size_t len, const char *file, char *out, size_t outlen)
{
	struct artifact a;
	struct diag d = DIAG_INIT;
	artifact_load(&a, data, len, ARTIFACT_DEFAULT_MAX, 0, &d);
	if (a.id)
		snprintf(out, outlen, "%s.json", a.id);
	else
		snprintf(out, outlen, "%.250s", strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
	/* Only a name ending in .json installs when renamed to (docs/tree.md):
	 * bytes that do not parse must still reach the checks, for their errno. */
	size_t n = strlen(out);
	if (n <= 5 || strcmp(out + n - 5, ".json"))
		snprintf(out + n, outlen - n, ".json");
	artifact_free(&a);
	diag_free(&d);
}

/* MOUNT/catalog/<id>/<version>.json for spec, into out. */
static int from_catalog(const char *mount, const char *spec, char *out, size_t len)
{
	struct ctl_pick p;
	char dir[4096];
	int rc = ctl_pick_init(&p, spec);
	snprintf(dir, sizeof(dir), "%s/catalog/%s", mount, p.id);
	DIR *d = rc == CTL_OK ? opendir(dir) : NULL;
	if (rc == CTL_OK && !d) {
		ctl_err("%s is not in the catalog of %s (%s: %s)", p.id, mount, dir, strerror(errno));
		rc = CTL_FAIL;
	}
	for (struct dirent *e; d && (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n > 5 && !strcmp(e->d_name + n - 5, ".json")) {
			e->d_name[n - 5] = '\0';
			ctl_pick_offer(&p, e->d_name);
		}
	}
	if (d)
		closedir(d);
	const char *v = rc == CTL_OK ? ctl_pick_result(&p, "the catalog") : NULL;
	if (v) {
		snprintf(out, len, "%s/%s.json", dir, v);
		printf("%s@%s from the catalog\n", p.id, v);
	}
	ctl_pick_free(&p);
	return v ? CTL_OK : rc == CTL_OK ? CTL_FAIL : rc;
}

int ctl_install(int argc, char **argv)
{
	const char *file = NULL, *tenant = NULL, *mount = NULL, *v;
	for (int i = 1; i < argc; i++) {
		if ((v = ctl_opt(argc, argv, &i, "--tenant")))
			tenant = v;
		else if ((v = ctl_opt(argc, argv, &i, "--mount")))
			mount = v;
		else if (!file)
			file = argv[i];
		else
			file = NULL, i = argc;
	}
	if (!file || !tenant || !mount) {
		ctl_err("usage: osfsctl install FILE|ID[@RANGE] --tenant TENANT --mount MOUNTPOINT");
		return CTL_USAGE;
	}
	char *data, dir[4096], tmp[4700], dst[4700], name[512], picked[4400];
	size_t len;
	struct stat sb;
	int rc;
	if (stat(file, &sb) < 0 && errno == ENOENT && !strchr(file, '/')) {
		if ((rc = from_catalog(mount, file, picked, sizeof(picked))) != CTL_OK)
			return rc;
		file = picked;
	}
	rc = ctl_read_file(file, (size_t)1 << 40, &data, &len);
	if (rc < 0) {
		ctl_err("cannot read %s: %s", file, strerror(-rc));
		return CTL_FAIL;
	}
	snprintf(dir, sizeof(dir), "%s/tenants/%s/install", mount, tenant);
	target_name(data, len, file, name, sizeof(name));
	snprintf(tmp, sizeof(tmp), "%s/.osfsctl-%ld-%s", dir, (long)getpid(), name);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		ctl_err("cannot write into %s: %s", dir, strerror(errno));
		free(data);
		return CTL_FAIL;
	}
	rc = ctl_write_all(fd, data, len);
	free(data);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, dst) < 0)
		rc = -errno;
	if (rc < 0) {
		print_refusal(tmp, file, -rc);
		unlink(tmp);
		return CTL_FAIL;
	}
	printf("installed %s into tenant %s as install/%s\n", file, tenant, name);
	return CTL_OK;
}
