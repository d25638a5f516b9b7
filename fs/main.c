/* osfs: the daemon.  Parses options, opens the store, mounts, serves.
 *
 *   osfs [options] MOUNTPOINT
 *   osfs STORE MOUNTPOINT -o OPTIONS      (as mount.fuse3 runs fstab types)
 */
#include "fs/fs.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "catalog/artifact.h"
#include "catalog/catalog.h"
#include "lib/escape.h"
#include "lib/idletrim.h"
#include "lib/startlog.h"
#include "catalog/http.h"
#include "catalog/install.h"
#include "catalog/preload.h"
#include "fs/lock.h"
#include "fs/loop.h"
#include "fs/refuse.h"
#include "fs/stale.h"
#include "fs/sync.h"
#include "store/storefile.h"

static int use_syslog;

/* Messages quote names and texts users chose: escaped (lib/escape.h),
 * a newline in one cannot forge a line of stderr or syslog. */
void fs_say(const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	struct buf line = BUF_INIT;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	esc_text(&line, n < 0 ? "(a message could not be formatted: out of memory)" : msg);
	const char *text = buf_error(&line) ? "(a message could not be escaped: out of memory)" : buf_str(&line);
	if (use_syslog)
		syslog(LOG_NOTICE, "%s", text);
	else
		fprintf(stderr, "osfs: %s\n", text);
	buf_free(&line);
	if (n >= 0)
		free(msg);
}

void fs_echo(const char *tenant, const char *line)
{
	if (tenant)
		fs_say("tenant %s: %s", tenant, line);
	else
		fs_say("catalog: %s", line);
}

struct options {
	char *store;
	char *store_passfile;
	char *store_read;
	char *preload;
	char *preload_tenant;
	char *catalog;
	char *catalog_refresh;
	char *catalog_max_index, *catalog_max_packages, *catalog_stall;
	char *max_artifact;
	char *max_pending;
	char *max_pending_total;
	char *max_tenants_per_uid;
	char *entry_timeout;
	char *sync_poll;
	char *nonopt[2];
	int nnonopt;
	int help, version, ro;
};

enum { KEY_HELP, KEY_VERSION, KEY_RO };

#define OPT(t, p) { t, offsetof(struct options, p), 1 }
static const struct fuse_opt opt_specs[] = {
	OPT("store=%s", store),
	OPT("store_passfile=%s", store_passfile),
	OPT("store_read=%s", store_read),
	OPT("preload=%s", preload),
	OPT("preload_tenant=%s", preload_tenant),
	OPT("catalog=%s", catalog),
	OPT("catalog_refresh=%s", catalog_refresh),
	OPT("catalog_max_index=%s", catalog_max_index),
	OPT("catalog_max_packages=%s", catalog_max_packages),
	OPT("catalog_stall=%s", catalog_stall),
	OPT("max_artifact=%s", max_artifact),
	OPT("max_pending=%s", max_pending),
	OPT("max_pending_total=%s", max_pending_total),
	OPT("max_tenants_per_uid=%s", max_tenants_per_uid),
	OPT("entry_timeout=%s", entry_timeout),
	OPT("sync_poll=%s", sync_poll),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("ro", KEY_RO),
	FUSE_OPT_END
};

/* Options of mount(8) and fstab that are not for the filesystem: mount
 * passes them on to its helper, as mount.fuse3 would filter them. */
static int mount_only(const char *opt)
{
	static const char *const plain[] = { "defaults", "auto", "noauto", "nofail", "_netdev", "user", "nouser",
					      "users", "owner", "group", "loud", "silent" };
	for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++)
		if (!strcmp(opt, plain[i]))
			return 1;
	return !strncmp(opt, "x-", 2) || !strncmp(opt, "comment=", 8);
}

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *out)
{
	(void)out;
	struct options *o = data;
	if (key == FUSE_OPT_KEY_OPT && mount_only(arg))
		return 0;
	switch (key) {
	case KEY_HELP: o->help = 1; return 0;
	case KEY_VERSION: o->version = 1; return 0;
	case KEY_RO: o->ro = 1; return 1; /* the kernel mounts read-only too */
	case FUSE_OPT_KEY_NONOPT:
		if (o->nnonopt == 2) {
			fprintf(stderr, "osfs: too many arguments: %s\nTry 'osfs --help'.\n", arg);
			return -1;
		}
		o->nonopt[o->nnonopt++] = strdup(arg);
		return 0;
	default:
		return 1;
	}
}

