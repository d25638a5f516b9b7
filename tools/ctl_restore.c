/* osfsctl restore DIR --tenant T (--mount M | --store STORE) [--force]:
 * puts a copy of a tenant back (docs/restore.md).  DIR is what tar -x,
 * cp -a, rsync -a, restic restore or borg extract made of tenants/<t>/:
 * the .json files of its install/ and data/<object>/ are read into one
 * restore bundle (catalog/restore_bundle.h), applied in one transaction.
 *
 * --mount: through the daemon that owns the store (fs/restore.c): the
 * tenant is made with mkdir if it does not exist (and removed again if
 * the restore fails), the bundle is written into its install/ under a
 * temporary name, and a setxattr of user.osfs.restore applies it.
 * --store: on a store no daemon serves, opened here; its lock (the one
 * osfs takes, "<store>.lock") is held meanwhile.  A PostgreSQL store has
 * no such file and needs none: several daemons share it by design, and
 * the restore is one more writer, whose transaction the database
 * serializes with theirs (docs/scale-out.md, "Backup and restore").
 *
 * osfsctl restore BACKUP --store STORE (no --tenant): the whole store
 * from what osfsctl backup wrote, into a store that does not exist yet
 * (a new SQLite file; a PostgreSQL database without the schema osfs). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "catalog/artifact.h"
#include "catalog/restore.h"
#include "catalog/restore_bundle.h"
#include "store/backup.h"
#include "store/db.h"
#include "store/storefile.h"
#include "tools/ctl.h"

struct job {
	const char *dir, *tenant, *mount, *store;
	int force;
	struct buf bundle;
	size_t ninst, nrec;
};

static int64_t mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

static int is_dir(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* A name that installs (or is a record) in the tree: "*.json", no leading
 * '.' (docs/tree.md, final names); the rest are temporary files a copy
 * may have caught. */
static int final_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".json");
}

static int visible(const struct dirent *e)
{
	return strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
}

/* fn(job, folder, name, stat, bytes, len) for each final name in folder,
 * in name order; other entries are skipped with a note. */
typedef int (*file_fn)(struct job *j, const char *sub, const char *name, const struct stat *sb, const char *bytes,
		       size_t len);

static int each_file(struct job *j, const char *sub, file_fn fn)
{
	char path[4400];
	struct dirent **e;
	snprintf(path, sizeof(path), "%s/%s", j->dir, sub);
	int n = scandir(path, &e, visible, alphasort), rc = CTL_OK;
	if (n < 0) {
		ctl_err("cannot read %s: %s", path, strerror(errno));
		return CTL_FAIL;
	}
	for (int i = 0; i < n; i++) {
		struct stat sb;
		char *data;
		size_t len;
		int err;
		snprintf(path, sizeof(path), "%s/%s/%s", j->dir, sub, e[i]->d_name);
		if (rc != CTL_OK) {
		} else if (lstat(path, &sb) < 0) {
			ctl_err("cannot read %s: %s", path, strerror(errno));
			rc = CTL_FAIL;
		} else if (!S_ISREG(sb.st_mode) || !final_name(e[i]->d_name)) {
			fprintf(stderr, "osfsctl: note: %s is skipped: only *.json files are %s\n", path,
				!strcmp(sub, "install") ? "artifacts" : "records");
		} else if ((err = ctl_read_file(path, (size_t)1 << 40, &data, &len)) < 0) {
			ctl_err("cannot read %s: %s", path, strerror(-err));
			rc = CTL_FAIL;
		} else {
			rc = fn(j, sub, e[i]->d_name, &sb, data, len);
			free(data);
		}
		free(e[i]);
	}
	free(e);
	return rc;
}

static int add_install(struct job *j, const char *sub, const char *name, const struct stat *sb, const char *bytes,
		       size_t len)
{
	(void)sub;
	if (restore_bundle_install(&j->bundle, name, sb->st_mode & 07777, mtime_ns(sb), bytes, len) == -EINVAL) {
		ctl_err("%s/install/%s: a file name with a newline cannot be restored", j->dir, name);
		return CTL_FAIL;
	}
	j->ninst++;
	return CTL_OK;
}

