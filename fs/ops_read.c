/* ops_read: the FUSE operations that only read: lookup, getattr,
 * readdir(plus), open/read/release, statfs, xattrs.
 *
 * Store files are immutable per inode (a changed file is a new inode), so
 * the kernel may keep their pages (keep_cache) and attributes for the whole
 * entry timeout; open() holds a reference to one copy of the inode's bytes
 * shared by all its opens (fs/content.h), so that a file's content stays
 * what it was at open() even if an install removes it meanwhile.  The log
 * is the exception: it grows, and is read from the store at each read.
 */
#include "fs/fs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "fs/alias.h"
#include "fs/records.h"
#include "fs/ino.h"
#include "catalog/catalog.h"
#include "store/catalogdb.h"
#include "store/installs.h"
#include "store/log.h"

#define NS 1000000000

void fs_stat(const struct tree_attr *a, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino_of(a->node);
	st->st_mode = a->mode;
	st->st_nlink = a->nlink;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_size = (off_t)a->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((a->size + 511) / 512);
	st->st_mtim.tv_sec = a->mtime / NS;
	st->st_mtim.tv_nsec = a->mtime % NS;
	st->st_atim = st->st_mtim;
	st->st_ctim.tv_sec = a->ctime / NS;
	st->st_ctim.tv_nsec = a->ctime % NS;
}

void fs_entry(const struct tree_attr *a, double timeout, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = ino_of(a->node);
	e->generation = 1;
	/* The log grows under one inode: its size is asked for every time,
	 * so tail -f's fstat() sees each new line (as a pending upload's). */
	e->attr_timeout = a->node.type == T_LOG ? 0 : timeout;
	e->entry_timeout = timeout;
	fs_stat(a, &e->attr);
}

/* Attributes of a pending upload. */
void fs_upload_attr(struct upload *up, struct tree_attr *a)
{
	memset(a, 0, sizeof(*a));
	pthread_mutex_lock(&up->lock);
	a->node = tree_node(T_UPLOAD, up->id);
	a->mode = S_IFREG | up->mode;
	a->uid = up->uid;
	a->gid = up->gid;
	a->nlink = 1;
	a->size = up->data.len;
	a->mtime = a->ctime = up->mtime;
	pthread_mutex_unlock(&up->lock);
}

static int getattr_node(struct osfs *fs, struct tree_node n, struct tree_attr *a)
{
	if (n.type == T_UPLOAD) {
		struct upload *up = uploads_get(&fs->uploads, n.id);
		if (!up)
			return -ENOENT;
		int rc = up->alias_of ? fs_alias_attr(fs, NULL, up, a) : (fs_upload_attr(up, a), 0);
		uploads_put(&fs->uploads, up);
		return rc;
	}
	struct db *db = store_acquire_read(fs->store);
	if (!db)
		return -ENOMEM;
	int rc = tree_getattr(db, n, a);
	store_release(db);
	return rc;
}

void fs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct osfs *fs = fs_of(req);
	struct tree_node n = ino_node(ino);
	struct tree_attr a;
	struct stat st;
	(void)fi;
	int rc = getattr_node(fs, n, &a);
	if (rc == -ENOENT && (contents_attr(&fs->contents, ino, &a) == 0 || handles_attr(&fs->open, ino, &a) == 0)) {
		a.nlink = 0; /* fstat() of a file removed after open(): like an unlinked file */
		rc = 0;
	}
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	fs_stat(&a, &st);
	double ttl = n.type == T_LOG ? 0 : fs->entry_timeout;
	if (n.type == T_UPLOAD) {
		struct upload *up = uploads_get(&fs->uploads, n.id);
		ttl = fs_upload_ttl(fs, up);
		uploads_put(&fs->uploads, up);
	}
	fuse_reply_attr(req, &st, ttl);
}

static int lookup_upload(struct osfs *fs, struct db *db, struct tree_node dir, const char *name, struct tree_attr *a)
{
	int64_t scope;
	if (fs_upload_scope(dir, &scope) < 0)
		return -ENOENT;
	struct upload *up = uploads_find(&fs->uploads, scope, name);
	if (!up)
		return -ENOENT;
	int rc = up->alias_of ? fs_alias_attr(fs, db, up, a) : (fs_upload_attr(up, a), 0);
	uploads_put(&fs->uploads, up);
	return rc;
}