static void usage(void)
{
	printf("usage: osfs [options] MOUNTPOINT\n"
	       "       osfs STORE MOUNTPOINT [-o options]   (the form mount.fuse3 and /etc/fstab use)\n"
	       "\n"
	       "Mounts the packages and tenants of an ObjectStack store as a directory tree.\n"
	       "Install a package: cp dist/objectstack.json MOUNTPOINT/tenants/T/install/\n"
	       "\n"
	       "osfs options (each also as -o NAME=VALUE):\n"
	       "    -o store=PATH            the SQLite store (default: $OSFS_STORE, else\n"
	       "                             /var/lib/osfs/store.db for root, else\n"
	       "                             ${XDG_DATA_HOME:-~/.local/share}/osfs/store.db),\n"
	       "                             or a PostgreSQL database: postgresql://HOST/DB or\n"
	       "                             'host=HOST dbname=DB' (docs/scale-out.md)\n"
	       "    -o store_passfile=FILE   the PostgreSQL password file (libpq's format; 0600,\n"
	       "                             yours); never a password in the store string\n"
	       "    -o store_read=CONNINFO   a PostgreSQL hot standby to read from (writes go to\n"
	       "                             the primary; this mount still reads its own writes)\n"
	       "    -o max_artifact=BYTES    largest artifact accepted (default 64M; K, M, G suffixes)\n"
	       "    -o max_pending=BYTES     memory each uid's pending uploads may hold (default\n"
	       "                             4 x max_artifact; root has its own share)\n"
	       "    -o max_pending_total=BYTES  what all uids but root may hold together\n"
	       "                             (default 4 x max_pending)\n"
	       "    -o max_tenants_per_uid=N tenants each uid may own (default 100; root: no limit)\n"
	       "    -o entry_timeout=SECONDS how long the kernel may cache names and attributes\n"
	       "                             (default 3600; every change is invalidated at once)\n"
	       "    -o sync_poll=SECONDS     on a PostgreSQL store shared by several daemons: how\n"
	       "                             often to look for their changes when no notification\n"
	       "                             comes (default 1)\n"
	       "    -o preload=PATH[:PATH]   artifacts to install at mount time\n"
	       "    -o preload_tenant=NAME   the tenant they go to (default: default)\n"
	       "    -o catalog=URL           a remote catalog, listed in catalog/ (docs/catalog.md)\n"
	       "    -o catalog_refresh=SECS  how often its indexes are revalidated (default 300;\n"
	       "                             0: only at mount and by osfsctl update)\n"
	       "    -o catalog_max_index=BYTES  largest index accepted (default 16M)\n"
	       "    -o catalog_max_packages=N   most packages a root index may list (default 10000)\n"
	       "    -o catalog_stall=SECONDS    a transfer under 1 KiB/s for that long is abandoned\n"
	       "                             (default 30)\n"
	       "    -h, --help               this help\n"
	       "    -V, --version            the version\n"
	       "\n");
	printf("FUSE options:\n");
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end || v == 0 || v > ((unsigned long long)1 << 40))
		return -1;
	*out = (size_t)v;
	return 0;
}

static int mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* The store path, absolute (the daemon leaves its working directory). */
static char *store_path(const char *given)
{
	char buf[PATH_MAX], cwd[PATH_MAX];
	const char *p = given ? given : getenv("OSFS_STORE");
	if (!p || !*p) {
		const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
		if (geteuid() == 0)
			snprintf(buf, sizeof(buf), "/var/lib/osfs/store.db");
		else if (xdg && *xdg)
			snprintf(buf, sizeof(buf), "%s/osfs/store.db", xdg);
		else
			snprintf(buf, sizeof(buf), "%s/.local/share/osfs/store.db", home ? home : "/tmp");
		if (mkdirs(buf) < 0)
			fprintf(stderr, "osfs: cannot create the directory of %s: %s\n", buf, strerror(errno));
		p = buf;
	}
	if (p[0] == '/' || store_is_pg(p) || !getcwd(cwd, sizeof(cwd)))
		return strdup(p);
	char *abs = NULL;
	if (asprintf(&abs, "%s/%s", cwd, p) < 0)
		return NULL;
	return abs;
}