static int add_record(struct job *j, const char *sub, const char *name, const struct stat *sb, const char *bytes,
		      size_t len)
{
	char stem[512];
	snprintf(stem, sizeof(stem), "%.*s", (int)(strlen(name) - 5), name);
	if (restore_bundle_record(&j->bundle, sub + 5, stem, mtime_ns(sb), bytes, len) == -EINVAL) {
		ctl_err("%s/%s/%s: a file or folder name with a newline or a space cannot be a record's", j->dir, sub, name);
		return CTL_FAIL;
	}
	j->nrec++;
	return CTL_OK;
}

/* The bundle of DIR: install/ first, then every data/<object>/. */
static int read_dir(struct job *j)
{
	char path[4400];
	snprintf(path, sizeof(path), "%s/install", j->dir);
	if (!is_dir(path)) {
		ctl_err("%s is not a copy of a tenant: it has no install/ folder (give the folder that holds install/, "
			"packages/, objects/ and data/)", j->dir);
		return CTL_FAIL;
	}
	snprintf(path, sizeof(path), "%s/data", j->dir);
	int has_data = is_dir(path), rc = CTL_OK;
	if (restore_bundle_begin(&j->bundle, j->dir, has_data) == -EINVAL) {
		ctl_err("a folder name with a newline cannot be restored");
		return CTL_FAIL;
	}
	rc = each_file(j, "install", add_install);
	struct dirent **e = NULL;
	int n = rc == CTL_OK && has_data ? scandir(path, &e, visible, alphasort) : 0;
	if (n < 0) {
		ctl_err("cannot read %s: %s", path, strerror(errno));
		rc = CTL_FAIL;
	}
	for (int i = 0; i < n; i++) {
		char sub[600];
		snprintf(sub, sizeof(sub), "data/%s", e[i]->d_name);
		snprintf(path, sizeof(path), "%s/%s", j->dir, sub);
		if (rc == CTL_OK && is_dir(path))
			rc = each_file(j, sub, add_record);
		else if (rc == CTL_OK)
			fprintf(stderr, "osfsctl: note: %s is skipped: records are in folders data/<object>/\n", path);
		free(e[i]);
	}
	free(e);
	if (rc == CTL_OK)
		restore_bundle_end(&j->bundle);
	if (rc == CTL_OK && buf_error(&j->bundle)) {
		ctl_err("out of memory reading %s", j->dir);
		rc = CTL_FAIL;
	}
	return rc;
}

static void print_problems(const char *text)
{
	char *copy = strdup(text), *save = NULL;
	for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "  %s\n", line);
	free(copy);
}