void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct osfs *fs = fs_of(req);
	struct tree_node dir = ino_node(parent);
	struct tree_attr a;
	struct fuse_entry_param e;
	struct db *db = store_acquire_read(fs->store);
	if (!db) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	int rc = tree_lookup(db, dir, name, &a);
	if (rc == -ENOENT)
		rc = lookup_upload(fs, db, dir, name, &a);
	store_release(db);
	if (rc == 0 && ino_valid(a.node) < 0)
		rc = -EOVERFLOW;
	if (rc < 0) {
		/* A plain error: the kernel caches no negative entry, so a
		 * name that an install adds later is found at once. */
		fuse_reply_err(req, -rc);
		return;
	}
	int64_t scope = 0;
	fs_upload_scope(dir, &scope);
	fs_entry(&a, a.node.type == T_UPLOAD ? fs_pending_ttl(fs, scope, name) : fs->entry_timeout, &e);
	fuse_reply_entry(req, &e);
}

struct dirbuf {
	fuse_req_t req;
	struct osfs *fs;
	char *buf;
	size_t size, used;
	int plus;
};

static int dir_add(void *ctx, const char *name, const struct tree_attr *a, uint64_t next)
{
	struct dirbuf *d = ctx;
	size_t n;
	if (d->plus) {
		struct fuse_entry_param e;
		fs_entry(a, a->node.type == T_UPLOAD ? 0 : d->fs->entry_timeout, &e);
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			e.ino = 0; /* a name the kernel must not look up through */
		n = fuse_add_direntry_plus(d->req, d->buf + d->used, d->size - d->used, name, &e, (off_t)next);
	} else {
		struct stat st;
		fs_stat(a, &st);
		n = fuse_add_direntry(d->req, d->buf + d->used, d->size - d->used, name, &st, (off_t)next);
	}
	if (n > d->size - d->used)
		return 1; /* full: the entry is sent with the next call */
	d->used += n;
	return 0;
}

static int dir_add_upload(void *ctx, struct upload *up)
{
	struct tree_attr a;
	memset(&a, 0, sizeof(a));
	/* The list lock is held: read the fields without taking up->lock
	 * for long, and without calling back into uploads. */
	pthread_mutex_lock(&up->lock);
	a.node = tree_node(T_UPLOAD, up->id);
	a.mode = S_IFREG | up->mode;
	a.uid = up->uid;
	a.gid = up->gid;
	a.nlink = 1;
	a.size = up->data.len;
	a.mtime = a.ctime = up->mtime;
	pthread_mutex_unlock(&up->lock);
	return dir_add(ctx, up->name, &a, TREE_OFF_EXTRA + up->id);
}

static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, int plus)
{
	struct osfs *fs = fs_of(req);
	struct tree_node dir = ino_node(ino);
	struct dirbuf d = { req, fs, malloc(size), size, 0, plus };
	struct db *db = store_acquire_read(fs->store);
	int rc = (!d.buf || !db) ? -ENOMEM : 0;
	if (rc == 0)
		rc = tree_readdir(db, dir, (uint64_t)off, dir_add, &d);
	int64_t scope;
	if (rc == 0 && fs_upload_scope(dir, &scope) == 0 && d.used < d.size) {
		uint64_t after = (uint64_t)off > TREE_OFF_EXTRA ? (uint64_t)off - TREE_OFF_EXTRA : 0;
		uploads_each(&fs->uploads, scope, after, dir_add_upload, &d);
	}
	store_release(db);
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, d.buf, d.used);
	free(d.buf);
}

void fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	readdir_common(req, ino, size, off, 0);
}

void fs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	readdir_common(req, ino, size, off, 1);
}

static void reply_slice(fuse_req_t req, const char *p, size_t len, size_t size, off_t off)
{
	size_t start = (size_t)off < len ? (size_t)off : len;
	size_t n = size < len - start ? size : len - start;
	fuse_reply_buf(req, p ? p + start : NULL, n);
}

/* A read of a tenant's log, from the store as it is now. */
static void read_log(fuse_req_t req, struct osfs *fs, struct tree_node n, size_t size, off_t off)
{
	struct buf b = BUF_INIT;
	struct db *db = store_acquire_read(fs->store);
	int rc = db ? log_read(db, (int64_t)n.id, (uint64_t)off, size, &b) : -ENOMEM;
	store_release(db);
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, b.p, b.len);
	buf_free(&b);
}

/* A read of a pending upload through its inode. */
static void read_upload(fuse_req_t req, struct upload *up, size_t size, off_t off)
{
	pthread_mutex_lock(&up->lock);
	reply_slice(req, up->data.p, up->data.len, size, off);
	pthread_mutex_unlock(&up->lock);
}