static void fs_init(void *userdata, struct fuse_conn_info *conn)
{
	struct osfs *fs = userdata;
	startlog_mark("INIT request");
	/* Files need no state per open (fs/keep.h): OPEN is answered ENOSYS,
	 * and the kernel sends neither OPEN nor RELEASE for them: a warm
	 * read costs no request (docs/design.md, "Reads without OPEN").
	 * OSFS_NO_OPEN=0 in the daemon's environment opens files as before
	 * (a handle and a copy per open). */
	const char *no_open = getenv("OSFS_NO_OPEN");
	if ((conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) && !(no_open && !strcmp(no_open, "0"))) {
		conn->want |= FUSE_CAP_NO_OPEN_SUPPORT;
		fs->no_open = 1;
		fs->contents.map_large = 1;
		/* What a change removes is kept for the kernel's inodes. */
		fs->inval.before = keep_changes;
		fs->inval.before_ctx = &fs->keep;
		store_on_begin(fs->store, keep_on_tx, &fs->keep);
	}
	/* open(O_TRUNC) of an installed file stages an empty replacement.
	 * Not without OPEN: the kernel would then truncate nothing, trusting
	 * an OPEN it never sends; it sends SETATTR size=0 instead. */
	if ((conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) && !fs->no_open)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	else
		conn->want &= ~(unsigned)FUSE_CAP_ATOMIC_O_TRUNC;
	/* Uploads need every write as it is sent. */
	conn->want &= ~(unsigned)FUSE_CAP_WRITEBACK_CACHE;
	/* ls -l asks every file for its ACL: with this the kernel caches the
	 * answer (there are none) instead of asking each time.  It also makes
	 * the kernel check permissions itself, as default_permissions would:
	 * what SPEC 10 asks of every mount. */
	/* OSFS_TEST_NO_POSIX_ACL=1 (for the tests only) acts as a kernel
	 * without it: then the default_permissions every mount is given
	 * (serve) is what checks permissions. */
	const char *no_acl = getenv("OSFS_TEST_NO_POSIX_ACL");
	if ((conn->capable & FUSE_CAP_POSIX_ACL) && !(no_acl && !strcmp(no_acl, "1")))
		conn->want |= FUSE_CAP_POSIX_ACL;
	else
		fs_say("the kernel does not offer POSIX ACLs to this mount: permissions are checked by "
		       "default_permissions");
	/* Directories need no state per open: with OPENDIR answered ENOSYS
	 * the kernel neither sends OPENDIR/RELEASEDIR nor asks for a listing
	 * it has cached (invalidated on every change, fs/inval.c). */
	if (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) {
		conn->want |= FUSE_CAP_NO_OPENDIR_SUPPORT;
		fs->no_opendir = 1;
	}
}

/* OPENDIR: see fs_init.  A kernel without that support gets the listing
 * cached per open directory. */
static void fs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	if (fs_of(req)->no_opendir) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static const struct fuse_lowlevel_ops ops = {
	.init = fs_init,
	.opendir = fs_opendir,
	.lookup = fs_lookup,
	.getattr = fs_getattr,
	.setattr = fs_setattr,
	.readdir = fs_readdir,
	.readdirplus = fs_readdirplus,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.flush = fs_flush,
	.fsync = fs_fsync,
	.release = fs_release,
	.forget = fs_forget,
	.forget_multi = fs_forget_multi,
	.create = fs_create,
	.unlink = fs_unlink,
	.rename = fs_rename,
	.mkdir = fs_mkdir,
	.rmdir = fs_rmdir,
	.symlink = fs_symlink,
	.link = fs_link,
	.mknod = fs_mknod,
	.statfs = fs_statfs,
	.getxattr = fs_getxattr,
	.listxattr = fs_listxattr,
	.setxattr = fs_setxattr,
	.removexattr = fs_removexattr,
};

/* The mount shows as "STORE on MOUNTPOINT type fuse.osfs" (the source
 * unless the caller named it otherwise). */
