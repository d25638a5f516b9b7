/* stale: recovering a dead FUSE mount of osfs. */
#include "fs/stale.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>

extern char **environ;

/* The filesystem type mounted on path ("fuse.osfs"), from mountinfo. */
static int mount_type(const char *path, char *type, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[8192], mp[4096], fstype[256];
	int found = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* "id parent maj:min root mountpoint opts... - fstype source superopts" */
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 || sscanf(dash + 3, "%255s", fstype) != 1)
			continue;
		if (!strcmp(mp, path)) { /* the last mount on path wins */
			snprintf(type, len, "%s", fstype);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static int run_fusermount(const char *path)
{
	char *argv[] = { "fusermount3", "-u", "-z", (char *)path, NULL };
	pid_t pid;
	int status;
	if (posix_spawnp(&pid, "fusermount3", NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

/* statfs always asks the daemon, where stat may be answered from the
 * kernel's attribute cache even on a dead connection. */
static int is_dead(const char *path)
{
	struct statfs sf;
	return statfs(path, &sf) < 0 && errno == ENOTCONN;
}

int stale_recover(const char *mountpoint, char *msg, size_t len)
{
	char type[256] = "";
	int cleared = 0;
	/* Dead osfs mounts may be stacked on the mount point: clear them all. */
	while (mount_type(mountpoint, type, sizeof(type)) && !strcmp(type, "fuse.osfs") && is_dead(mountpoint) &&
	       cleared < 64 && run_fusermount(mountpoint) == 0)
		cleared++;
	if (cleared) {
		snprintf(msg, len, "%s was left mounted by an osfs that stopped; it has been unmounted", mountpoint);
		return 0;
	}
	if (is_dead(mountpoint)) {
		snprintf(msg, len, "%s is a dead FUSE mount (%s): run 'fusermount3 -u %s' (or 'umount -l %s') and mount "
			 "again", mountpoint, type[0] ? type : "of unknown type", mountpoint, mountpoint);
		return -ENOTCONN;
	}
	if (type[0] && !strcmp(type, "fuse.osfs")) {
		snprintf(msg, len, "%s is already an osfs mount: unmount it first (fusermount3 -u %s)", mountpoint,
			 mountpoint);
		return -EBUSY;
	}
	return 0;
}
