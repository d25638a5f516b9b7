/* refuse: the sentence a refused write leaves in the daemon's stderr or
 * syslog (SPEC 3: "writes to read-only places give EACCES or EROFS, with a
 * sentence in the daemon's log"), and the operations osfs never allows:
 * symbolic links, hard links and device nodes (EPERM, as on filesystems
 * without them, rather than ENOSYS's "Function not implemented").
 *
 * A loop such as `find packages -exec touch {} +` is refused once per
 * file: the lines are rate-limited (a burst of REFUSE_BURST, then one a
 * second), and the first line let through after a quiet spell says how
 * many were left out. */
#include "fs/refuse.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fs/ino.h"
#include "store/tenants.h"

#define REFUSE_BURST 10

static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;
static double tokens = REFUSE_BURST, last;
static unsigned long dropped;

/* 1 if a line may be written now; *skipped: how many were not before it. */
static int may_say(unsigned long *skipped)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	int ok;
	pthread_mutex_lock(&limit_lock);
	tokens += now - last; /* one line a second */
	if (tokens > REFUSE_BURST)
		tokens = REFUSE_BURST;
	last = now;
	ok = tokens >= 1;
	if (ok) {
		tokens -= 1;
		*skipped = dropped;
		dropped = 0;
	} else {
		dropped++;
	}
	pthread_mutex_unlock(&limit_lock);
	return ok;
}

/* The place n is, as a path from the mount's root, and why it cannot be
 * written.  "" for a place that is not read-only. */
static void place_of(struct osfs *fs, struct tree_node n, char *path, size_t plen, char *why, size_t wlen)
{
	char t[80] = "?";
	int64_t id = 0;
	struct tenant_row row;
	struct db *db = store_acquire(fs->store);
	if (db && tree_tenant_of(db, n, &id) == 0 && id > 0 && tenants_get(db, id, &row) == 0)
		snprintf(t, sizeof(t), "%s", row.name);
	store_release(db);
	why[0] = '\0';
	switch (n.type) {
	case T_FIXED:
		if (n.id == TREE_TENANTS) {
			snprintf(path, plen, "tenants/");
			snprintf(why, wlen, "tenants/ holds tenants only: create one with mkdir");
		} else if (n.id == TREE_CATALOG) {
			snprintf(path, plen, "catalog/");
			snprintf(why, wlen, "catalog/ holds artifacts only: add one with cp FILE catalog/");
		} else {
			snprintf(path, plen, "/");
			snprintf(why, wlen, "the root holds catalog/ and tenants/ only");
		}
		return;
	case T_CATPKG:
	case T_CATFILE:
		snprintf(path, plen, "catalog/");
		snprintf(why, wlen, "catalog/<id>/ is read-only: add a version with cp FILE catalog/, remove one with rm");
		return;
	case T_TENANT:
		snprintf(path, plen, "tenants/%s/", t);
		snprintf(why, wlen, "a tenant holds install/, packages/, objects/, data/ and log only");
		return;
	case T_INSTDIR:
	case T_INSTFILE:
		snprintf(path, plen, "tenants/%s/install/", t);
		snprintf(why, wlen, "install/ holds artifacts only: files, no folders or links");
		return;
	case T_PKGSDIR:
	case T_PKGDIR:
	case T_PKGART:
	case T_PKGMAN:
	case T_KINDDIR:
	case T_ITEM:
		snprintf(path, plen, "tenants/%s/packages/", t);
		snprintf(why, wlen, "packages/ is read-only: install packages by copying an artifact into "
			 "tenants/%s/install/", t);
		return;
	case T_OBJSDIR:
	case T_OBJECT:
		snprintf(path, plen, "tenants/%s/objects/", t);
		snprintf(why, wlen, "objects/ is read-only: it shows the objects of the installed packages, merged");
		return;
	case T_DATADIR:
	case T_TABLE:
	case T_RECORD:
		snprintf(path, plen, "tenants/%s/data/", t);
		snprintf(why, wlen, "data/ is read-only: its records come from the packages' seed data");
		return;
	case T_LOG:
		snprintf(path, plen, "tenants/%s/log", t);
		snprintf(why, wlen, "the log is read-only: osfs writes it");
		return;
	default:
		snprintf(path, plen, "?");
		return;
	}
}

void fs_refuse(struct osfs *fs, struct tree_node where, const char *name, const char *op, int err,
	       const char *reason)
{
	unsigned long skipped = 0;
	char path[160], why[200];
	if (!may_say(&skipped))
		return;
	/* An existing name is refused for what it is (rm log: the log is
	 * read-only), a new one for the folder it would be made in. */
	struct tree_node what = where;
	struct tree_attr a;
	struct db *db = name ? store_acquire(fs->store) : NULL;
	if (db && tree_lookup(db, where, name, &a) == 0)
		what = a.node;
	store_release(db);
	place_of(fs, where, path, sizeof(path), why, sizeof(why));
	if (what.type != where.type || what.id != where.id) {
		char ignored[160];
		place_of(fs, what, ignored, sizeof(ignored), why, sizeof(why));
	}
	if (reason)
		snprintf(why, sizeof(why), "%s", reason);
	else if (!why[0])
		snprintf(why, sizeof(why), "not allowed here");
	/* path + name; a file opened by inode has no name here: "a file of
	 * tenants/acme/packages/" (the log is named by its path) */
	int place = where.type == T_FIXED || where.type == T_TENANT || where.type == T_INSTDIR ||
		    where.type == T_PKGSDIR || where.type == T_OBJSDIR || where.type == T_DATADIR || where.type == T_LOG;
	int folder = where.type == T_PKGDIR || where.type == T_KINDDIR || where.type == T_TABLE || where.type == T_CATPKG;
	const char *pre = name || place ? "" : folder ? "a folder of " : "a file of ";
	char more[64] = "";
	if (skipped)
		snprintf(more, sizeof(more), " (and %lu more refusals not shown)", skipped);
	fs_say("%s %s%s%s refused (%s): %s%s", op, pre, path, name ? name : "", strerror(err), why, more);
}

void fs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	(void)link;
	struct osfs *fs = fs_of(req);
	int err = fs->readonly ? EROFS : EPERM;
	if (!fs->readonly)
		fs_refuse(fs, ino_node(parent), name, "ln -s", EPERM, "osfs has no symbolic links");
	fuse_reply_err(req, err);
}

void fs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino;
	struct osfs *fs = fs_of(req);
	int err = fs->readonly ? EROFS : EPERM;
	if (!fs->readonly)
		fs_refuse(fs, ino_node(newparent), newname, "ln", EPERM, "osfs has no hard links: copy the file");
	fuse_reply_err(req, err);
}

void fs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	(void)mode, (void)rdev;
	struct osfs *fs = fs_of(req);
	int err = fs->readonly ? EROFS : EPERM;
	if (!fs->readonly)
		fs_refuse(fs, ino_node(parent), name, "mknod", EPERM,
			  "osfs has no device nodes, FIFOs or sockets; files are made with open(O_CREAT)");
	fuse_reply_err(req, err);
}