static int name_mount(struct fuse_args *args, const char *store)
{
	int has_fsname = 0;
	for (int i = 0; i < args->argc; i++)
		has_fsname |= strstr(args->argv[i], "fsname=") != NULL;
	char opt[PATH_MAX + 16], *o = opt + snprintf(opt, sizeof(opt), "-ofsname=");
	for (const char *p = store; *p && o < opt + sizeof(opt) - 3; p++) {
		if (*p == ',' || *p == '\\')
			*o++ = '\\'; /* fuse_opt unescapes these */
		*o++ = *p;
	}
	*o = '\0';
	if (!has_fsname && fuse_opt_add_arg(args, opt) != 0)
		return -1;
	/* fuse_parse_cmdline() adds the program's name as subtype, which is
	 * "mount.fuse.osfs" when mount(8) runs us: osfs is the type's name. */
	if (fuse_opt_add_arg(args, "-osubtype=osfs") != 0)
		return -1;
	return 0;
}

static int serve(struct osfs *fs, struct fuse_args *args, struct fuse_cmdline_opts *cmd, int lock)
{
	int rc = 1;
	char msg[PATH_MAX * 2 + 200] = "";
	/* The kernel checks permissions (SPEC 10) whatever the options say.
	 * FUSE_CAP_POSIX_ACL implies this, but it is granted only after the
	 * mount (fs_init), too late to add a mount option. */
	if (name_mount(args, store_where(fs->store)) < 0 || fuse_opt_add_arg(args, "-odefault_permissions") != 0)
		return 1;
	fs->se = fuse_session_new(args, &ops, sizeof(ops), fs);
	if (!fs->se)
		return 1;
	if (fuse_set_signal_handlers(fs->se) != 0)
		goto destroy;
	if (stale_recover(cmd->mountpoint, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "osfs: %s\n", msg);
		goto handlers;
	}
	if (msg[0])
		fprintf(stderr, "osfs: %s\n", msg);
	startlog_mark("session created");
	if (fuse_session_mount(fs->se, cmd->mountpoint) != 0) {
		fprintf(stderr, "osfs: cannot mount on %s (see the message above)\n", cmd->mountpoint);
		goto handlers;
	}
	startlog_mark("mounted");
	fuse_daemonize(cmd->foreground);
	lock_note_pid(lock, cmd->mountpoint);
	use_syslog = !cmd->foreground;
	if (inval_start(&fs->inval, fs->se) < 0)
		goto unmount;
	if (sync_start(fs, fs->sync_poll_ms) < 0)
		fs_say("cannot watch the store for other daemons' changes: this mount may show them late");
	/* Set up for OSFS_NO_OPEN (fs_init starts it). */
	if (keep_init(&fs->keep, fs->store, &fs->contents, &fs->inval) < 0)
		goto unmount;
	downloads_init(&fs->downloads, fs);
	if (refresh_start(&fs->refresh) < 0)
		fs_say("cannot start the catalog's refresh: it is synced only at mount");
	idletrim_on_quiet(keep_recent_drop, &fs->keep);
	if (idletrim_start() < 0)
		fs_say("cannot start the idle trimmer: freed memory stays with malloc");
	startlog_mark("threads started");
	if (cmd->singlethread) {
		rc = fuse_session_loop(fs->se);
	} else {
		/* Our own loop (fs/loop.h); -o clone_fd and max_idle_threads
		 * have no meaning there. */
		loop_flush_check(fs_nothing_staged, fs);
		loop_pending_check(fs_pending_quick, fs);
		rc = loop_run(fs->se, cmd->max_threads == UINT_MAX ? 0 : cmd->max_threads);
	}
	downloads_stop(&fs->downloads); /* also cancels a sync under way */
	refresh_stop(&fs->refresh);
	sync_stop(fs);
	inval_stop(&fs->inval);
	store_on_begin(fs->store, NULL, NULL);
	fs->inval.before = NULL;
	idletrim_stop(); /* before keep_destroy: its quiet hook uses the keep */
	keep_destroy(&fs->keep);
unmount:
	fuse_session_unmount(fs->se);
handlers:
	fuse_remove_signal_handlers(fs->se);
destroy:
	fuse_session_destroy(fs->se);
	return rc ? 1 : 0;
}

static void show_progress(void *ctx, size_t done, size_t total, const char *id)
{
	(void)ctx;
	fprintf(stderr, "\rosfs: preloading %zu/%zu: %-60.60s", done, total, id);
	if (done == total)
		fputc('\n', stderr);
}

/* Installs the preload before the mount is served; a failure fails the
 * mount and leaves the store as it was. */