/* A READ without OPEN (fs/keep.h): by inode, from the content kept or
 * recently read, else from the store.  A file read in several READs is
 * kept among the recently read for the next ones. */
static void read_ino(fuse_req_t req, struct osfs *fs, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct tree_node n = ino_node(ino);
	if (n.type == T_LOG) {
		read_log(req, fs, n, size, off);
		return;
	}
	if (n.type == T_UPLOAD) {
		struct upload *up = uploads_get(&fs->uploads, n.id);
		if (up && !up->alias_of) {
			read_upload(req, up, size, off);
			uploads_put(&fs->uploads, up);
			return;
		}
		if (!up) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		n = tree_node(T_INSTFILE, up->alias_of); /* an alias reads its install file */
		ino = ino_of(n);
		uploads_put(&fs->uploads, up);
	}
	struct content *e = contents_peek(&fs->contents, ino);
	keep_recent_tick(&fs->keep, e);
	if (e) {
		reply_slice(req, e->data, e->len, size, off);
		if ((size_t)off + size >= e->len)
			keep_recent_done(&fs->keep, e); /* read to its end: the kernel has the pages */
		contents_put(&fs->contents, e);
		return;
	}
	struct tree_attr a;
	struct buf b = BUF_INIT;
	struct db *db = store_acquire_read(fs->store);
	int rc = db ? tree_read(db, n, &b) : -ENOMEM;
	/* Kept for the next READs only when read from its start: a READ
	 * further in is the kernel filling pages it lost (memory pressure,
	 * drop_caches) while it still has the last ones, so no READ would
	 * reach the end and let it go (2.2 MB held after a warm tar). */
	int more = rc == 0 && off == 0 && b.len > size;
	if (more)
		more = tree_getattr(db, n, &a) == 0;
	store_release(db);
	if (rc == -ENOENT) {
		/* Removed just now: its content may be on its way to being kept. */
		keep_wait(&fs->keep);
		if ((e = contents_peek(&fs->contents, ino))) {
			reply_slice(req, e->data, e->len, size, off);
			contents_put(&fs->contents, e);
			return;
		}
	}
	if (rc == -EAGAIN && n.type == T_CATFILE && (rc = downloads_read(&fs->downloads, req, ino, size, off, fi)) == 0)
		return; /* answered by the download's thread */
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	reply_slice(req, b.p, b.len, size, off);
	int got;
	if (more && (got = contents_get(&fs->contents, ino, &e)) >= 0) {
		if (got == 1) /* ours to load: b is not empty, so this cannot fail */
			contents_done(&fs->contents, e, 0, &a, &b);
		keep_recent(&fs->keep, e);
	}
	buf_free(&b);
}

void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct osfs *fs = fs_of(req);
	if (!fi->fh) {
		read_ino(req, fs, ino, size, off, fi);
		return;
	}
	struct handle *h = handles_get(&fs->open, fi->fh);
	if (!h) {
		fuse_reply_err(req, EBADF);
		return;
	}
	if (h->up) {
		pthread_mutex_lock(&h->up->lock);
		reply_slice(req, h->up->data.p, h->up->data.len, size, off);
		pthread_mutex_unlock(&h->up->lock);
	} else if (h->content) {
		reply_slice(req, h->content->data, h->content->len, size, off);
	} else if (h->attr.node.type == T_LOG) {
		read_log(req, fs, h->attr.node, size, off);
	} else {
		fuse_reply_err(req, EBADF);
	}
	handles_put(&fs->open, h);
}

void fs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	(void)ino;
	struct osfs *fs = fs_of(req);
	struct statvfs sv;
	if (store_statvfs(fs->store, &sv) < 0)
		memset(&sv, 0, sizeof(sv));
	sv.f_namemax = 255;
	fuse_reply_statfs(req, &sv);
}

/* The newer version the catalog has of the package of a packages/ folder. */
static int update_of(struct osfs *fs, struct tree_node n, char *out, size_t len)
{
	struct install_row row;
	struct db *db = store_acquire_read(fs->store);
	int rc = db ? installs_by_id(db, (int64_t)n.id, &row) : -ENOMEM;
	if (rc == 0)
		rc = catalog_newer(db, row.pkg, row.version, out, len);
	store_release(db);
	return rc == -ENOENT ? -ENODATA : rc < 0 ? rc : (int)strlen(out);
}