static int through_mount(struct job *j)
{
	char tdir[4400], tmp[4500], msg[65536];
	int created = 0, rc = 0;
	snprintf(tdir, sizeof(tdir), "%s/tenants/%s", j->mount, j->tenant);
	if (!is_dir(tdir)) {
		if (mkdir(tdir, 0750) < 0) {
			ctl_err("cannot create tenant %s (%s): %s", j->tenant, tdir, strerror(errno));
			return CTL_FAIL;
		}
		created = 1;
	}
	snprintf(tmp, sizeof(tmp), "%s/install/.osfs-restore-%ld", tdir, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		rc = -errno;
	if (fd >= 0) {
		rc = ctl_write_all(fd, j->bundle.p, j->bundle.len);
		if (close(fd) < 0 && rc == 0)
			rc = -errno;
	}
	if (rc < 0) {
		ctl_err("cannot write the restore bundle into %s/install: %s", tdir, strerror(-rc));
	} else if (setxattr(tmp, "user.osfs.restore", j->force ? "merge" : "new", j->force ? 5 : 3, 0) < 0) {
		rc = -errno;
		ctl_err("cannot restore %s into tenant %s: %s", j->dir, j->tenant, strerror(-rc));
		ssize_t n = getxattr(tmp, "user.osfs.error", msg, sizeof(msg) - 1);
		if (n > 0) {
			msg[n] = '\0';
			print_problems(msg);
		} else if (rc == -ENOTSUP || rc == -EOPNOTSUPP) {
			fprintf(stderr, "  %s is not served by an osfs that can restore (osfs %s or later)\n", j->mount,
				OSFS_VERSION);
		}
	}
	if (rc < 0) {
		unlink(tmp);
		if (created && rmdir(tdir) < 0)
			ctl_err("tenant %s was created for this restore and could not be removed: %s", j->tenant,
				strerror(errno));
	}
	return rc < 0 ? CTL_FAIL : CTL_OK;
}

/* The lock osfs holds while it serves the store (fs/lock.c): taken here
 * so that no daemon starts on the store meanwhile, and refused while one
 * serves it.  The file is removed afterwards if it was made here. */
static int lock_store_file(const char *store, char *name, size_t len, int *made)
{
	snprintf(name, len, "%s.lock", store);
	int fd = open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	*made = 0;
	if (fd < 0 && errno == ENOENT && (fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) >= 0)
		*made = 1;
	if (fd < 0) {
		ctl_err("cannot open the lock %s: %s", name, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ctl_err("the store %s is served by osfs (%s is locked): restore through its mount with --mount", store,
			name);
		close(fd);
		return -1;
	}
	return fd;
}

static int through_store(struct job *j)
{
	char lock[4200], err[512];
	int made = 0, pg = store_is_pg(j->store);
	int fd = pg ? -1 : lock_store_file(j->store, lock, sizeof(lock), &made);
	if (fd < 0 && !pg)
		return CTL_FAIL;
	struct store *st;
	struct stat sb;
	int rc = CTL_OK, fresh = !pg && stat(j->store, &sb) < 0 && errno == ENOENT;
	if (store_open(&st, j->store, 0, err, sizeof(err)) < 0) {
		ctl_err("%s", err);
		rc = CTL_FAIL;
	} else {
		struct install_report r = INSTALL_REPORT_INIT;
		struct restore_result res;
		struct restore_opts o = { j->tenant, j->force, 1, getuid(), getgid(), ARTIFACT_DEFAULT_MAX };
		if (restore_tenant(st, j->bundle.p, j->bundle.len, &o, &r, &res) < 0) {
			ctl_err("cannot restore %s into tenant %s: %s", j->dir, j->tenant, strerror(diag_errno(&r.diag)));
			for (size_t i = 0; i < r.diag.n; i++)
				if (r.diag.v[i].err)
					fprintf(stderr, "  %s [%s]\n", r.diag.v[i].msg, diag_errname(r.diag.v[i].err));
			rc = CTL_FAIL;
		}
		install_report_free(&r);
		store_close(st);
	}
	/* A store made for this restore does not outlive its failure. */
	if (rc != CTL_OK && fresh)
		storefile_remove(j->store);
	if (made)
		unlink(lock);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int whole_store(const char *backup, const char *store)
{
	char err[8400];
	if (store_restore(backup, store, err, sizeof(err)) < 0) {
		ctl_err("cannot restore %s into %s: %s", backup, store, err);
		return CTL_FAIL;
	}
	printf("restored the store %s from %s (mount it with: osfs -o store=%s MOUNTPOINT)\n", store, backup, store);
	return CTL_OK;
}

int ctl_restore(int argc, char **argv)
{
	struct job j = { .bundle = BUF_INIT };
	const char *v;
	int bad = 0;
	for (int i = 1; i < argc && !bad; i++) {
		if ((v = ctl_opt(argc, argv, &i, "--tenant")))
			j.tenant = v;
		else if ((v = ctl_opt(argc, argv, &i, "--mount")))
			j.mount = v;
		else if ((v = ctl_opt(argc, argv, &i, "--store")))
			j.store = v;
		else if (!strcmp(argv[i], "--force"))
			j.force = 1;
		else if (!j.dir && argv[i][0] != '-')
			j.dir = argv[i];
		else
			bad = 1;
	}
	if (!bad && j.dir && !j.tenant && j.store && !j.mount && !j.force)
		return whole_store(j.dir, j.store);
	if (bad || !j.dir || !j.tenant || !j.mount == !j.store) {
		ctl_err("usage: osfsctl restore DIR --tenant TENANT (--mount MOUNTPOINT | --store STORE) [--force]\n"
			"       osfsctl restore BACKUP --store NEWSTORE   (the whole store, from osfsctl backup's file)");
		return CTL_USAGE;
	}
	/* DIR as the log will name it: where it is, not where osfsctl ran. */
	char *where = realpath(j.dir, NULL);
	if (where)
		j.dir = where;
	int rc = read_dir(&j);
	if (rc == CTL_OK)
		rc = j.mount ? through_mount(&j) : through_store(&j);
	if (rc == CTL_OK)
		printf("restored %s into tenant %s: %zu package%s, %zu record%s\n", j.dir, j.tenant, j.ninst,
		       j.ninst == 1 ? "" : "s", j.nrec, j.nrec == 1 ? "" : "s");
	buf_free(&j.bundle);
	free(where);
	return rc;
}