static int preload(struct osfs *fs, const struct options *o)
{
	struct install_report r = INSTALL_REPORT_INIT;
	const char *tenant = o->preload_tenant ? o->preload_tenant : "default";
	if (fs->readonly) {
		fprintf(stderr, "osfs: preload needs a writable mount (it is -o ro)\n");
		return -1;
	}
	/* Log lines are echoed once the whole preload is in: a failure rolls
	 * back installs that would otherwise have been reported done. */
	void (*echo)(const char *, const char *) = install_echo;
	install_echo = NULL;
	int rc = install_preload(fs->store, o->preload, tenant, fs->max_artifact, isatty(2) ? show_progress : NULL,
				 NULL, &r);
	install_echo = echo;
	if (rc == 0)
		fprintf(stderr, "osfs: preloaded %s into tenant %s (its log lists what was installed)\n", o->preload,
			tenant);
	for (size_t i = 0; i < r.diag.n; i++) {
		if (r.diag.v[i].err)
			fs_say("error: %s [%s]", r.diag.v[i].msg, diag_errname(r.diag.v[i].err));
		else
			fs_say("warning: %s", r.diag.v[i].msg);
	}
	if (rc < 0)
		fprintf(stderr, "osfs: the preload of %s failed; nothing of it was installed and the store is as it was\n",
			o->preload);
	install_report_free(&r);
	return rc < 0 ? -1 : 0;
}

/* What one user may take from the others (docs/security.md). */
static int limits(struct osfs *fs, const struct options *o)
{
	struct upload_budget *b = &fs->uploads.budget;
	b->per_uid = fs->max_artifact * 4;
	if (o->max_pending && parse_size(o->max_pending, &b->per_uid) < 0) {
		fprintf(stderr, "osfs: max_pending=%s: expected a size in bytes such as 268435456 or 256M\n", o->max_pending);
		return -1;
	}
	b->total = b->per_uid * 4;
	if (o->max_pending_total && parse_size(o->max_pending_total, &b->total) < 0) {
		fprintf(stderr, "osfs: max_pending_total=%s: expected a size in bytes such as 1073741824 or 1G\n",
			o->max_pending_total);
		return -1;
	}
	if (b->per_uid < fs->max_artifact)
		fprintf(stderr, "osfs: note: max_pending (%zu bytes) is below max_artifact (%zu bytes): no user can "
			"upload an artifact larger than max_pending\n", b->per_uid, fs->max_artifact);
	fs->max_tenants_per_uid = 100;
	if (o->max_tenants_per_uid) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(o->max_tenants_per_uid, &end, 10);
		if (errno || *end || end == o->max_tenants_per_uid || v == 0 || v > 1000000) {
			fprintf(stderr, "osfs: max_tenants_per_uid=%s: expected a number from 1 to 1000000\n",
				o->max_tenants_per_uid);
			return -1;
		}
		fs->max_tenants_per_uid = (unsigned)v;
	}
	return 0;
}

/* -o catalog_max_index, catalog_max_packages, catalog_stall. */
static int catalog_limits(struct osfs *fs, const struct options *o)
{
	fs->catlim = (struct catalog_limits){ CATALOG_MAX_INDEX, CATALOG_MAX_PACKAGES, CATALOG_STALL,
					      &fs->downloads.stop };
	if (o->catalog_max_index && parse_size(o->catalog_max_index, &fs->catlim.max_index) < 0) {
		fprintf(stderr, "osfs: catalog_max_index=%s: expected a size in bytes such as 16777216 or 16M\n",
			o->catalog_max_index);
		return -1;
	}
	const char *names[] = { "catalog_max_packages", "catalog_stall" };
	const char *given[] = { o->catalog_max_packages, o->catalog_stall };
	unsigned long top[] = { 10000000, 3600 }, v[2] = { CATALOG_MAX_PACKAGES, CATALOG_STALL };
	for (int i = 0; i < 2; i++) {
		char *end;
		errno = 0;
		if (given[i] && ((v[i] = strtoul(given[i], &end, 10)), errno || *end || end == given[i] || v[i] == 0 ||
				 v[i] > top[i])) {
			fprintf(stderr, "osfs: %s=%s: expected a whole number from 1 to %lu\n", names[i], given[i], top[i]);
			return -1;
		}
	}
	fs->catlim.max_packages = v[0];
	fs->catlim.stall = (long)v[1];
	return 0;
}