static int xattr_value(struct osfs *fs, struct tree_node n, const char *name, char *out, size_t len,
		       char **dyn)
{
	*dyn = NULL;
	if (!strcmp(name, "user.osfs.xxh3")) {
		uint64_t h;
		struct db *db = store_acquire_read(fs->store);
		if (!db)
			return -ENOMEM;
		int rc = tree_artifact_hash(db, n, &h);
		store_release(db);
		if (rc < 0)
			return rc == -ENOENT ? -ENODATA : rc;
		return snprintf(out, len, "%016" PRIx64, h);
	}
	if (!strcmp(name, "user.osfs.update") && n.type == T_PKGDIR)
		return update_of(fs, n, out, len);
	if (n.type == T_FIXED && n.id == TREE_CATALOG && !strcmp(name, "user.osfs.sync")) {
		/* Only its size is asked for here (a sync answers fs_getxattr). */
		int rc = refresh_can_sync(&fs->refresh);
		return rc < 0 ? rc : snprintf(out, len, "ok");
	}
	if (n.type == T_FIXED && n.id == TREE_CATALOG && !strcmp(name, "user.osfs.sync_error")) {
		*dyn = refresh_problems(&fs->refresh);
		return *dyn ? (int)strlen(*dyn) : -ENODATA;
	}
	if (!strcmp(name, "user.osfs.error") && n.type == T_UPLOAD) {
		struct upload *up = uploads_get(&fs->uploads, n.id);
		if (!up)
			return -ENODATA;
		pthread_mutex_lock(&up->lock);
		*dyn = up->error ? strdup(up->error) : NULL;
		pthread_mutex_unlock(&up->lock);
		uploads_put(&fs->uploads, up);
		return *dyn ? (int)strlen(*dyn) : -ENODATA;
	}
	return -ENODATA;
}

/* Namespaces osfs never has a name in.  `ls -l` asks every entry for
 * security.selinux (and security.capability on exec), and the kernel caches
 * no answer: these are refused before any lookup, lock or store work. */
static int foreign_xattr(const char *name)
{
	return !strncmp(name, "security.", 9) || !strncmp(name, "system.", 7) || !strncmp(name, "trusted.", 8);
}

void fs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	if (foreign_xattr(name)) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	char val[SEMVER_MAX_LENGTH + 1], *dyn;
	struct tree_node cat = ino_node(ino);
	if (size && cat.type == T_FIXED && cat.id == TREE_CATALOG && !strcmp(name, "user.osfs.sync")) {
		/* osfsctl update: answered by the refresh thread (fs/refresh.h). */
		int rc = refresh_ask(&fs_of(req)->refresh, req, size);
		if (rc < 0)
			fuse_reply_err(req, -rc);
		return;
	}
	int n = xattr_value(fs_of(req), ino_node(ino), name, val, sizeof(val), &dyn);
	if (n < 0)
		fuse_reply_err(req, -n);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)n);
	else if (size < (size_t)n)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, dyn ? dyn : val, (size_t)n);
	free(dyn);
}

void fs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct tree_node n = ino_node(ino);
	static const char hash[] = "user.osfs.xxh3";
	static const char hash_update[] = "user.osfs.xxh3\0user.osfs.update";
	static const char err[] = "user.osfs.error";
	char v[SEMVER_MAX_LENGTH + 1];
	const char *list = "";
	size_t len = 0;
	if (n.type == T_PKGDIR && update_of(fs_of(req), n, v, sizeof(v)) > 0) {
		list = hash_update;
		len = sizeof(hash_update);
	} else if (n.type == T_INSTFILE || n.type == T_PKGART || n.type == T_PKGDIR || n.type == T_CATFILE) {
		list = hash;
		len = sizeof(hash);
	} else if (n.type == T_UPLOAD) {
		list = err;
		len = sizeof(err);
	}
	if (size == 0)
		fuse_reply_xattr(req, len);
	else if (size < len)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, list, len);
}

/* The kernel dropped inodes: what was kept for them goes (fs/keep.h). */
static void forget_one(struct osfs *fs, fuse_ino_t ino, uint64_t nlookup)
{
	struct tree_node n = ino_node(ino);
	if (n.type == T_UPLOAD) {
		/* No RELEASE comes without OPEN, not even after CREATE: a
		 * forgotten upload inode is no longer open anywhere. */
		if (fs->no_open)
			handles_close_upload(&fs->open, n.id);
		return;
	}
	(void)nlookup; /* the kernel forgets an inode with all its lookups at once */
	if (fs->no_open) {
		keep_forget(&fs->keep, ino);
		fs_unstage(fs, ino);
	}
}

void fs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	forget_one(fs_of(req), ino, nlookup);
	fuse_reply_none(req);
}

void fs_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct osfs *fs = fs_of(req);
	for (size_t i = 0; i < count; i++)
		forget_one(fs, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}