/* Locks and opens the store at path: its files private (store/storefile.h),
 * a store found readable by others tightened and said so. */
static int open_store(struct osfs *fs, const char *path, const char *passfile, const char *read, const char *mountpoint,
		      int *lock, int *created)
{
	char err[PATH_MAX * 2 + 200], note[PATH_MAX * 3 + 600];
	if (store_is_pg(path)) { /* a server's database: nothing of this machine to lock */
		if (store_open_pass(&fs->store, path, passfile, 0, err, sizeof(err)) < 0 ||
		    (read && store_set_read(fs->store, read, passfile, err, sizeof(err)) < 0)) {
			fprintf(stderr, "osfs: %s\n", err);
			return -1;
		}
		return 0;
	}
	if (read) {
		fprintf(stderr, "osfs: store_read= names a PostgreSQL hot standby of a PostgreSQL store; %s is a SQLite file\n",
			path);
		return -1;
	}
	if ((*lock = lock_store(path, mountpoint, err, sizeof(err))) < 0 ||
	    storefile_prepare(path, created, note, sizeof(note), err, sizeof(err)) < 0 ||
	    store_open_pass(&fs->store, path, passfile, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "osfs: %s\n", err);
		return -1;
	}
	if (note[0])
		fs_say("%s", note);
	return 0;
}

/* Everything before the mount.  *path is the store's (the caller frees
 * it); *created says this run made the store, so that a failure leaves no
 * new store behind. */
static int prepare(struct osfs *fs, const struct options *o, const char *mountpoint, int *lock, char **path,
		   int *created)
{
	fs->max_artifact = ARTIFACT_DEFAULT_MAX;
	fs->entry_timeout = 3600;
	fs->readonly = o->ro;
	if (o->max_artifact && parse_size(o->max_artifact, &fs->max_artifact) < 0) {
		fprintf(stderr, "osfs: max_artifact=%s: expected a size in bytes such as 67108864 or 64M\n", o->max_artifact);
		return -1;
	}
	if (limits(fs, o) < 0)
		return -1;
	if (o->entry_timeout) {
		char *end;
		fs->entry_timeout = strtod(o->entry_timeout, &end);
		if (*end || fs->entry_timeout < 0) {
			fprintf(stderr, "osfs: entry_timeout=%s: expected a number of seconds\n", o->entry_timeout);
			return -1;
		}
	}
	fs->sync_poll_ms = 1000;
	if (o->sync_poll) {
		char *end;
		double v = strtod(o->sync_poll, &end);
		if (*end || end == o->sync_poll || !(v >= 0.01 && v <= 3600)) {
			fprintf(stderr, "osfs: sync_poll=%s: expected seconds, from 0.01 to 3600\n", o->sync_poll);
			return -1;
		}
		fs->sync_poll_ms = (unsigned)(v * 1000 + 0.5);
	}
	if (o->catalog && strncmp(o->catalog, "http://", 7) && strncmp(o->catalog, "https://", 8)) {
		fprintf(stderr, "osfs: catalog=%s: expected an http:// or https:// URL\n", o->catalog);
		return -1;
	}
	if (catalog_limits(fs, o) < 0)
		return -1;
	/* A read-only store is served as it is: its catalog is never synced. */
	refresh_init(&fs->refresh, fs, fs->readonly ? NULL : o->catalog, 300);
	if (o->catalog_refresh) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(o->catalog_refresh, &end, 10);
		if (errno || *end || end == o->catalog_refresh || v > 86400 * 7) {
			fprintf(stderr, "osfs: catalog_refresh=%s: expected seconds, at most a week\n", o->catalog_refresh);
			return -1;
		}
		fs->refresh.every = (unsigned)v;
	}
	*path = store_path(o->store ? o->store : o->nnonopt == 2 ? o->nonopt[0] : NULL);
	if (!*path) {
		fprintf(stderr, "osfs: out of memory\n");
		return -1;
	}
	if (open_store(fs, *path, o->store_passfile, o->store_read, mountpoint, lock, created) < 0)
		return -1;
	startlog_mark("store opened");
	if (!fs->readonly && install_refresh_system(fs->store) < 0) {
		fprintf(stderr, "osfs: cannot bring the system packages of the store up to date\n");
		return -1;
	}
	startlog_mark("system packages checked");
	if (o->preload && preload(fs, o) < 0)
		return -1;
	startlog_mark("preloaded");
	/* Offline is not an error: what was cached before still serves.  The
	 * first mount waits for the listing; later ones sync in the
	 * background. */
	if (fs->refresh.url) {
		if (catalog_cached(fs->store, o->catalog))
			fs->refresh.now = 1;
		else if (refresh_once(&fs->refresh) == 0) {
			char shown[512];
			refresh_without_credentials(shown, sizeof(shown), o->catalog);
			fprintf(stderr, "osfs: catalog %s synced\n", shown);
		}
	}
	return 0;
}

/* Run as /sbin/mount.fuse.osfs, mount(8) calls osfs with
 * "SOURCE TARGET [-sfnv] [-o OPTIONS] [-t TYPE]": its flags are not
 * osfs's (-f would keep it in the foreground, -s single-threaded). */
static int helper_argv(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	if (strncmp(base, "mount.", 6))
		return argc;
	int n = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			i++;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] && strchr("sfnv", argv[i][1]) && !argv[i][2])
			continue;
		argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

int main(int argc, char **argv)
{
	startlog_mark("main");
	idletrim_setup();
	argc = helper_argv(argc, argv);
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct options o;
	struct fuse_cmdline_opts cmd;
	struct osfs fs;
	int rc = 1;
	memset(&o, 0, sizeof(o));
	memset(&fs, 0, sizeof(fs));
	memset(&cmd, 0, sizeof(cmd));
	if (fuse_opt_parse(&args, &o, opt_specs, opt_proc) != 0)
		return 1;
	if (o.help || o.version) {
		if (o.help)
			usage();
		else
			printf("osfs %s (libfuse %s, %s)\n", OSFS_VERSION, fuse_pkgversion(), store_engine_version());
		rc = 0;
		goto out;
	}
	if (o.nnonopt == 0) {
		fprintf(stderr, "osfs: no mount point given\nusage: osfs [options] MOUNTPOINT (see osfs --help)\n");
		goto out;
	}
	if (fuse_opt_add_arg(&args, o.nonopt[o.nnonopt - 1]) != 0 || fuse_parse_cmdline(&args, &cmd) != 0)
		goto out;
	char curl_err[512];
	if (o.catalog && http_init(curl_err, sizeof(curl_err)) < 0) {
		fprintf(stderr, "osfs: %s\n", curl_err);
		goto out;
	}
	startlog_mark("options parsed");
	uploads_init(&fs.uploads);
	contents_init(&fs.contents);
	handles_init(&fs.open, &fs.uploads, &fs.contents);
	pthread_mutex_init(&fs.stage_lock, NULL);
	install_echo = fs_echo;
	int lock = -1, created = 0;
	char *path = NULL;
	/* The daemon's own files (store, lock) are the daemon's user's only;
	 * each is also created 0600 explicitly. */
	umask(077);
	if (prepare(&fs, &o, cmd.mountpoint, &lock, &path, &created) == 0) {
		created = 0; /* mounted: the store is kept, filled or not */
		rc = serve(&fs, &args, &cmd, lock);
	}
	store_close(fs.store);
	/* A failure before the mount (a bad preload) leaves no new store. */
	if (created && lock >= 0) {
		storefile_remove(path);
		fprintf(stderr, "osfs: removed the new store %s again: nothing was mounted\n", path);
	}
	if (lock >= 0)
		lock_release(lock, path);
	free(path);
	handles_destroy(&fs.open);
	pthread_mutex_destroy(&fs.stage_lock);
	contents_destroy(&fs.contents);
	uploads_destroy(&fs.uploads);
out:
	free(cmd.mountpoint);
	for (int i = 0; i < o.nnonopt; i++)
		free(o.nonopt[i]);
	free(o.store);
	free(o.preload);
	free(o.preload_tenant);
	free(o.catalog);
	free(o.catalog_refresh);
	free(o.catalog_max_index);
	free(o.catalog_max_packages);
	free(o.catalog_stall);
	free(o.max_artifact);
	free(o.max_pending);
	free(o.max_pending_total);
	free(o.max_tenants_per_uid);
	free(o.entry_timeout);
	free(o.sync_poll);
	free(o.store_read);
	free(o.store_passfile);
	fuse_opt_free_args(&args);
	return rc;
}
