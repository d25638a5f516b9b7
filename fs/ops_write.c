/* ops_write: files being opened, written and closed: open/create/write/
 * flush/fsync/release/setattr, and the install a close triggers.
 *
 * FLUSH is the last request whose error reaches close(), and so cp: the
 * install of a file written into install/ runs there.  It may run more
 * than once (dup'd descriptors); it only installs when there were writes
 * since the last attempt, and otherwise repeats that attempt's result.
 */
#include "fs/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "catalog/catalog.h"
#include "catalog/install.h"
#include "fs/alias.h"
#include "fs/attrs.h"
#include "fs/ino.h"
#include "fs/records.h"
#include "fs/refuse.h"
#include "store/installs.h"
#include "store/tenants.h"

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The open file of a request, with a reference (NULL if none). */
static struct handle *handle_of(struct osfs *fs, struct fuse_file_info *fi)
{
	return fi ? handles_get(&fs->open, fi->fh) : NULL;
}

/* Drops the caller's reference and closes the handle: for a failed open. */
static void handle_abandon(struct osfs *fs, struct handle *h)
{
	uint64_t id = h->id;
	handles_put(&fs->open, h);
	handles_close(&fs->open, id);
}

static void note_refused(struct osfs *fs, struct upload *up, const struct upload_refusal *why);

/* The bytes of the package an install file holds, for a staged
 * replacement opened without O_TRUNC. */
int fs_open_staged(struct osfs *fs, struct tree_node n, int trunc, uid_t opener, struct upload **out)
{
	struct upload_refusal why;
	struct install_row row;
	struct tenant_row t;
	struct db *db = store_acquire(fs->store);
	int rc = db ? installs_by_id(db, (int64_t)n.id, &row) : -ENOMEM;
	if (rc == 0)
		rc = tenants_get(db, row.tenant, &t);
	struct tree_attr cur;
	if (rc == 0)
		rc = tree_getattr(db, n, &cur); /* new bytes keep the file's mode, as on any file */
	struct upload *up = NULL;
	if (rc == 0) {
		up = uploads_new(&fs->uploads, t.id, t.name, NULL, cur.mode, t.uid, t.gid);
		if (!up || !(up->expect_id = strdup(row.pkg)))
			rc = -ENOMEM;
		else
			up->payer = opener;
	}
	if (rc == 0 && !trunc) {
		rc = tree_read(db, n, &up->data);
		if (rc == 0)
			rc = uploads_charge(&fs->uploads, up, 0, up->data.len, &why);
		if (rc < 0)
			buf_free(&up->data); /* never counted: nothing to give back */
	}
	store_release(db);
	if (rc == -EDQUOT || rc == -ENOSPC)
		note_refused(fs, up, &why);
	if (rc < 0) {
		uploads_put(&fs->uploads, up);
		return rc;
	}
	up->mtime = now_ns();
	up->dirty = trunc; /* opened without writing: close leaves it as it is */
	*out = up;
	return 0;
}

static int open_upload(struct osfs *fs, struct tree_node n, int flags, struct upload **out)
{
	struct upload *up = uploads_get(&fs->uploads, n.id);
	if (!up)
		return -ENOENT;
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
		pthread_mutex_lock(&up->lock);
		uploads_charge(&fs->uploads, up, up->data.len, 0, NULL);
		buf_reset(&up->data);
		up->dirty = 1;
		up->overflow = 0;
		up->refused = 0;
		json_end_reset(&up->scan);
		pthread_mutex_unlock(&up->lock);
	}
	*out = up;
	return 0;
}

/* A store file's attributes and, if b, its bytes. */
static int read_node(struct osfs *fs, struct tree_node n, struct tree_attr *a, struct buf *b)
{
	struct db *db = store_acquire_read(fs->store);
	int rc = db ? tree_getattr(db, n, a) : -ENOMEM;
	if (rc == 0 && b)
		rc = tree_read(db, n, b);
	store_release(db);
	return rc;
}

/* The bytes of a file, for reading.  A remote catalog entry that was
 * never downloaded is -EAGAIN (its size was known from the index, so stat
 * was exact before): fs_open hands it to fs/downloads.c, whose thread
 * answers the open once the bytes are in the store. */
static int load_node(struct osfs *fs, struct tree_node n, struct tree_attr *a, struct buf *b)
{
	return read_node(fs, n, a, b);
}

/* Opens a store file for reading.  Every open of one inode shares one
 * copy of its bytes (fs/content.h), loaded by the first.  The log is not
 * copied at all: it grows, and each read is served from the store, so a
 * reader that keeps it open (tail -f) reads the lines appended since. */
static int open_read(struct osfs *fs, struct tree_node n, struct handle *h)
{
	if (n.type == T_LOG)
		return read_node(fs, n, &h->attr, NULL);
	struct content *c;
	int rc = contents_get(&fs->contents, ino_of(n), &c);
	if (rc == 1) {
		struct tree_attr a;
		struct buf b = BUF_INIT;
		rc = load_node(fs, n, &a, &b);
		contents_done(&fs->contents, c, rc, &a, &b);
		buf_free(&b);
	}
	if (rc < 0)
		return rc;
	h->content = c;
	h->attr = c->attr;
	return 0;
}

void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct osfs *fs = fs_of(req);
	struct tree_node n = ino_node(ino);
	int write = (fi->flags & O_ACCMODE) != O_RDONLY, rc = 0;
	if (fs->no_open) {
		/* The kernel opens files itself from now on (fs/keep.h). */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	struct handle *h = handles_new(&fs->open);
	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if ((rc = fs_alias_open(fs, &n, fi->flags)) < 0) {
		/* an alias that could not become a pending upload again */
	} else if (n.type == T_UPLOAD) {
		rc = open_upload(fs, n, fi->flags, &h->up);
		fi->direct_io = 1;
	} else if (write) {
		if (fs->readonly)
			rc = -EROFS;
		else if (n.type == T_RECORD)
			rc = fs_record_open(fs, n, fi->flags & O_TRUNC, fuse_req_ctx(req)->uid, &h->up);
		else if (n.type != T_INSTFILE)
			rc = (fs_refuse(fs, n, NULL, "write", EACCES, NULL), -EACCES);
		else
			rc = fs_open_staged(fs, n, fi->flags & O_TRUNC, fuse_req_ctx(req)->uid, &h->up);
		if (rc == 0)
			h->up->replaces = ino;
		fi->direct_io = 1;
	} else {
		rc = open_read(fs, n, h);
		/* Not downloaded yet: a download's thread answers this open, so
		 * no FUSE worker waits for the network (fs/downloads.h). */
		if (rc == -EAGAIN && n.type == T_CATFILE && (rc = downloads_open(&fs->downloads, req, ino, fi)) == 0) {
			handle_abandon(fs, h);
			return;
		}
		/* Same inode, same bytes: the kernel's pages stay valid (every
		 * change invalidates them).  The log grows under its inode: its
		 * reads bypass the kernel's pages, which could hold a stale end.
		 * A file opened for reading has nothing to flush: its close()
		 * costs no round trip. */
		fi->keep_cache = n.type != T_LOG && ino_node(ino).type != T_UPLOAD;
		fi->direct_io = n.type == T_LOG;
		fi->noflush = 1;
	}
	if (rc < 0) {
		handle_abandon(fs, h);
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = h->id;
	uint64_t id = h->id;
	handles_put(&fs->open, h);
	if (fuse_reply_open(req, fi) != 0)
		handles_close(&fs->open, id); /* the opener was interrupted */
}

void fs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi)
{
	struct osfs *fs = fs_of(req);
	struct tree_node dir = ino_node(parent);
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct tenant_row t = { 0 };
	struct tree_attr a;
	struct fuse_entry_param e;
	int64_t scope;
	if (fs->readonly || fs_upload_scope(dir, &scope) < 0) {
		if (!fs->readonly)
			fs_refuse(fs, dir, name, "create", EACCES, NULL);
		fuse_reply_err(req, fs->readonly ? EROFS : EACCES);
		return;
	}
	struct db *db = store_acquire(fs->store);
	int rc = !db ? -ENOMEM : scope > 0 ? tenants_get(db, scope, &t) : scope < 0 ? fs_record_scope(fs, db, -scope, name, &t) : 0;
	if (rc == 0 && tree_lookup(db, dir, name, &a) == 0)
		rc = -EEXIST;
	store_release(db);
	struct upload *up = NULL;
	if (rc == 0 && (up = uploads_find(&fs->uploads, scope, name))) {
		uploads_put(&fs->uploads, up);
		rc = -EEXIST;
	}
	/* A catalog upload has no tenant: scope 0, tenant name "". */
	struct handle *h = rc == 0 ? handles_new(&fs->open) : NULL;
	if (rc == 0 && (!h || !(h->up = uploads_new(&fs->uploads, scope, t.name, name, mode, ctx->uid,
						     ctx->gid))))
		rc = -ENOMEM;
	if (rc < 0) {
		if (h)
			handle_abandon(fs, h);
		fuse_reply_err(req, -rc);
		return;
	}
	h->up->mtime = now_ns();
	h->up->bundle = scope > 0 && fs_restore_name(name);
	memset(&a, 0, sizeof(a));
	a.node = tree_node(T_UPLOAD, h->up->id);
	a.mode = S_IFREG | (mode & 07777);
	a.uid = ctx->uid;
	a.gid = ctx->gid;
	a.nlink = 1;
	a.mtime = a.ctime = h->up->mtime;
	fs_entry(&a, fs_pending_ttl(fs, scope, name), &e);
	fi->fh = h->id;
	fi->direct_io = 1;
	struct upload *up_created = h->up;
	uint64_t id = h->id;
	uploads_ref(&fs->uploads, up_created);
	handles_put(&fs->open, h);
	if (fuse_reply_create(req, &e, fi) != 0) {
		uploads_rename(&fs->uploads, up_created, NULL);
		handles_close(&fs->open, id);
	}
	uploads_put(&fs->uploads, up_created);
}

/* Tells the upload's tenant log (and stderr/syslog) why it failed. */
static void note_upload(struct osfs *fs, struct upload *up, const char *line)
{
	struct install_report r = INSTALL_REPORT_INIT;
	if (!up->tenant) {
		fs_echo(NULL, line); /* the catalog has no log of its own */
		return;
	}
	install_note(fs->store, up->tenant_name, line, &r);
	inval_changes(&fs->inval, &r.changes, 0);
	install_report_free(&r);
}

/* Tells the tenant's log (once per upload) that it grew past the limit. */
static void note_too_big(struct osfs *fs, struct upload *up, size_t end)
{
	char line[512];
	snprintf(line, sizeof(line), "error: cannot %s %s/%s: it is larger than max_artifact (%zu bytes; "
		 "a write reached byte %zu) [EFBIG]", up->tenant ? "install" : "add", up->tenant ? "install" : "catalog",
		 up->name ? up->name : up->expect_id ? up->expect_id : "?", fs->max_artifact, end);
	note_upload(fs, up, line);
}

/* Tells the tenant's log whose pending-upload budget refused a write. */
static void note_refused(struct osfs *fs, struct upload *up, const struct upload_refusal *why)
{
	char text[300], line[700];
	uploads_refusal_text(why, text, sizeof(text));
	snprintf(line, sizeof(line), "error: cannot write %s/%s%s: %s [%s]", up->tenant ? "install" : "catalog",
		 up->name ? up->name : up->expect_id ? up->expect_id : "?", up->name ? "" : ".json", text,
		 why->total ? "ENOSPC" : "EDQUOT");
	note_upload(fs, up, line);
}

/* Sets the size of an upload's data (zero-filling growth).  A growth its
 * payer's budget refuses is -EDQUOT or -ENOSPC, why set. */
static int resize(struct osfs *fs, struct upload *up, size_t len, struct upload_refusal *why)
{
	size_t old = up->data.len;
	if (len > fs->max_artifact && !up->bundle)
		return -EFBIG;
	int rc = uploads_charge(&fs->uploads, up, old, len, why);
	if (rc < 0)
		return rc;
	if (len > old) {
		if (buf_reserve(&up->data, len - old) < 0)
			return -ENOMEM;
		memset(up->data.p + old, 0, len - old);
	}
	up->data.len = len;
	if (up->data.p)
		up->data.p[len] = '\0';
	return 0;
}

void fs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	struct osfs *fs = fs_of(req);
	struct handle *h = fi && fi->fh ? handle_of(fs, fi) : NULL;
	struct upload *up = h ? h->up : NULL, *staged = NULL;
	if (!h && fs->no_open) {
		/* Written without OPEN: through the inode (fs/stage.c). */
		int rc = fs_stage(req, ino, 0, &staged);
		if (rc < 0) {
			fuse_reply_err(req, -rc);
			return;
		}
		up = staged;
	}
	if (!up) {
		handles_put(&fs->open, h);
		fuse_reply_err(req, EBADF);
		return;
	}
	if (up->tenant >= 0 && size)
		fs_upload_relist(fs, up);
	size_t end = (size_t)off + size;
	int too_big = 0, refused = 0, rc = 0;
	struct upload_refusal why;
	pthread_mutex_lock(&up->lock);
	if (end > fs->max_artifact && !up->bundle) {
		too_big = !up->overflow;
		up->overflow = 1;
		rc = -EFBIG;
	} else if (end > up->data.len) {
		rc = resize(fs, up, end, &why);
		/* Its bytes are now incomplete: installing them would only
		 * say something untrue ("the file is empty"). */
		if ((rc == -EDQUOT || rc == -ENOSPC) && !up->refused)
			refused = up->refused = rc;
	}
	if (rc == 0 && size) {
		memcpy(up->data.p + off, buf, size);
		up->dirty = 1;
		up->mtime = now_ns();
	}
	/* This write completes the document: check it now (fs/write_check.c),
	 * once; close() would report to a shell that does not listen. */
	int complete = 0;
	if (rc < 0)
		json_end_off(&up->scan);
	else if (size && !up->scan.checked && json_end_feed(&up->scan, (size_t)off, buf, size) && end == up->data.len)
		complete = up->scan.checked = 1;
	pthread_mutex_unlock(&up->lock);
	if (too_big)
		note_too_big(fs, up, end);
	if (refused)
		note_refused(fs, up, &why);
	if (complete)
		rc = fs_upload_check(fs, up);
	handles_put(&fs->open, h);
	uploads_put(&fs->uploads, staged);
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_write(req, size);
}

char *fs_report_text(const struct install_report *r)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < r->diag.n; i++)
		if (r->diag.v[i].err)
			buf_printf(&b, "%s [%s]\n", r->diag.v[i].msg, diag_errname(r->diag.v[i].err));
	return buf_detach(&b, NULL);
}

/* Installs the upload's bytes, as if written to install/<target>.  The
 * upload leaves the listing (name, if it was listed): installed, it shows
 * as <id>.json; refused, nothing of it remains.  held is the directory
 * inode the calling request holds locked (or 0). */
int fs_install_upload(struct osfs *fs, struct upload *up, const char *target, const char *name, uint64_t held)
{
	if (up->tenant < 0)
		return fs_record_apply(fs, up, target, name, held); /* a record of data/<object>/ */
	struct install_report r = INSTALL_REPORT_INIT;
	char source[300];
	int rc;
	snprintf(source, sizeof(source), "%s/%s", up->tenant ? "install" : "catalog", target);
	pthread_mutex_lock(&up->lock);
	struct install_opts o = { up->tenant_name, source, up->expect_id, fs->max_artifact, up->mode, up->mtime };
	const char *bytes = up->data.p ? up->data.p : "";
	if (up->overflow) {
		diag_add(&r.diag, EFBIG, "the file is larger than max_artifact (%zu bytes)", fs->max_artifact);
		rc = -EFBIG;
	} else if (up->refused) {
		if (up->refused == -EDQUOT)
			diag_add(&r.diag, EDQUOT, "a write to it was refused: uid %u's budget for pending uploads (-o "
				 "max_pending) was full (see the log); its bytes are incomplete", (unsigned)up->payer);
		else
			diag_add(&r.diag, -up->refused, "a write to it was refused: the total budget for pending uploads "
				 "(-o max_pending_total) was full (see the log); its bytes are incomplete");
		rc = up->refused;
	} else if (!up->tenant) {
		rc = catalog_add(fs->store, bytes, up->data.len, fs->max_artifact, source, &r);
	} else {
		rc = install_artifact(fs->store, bytes, up->data.len, &o, &r);
	}
	up->dirty = 0;
	up->result = rc;
	free(up->error);
	up->error = rc < 0 ? fs_report_text(&r) : NULL;
	pthread_mutex_unlock(&up->lock);
	if (name && rc == 0) {
		uploads_rename(&fs->uploads, up, NULL);
		/* The kernel lets go of the upload's inode (its FORGET frees it:
		 * no RELEASE comes without OPEN) once no name holds it. */
		changes_entry(&r.changes, fs_upload_dir(up), name);
		if (strcmp(target, name))
			fs_alias_add(fs, up, target, r.label); /* renamed, as rsync does: for its next run */
	}
	changes_node(&r.changes, up->tenant ? tree_node(T_INSTDIR, (uint64_t)up->tenant) : tree_node(T_FIXED, TREE_CATALOG),
		     0);
	inval_changes(&fs->inval, &r.changes, held);
	install_report_free(&r);
	return rc;
}

/* The errno (0 if none) that the FLUSH of up answers. */
static int flush_upload(struct osfs *fs, fuse_ino_t ino, struct upload *up)
{
	char name[300], target[300];
	int listed = uploads_name(&fs->uploads, up, name, sizeof(name));
	pthread_mutex_lock(&up->lock);
	int dirty = up->dirty, result = up->result;
	pthread_mutex_unlock(&up->lock);
	if (listed && !uploads_final_name(name))
		return 0; /* a temporary name: its rename installs it */
	if ((!listed && !up->expect_id) || !dirty) {
		/* Nothing new: the last result stands.  Staged through the inode,
		 * any close() flushes it, a reader's too: told once, at its install. */
		return up->by_inode ? 0 : -result;
	}
	if (listed)
		snprintf(target, sizeof(target), "%s", name);
	else
		snprintf(target, sizeof(target), "%s.json", up->expect_id);
	int rc = fs_install_upload(fs, up, target, listed ? name : NULL, 0);
	if (rc < 0 && up->by_inode) {
		/* Refused: a next write starts from the installed bytes.  But
		 * not when it was empty: the shell's `echo … >f` closes a first
		 * descriptor (after the O_TRUNC) before it writes. */
		pthread_mutex_lock(&up->lock);
		int empty = up->data.len == 0;
		pthread_mutex_unlock(&up->lock);
		if (!empty)
			fs_unstage(fs, ino);
	}
	if (listed && rc < 0) {
		/* Nothing of a failed install remains.  But the shell's `echo …
		 * >f` closes a first descriptor before writing through its
		 * dup: refused empty, the file is listed again if written. */
		pthread_mutex_lock(&up->lock);
		if (up->data.len == 0 && !up->overflow && !up->refused && !up->relist)
			up->relist = strdup(name);
		pthread_mutex_unlock(&up->lock);
		uploads_rename(&fs->uploads, up, NULL);
		/* Its name goes from the kernel's cache too: without OPEN there
		 * is no RELEASE, and the FORGET of its inode, which frees it,
		 * comes only once no name holds it (fs/stage.c). */
		struct changes c = CHANGES_INIT;
		changes_entry(&c, fs_upload_dir(up), name);
		inval_changes(&fs->inval, &c, 0);
		changes_free(&c);
	}
	if (!listed) {
		/* The writes of a staged replacement went through the inode of
		 * the installed file: the kernel's idea of its size is stale. */
		struct changes c = CHANGES_INIT;
		changes_node(&c, ino_node(ino), 0);
		inval_changes(&fs->inval, &c, 0);
		changes_free(&c);
	}
	return -rc;
}

/* The errno (0 if none) of a close() or fsync() of ino: fi is its handle,
 * or none when files are read without OPEN. */
static int flush_of(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct osfs *fs = fs_of(req);
	int err = 0;
	if (!fi || !fi->fh) {
		/* Without OPEN every close() sends a FLUSH: what was written
		 * through the inode installs now; anything else costs nothing. */
		struct tree_node n = ino_node(ino);
		struct upload *up = n.type == T_UPLOAD ? uploads_get(&fs->uploads, n.id) : fs_staged(fs, ino);
		if (up && up->by_inode && !fs_stage_writer(up, fuse_req_ctx(req)->pid))
			err = 0; /* a reader's close(): not its to install */
		else if (up && !up->alias_of)
			err = flush_upload(fs, ino, up);
		uploads_put(&fs->uploads, up);
		return err;
	}
	struct handle *h = handle_of(fs, fi);
	if (h && h->up)
		err = flush_upload(fs, ino, h->up);
	handles_put(&fs->open, h);
	return err;
}

void fs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, flush_of(req, ino, fi));
}

void fs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)datasync;
	int err = flush_of(req, ino, fi);
	/* A record's commit is durable a moment after it (docs/records.md,
	 * "Durability"); fsync(2) waits for that moment. */
	if (err == 0)
		err = -store_sync(fs_of(req)->store);
	fuse_reply_err(req, err);
}

void fs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	if (fi->fh)
		handles_close(&fs_of(req)->open, fi->fh);
	fuse_reply_err(req, 0);
}

static int setattr_upload(struct osfs *fs, struct upload *up, const struct stat *attr, int to_set)
{
	int rc = 0;
	pthread_mutex_lock(&up->lock);
	struct upload_refusal why;
	if (to_set & FUSE_SET_ATTR_SIZE) {
		rc = resize(fs, up, (size_t)attr->st_size, &why);
		if (rc == 0) {
			up->dirty = 1;
			up->overflow = 0;
			up->refused = 0;
			if (attr->st_size == 0)
				json_end_reset(&up->scan);
			else if ((size_t)attr->st_size < up->scan.at)
				json_end_off(&up->scan); /* cut short: close() decides */
		}
	}
	if (rc == 0 && (to_set & FUSE_SET_ATTR_MODE))
		up->mode = attr->st_mode & 07777;
	if (rc == 0 && (to_set & FUSE_SET_ATTR_UID))
		up->uid = attr->st_uid;
	if (rc == 0 && (to_set & FUSE_SET_ATTR_GID))
		up->gid = attr->st_gid;
	if (rc == 0 && (to_set & FUSE_SET_ATTR_MTIME))
		up->mtime = (int64_t)attr->st_mtim.tv_sec * 1000000000 + attr->st_mtim.tv_nsec;
	if (rc == 0 && (to_set & FUSE_SET_ATTR_MTIME_NOW))
		up->mtime = now_ns();
	if (rc == 0 && (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW)))
		up->mtime_set = 1;
	pthread_mutex_unlock(&up->lock);
	if (rc == -EDQUOT || rc == -ENOSPC)
		note_refused(fs, up, &why);
	return rc;
}

static int in_groups(fuse_req_t req, gid_t gid)
{
	gid_t groups[256];
	int n = fuse_req_getgroups(req, 256, groups);
	for (int i = 0; i < n && i < 256; i++)
		if (groups[i] == gid)
			return 1;
	return fuse_req_ctx(req)->gid == gid;
}

/* chmod and chown of a tenant: by its owner (mode, and group to one of
 * theirs) or by root, as on any Unix file. */
static int setattr_tenant(fuse_req_t req, struct tree_node n, const struct stat *attr, int to_set,
			  struct tree_attr *out)
{
	struct osfs *fs = fs_of(req);
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct tenant_row t;
	int64_t ts;
	if (to_set & ~(FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID | FUSE_SET_ATTR_CTIME))
		return -EPERM; /* times come from the store */
	struct db *db = store_acquire(fs->store);
	int rc = db ? tenants_get(db, (int64_t)n.id, &t) : -ENOMEM;
	int root = ctx->uid == 0, owner = ctx->uid == t.uid;
	int64_t uid = -1, gid = -1, mode = -1;
	if (rc == 0 && (to_set & FUSE_SET_ATTR_MODE))
		rc = root || owner ? (mode = attr->st_mode & 07777, 0) : -EPERM;
	if (rc == 0 && (to_set & FUSE_SET_ATTR_UID) && attr->st_uid != t.uid)
		rc = root ? (uid = attr->st_uid, 0) : -EPERM;
	if (rc == 0 && (to_set & FUSE_SET_ATTR_GID) && attr->st_gid != t.gid)
		rc = root || (owner && in_groups(req, attr->st_gid)) ? (gid = attr->st_gid, 0) : -EPERM;
	if (rc == 0 && (rc = db_begin(db)) == 0) {
		if ((rc = db_now(db, 0, &ts)) == 0)
			rc = tenants_set_owner(db, t.id, uid, gid, mode, ts);
		rc = rc ? (db_rollback(db), rc) : db_commit(db);
	}
	if (rc == 0)
		rc = tree_getattr(db, n, out);
	store_release(db);
	if (rc == 0 && (uid >= 0 || gid >= 0 || mode >= 0)) {
		struct install_report r = INSTALL_REPORT_INIT;
		char line[256];
		snprintf(line, sizeof(line), "tenant %s: owner uid %u, gid %u, mode %04o (changed by uid %u)", t.name,
			 (unsigned)out->uid, (unsigned)out->gid, (unsigned)(out->mode & 07777), (unsigned)ctx->uid);
		install_note(fs->store, t.name, line, &r);
		inval_changes(&fs->inval, &r.changes, 0);
		install_report_free(&r);
	}
	return rc;
}

/* utimens and chmod of an installed install/<id>.json, by the tenant's
 * owner or root: the file keeps them (rsync sets both). */
static int setattr_installed(fuse_req_t req, struct tree_node n, const struct stat *attr, int to_set,
			     struct tree_attr *out)
{
	struct osfs *fs = fs_of(req);
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	int64_t mode = -1, mtime = -1, ts;
	if (to_set & ~(FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
		       FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME)) {
		/* Its owner is the tenant's; its size is its package's. */
		int err = (to_set & FUSE_SET_ATTR_SIZE) ? EACCES : EPERM;
		fs_attr_refused(out, attr, to_set, ctx->uid, err,
				err == EACCES ? "its bytes change by writing a new artifact, not by truncate"
					      : "an installed file is owned by its tenant's owner");
		return -err;
	}
	struct db *db = store_acquire(fs->store);
	int rc = db ? tree_getattr(db, n, out) : -ENOMEM;
	if (rc == 0 && ctx->uid != 0 && ctx->uid != out->uid) {
		fs_attr_refused(out, attr, to_set, ctx->uid, EPERM, "only the tenant's owner or root may");
		rc = -EPERM;
	}
	if (to_set & FUSE_SET_ATTR_MODE)
		mode = attr->st_mode & 07777;
	if (to_set & FUSE_SET_ATTR_MTIME)
		mtime = (int64_t)attr->st_mtim.tv_sec * 1000000000 + attr->st_mtim.tv_nsec;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		mtime = now_ns();
	if (rc == 0 && (mode >= 0 || mtime >= 0) && (rc = db_begin(db)) == 0) {
		if ((rc = db_now(db, 0, &ts)) == 0)
			rc = installs_set_attr(db, (int64_t)n.id, mode, mtime, ts);
		rc = rc ? (db_rollback(db), rc) : db_commit(db);
	}
	if (rc == 0)
		rc = tree_getattr(db, n, out);
	store_release(db);
	return rc;
}

/* A setattr of an install file that a staged replacement was opened
 * through: cp -a and tar set the mode and times of what they write after
 * writing it, by the inode they opened.  While the replacement is pending
 * they are its (they take effect with it, or not at all); once it is
 * installed (vim fchmod()s after fsync()), that inode is gone and they go
 * to the install file holding the package now.  Returns 1 if the request
 * was answered here, else 0 with *n the node to change. */
static int setattr_staged(struct osfs *fs, struct tree_node *n, const struct stat *attr, int to_set,
			  struct tree_attr *a, int *rc)
{
	struct upload *up = uploads_replacing(&fs->uploads, ino_of(*n));
	if (!up)
		return 0;
	pthread_mutex_lock(&up->lock);
	int pending = up->dirty;
	pthread_mutex_unlock(&up->lock);
	char name[NAME_MAX_ID + 8];
	snprintf(name, sizeof(name), "%s.json", up->expect_id);
	int64_t tenant = up->tenant;
	if (pending) {
		*rc = setattr_upload(fs, up, attr, to_set);
		fs_upload_attr(up, a);
	}
	uploads_put(&fs->uploads, up);
	if (pending)
		return 1;
	struct db *db = store_acquire_read(fs->store);
	if (db && tree_lookup(db, tree_node(T_INSTDIR, (uint64_t)tenant), name, a) == 0)
		*n = a->node;
	store_release(db);
	return 0;
}

/* setattr of a store node.  Values it already has are accepted whatever
 * the node (cp -a, tar -x and rsync -a set them all, on install/ itself
 * too); a real change is checked by type, and refused with a log line. */
static int setattr_node(fuse_req_t req, struct tree_node n, const struct stat *attr, int to_set,
			struct tree_attr *a)
{
	struct osfs *fs = fs_of(req);
	int rc = 0;
	if (n.type == T_INSTFILE && setattr_staged(fs, &n, attr, to_set, a, &rc))
		return rc;
	struct db *db = store_acquire_read(fs->store);
	rc = db ? tree_getattr(db, n, a) : -ENOMEM;
	store_release(db);
	if (rc < 0)
		return rc;
	int changes = fs_attr_changes(a, attr, to_set);
	if (!changes)
		return 0;
	if (n.type == T_TENANT)
		return setattr_tenant(req, n, attr, changes, a);
	if (n.type == T_INSTFILE)
		return setattr_installed(req, n, attr, changes, a);
	int times_only = !(changes & ~(FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
				       FUSE_SET_ATTR_MTIME_NOW));
	if (n.type == T_RECORD && times_only)
		return fs_record_set_times(fs_of(req), n, attr, changes, fuse_req_ctx(req)->uid, a);
	/* rsync -a src/ install/ (or data/) sets the folders' times last: they
	 * are accepted and kept as the store has them (the time of the
	 * tenant's last package change, of the object's last record change),
	 * so the copy ends without error. */
	if ((n.type == T_INSTDIR || n.type == T_DATADIR || n.type == T_TABLE) && times_only)
		return 0;
	rc = (changes & FUSE_SET_ATTR_SIZE) ? -EACCES : -EPERM;
	fs_attr_refused(a, attr, changes, fuse_req_ctx(req)->uid, -rc,
			rc == -EACCES ? "it is read-only" : "its mode, owner and times come from the store");
	return rc;
}

void fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
	struct osfs *fs = fs_of(req);
	struct tree_node n = ino_node(ino);
	struct handle *h = fi && fi->fh ? handle_of(fs, fi) : NULL;
	struct tree_attr a;
	struct stat st;
	struct upload *up = NULL;
	int rc;
	if (h && h->up) {
		up = h->up;
		uploads_ref(&fs->uploads, up);
	} else if (!h && fs->no_open && (to_set & FUSE_SET_ATTR_SIZE) && !fs->readonly) {
		/* open(O_TRUNC) without OPEN, or a truncate: through the inode
		 * (an alias becomes a pending upload of its name again). */
		rc = fs_stage(req, ino, attr->st_size == 0, &up);
		if (rc < 0) {
			handles_put(&fs->open, h);
			fuse_reply_err(req, -rc);
			return;
		}
	} else if (n.type == T_UPLOAD) {
		up = uploads_get(&fs->uploads, n.id);
		if (up && up->alias_of) {
			n = tree_node(T_INSTFILE, up->alias_of); /* an alias: its install file's */
			uploads_put(&fs->uploads, up);
			up = NULL;
		}
	}
	handles_put(&fs->open, h);
	double ttl = 0;
	if (up) {
		rc = setattr_upload(fs, up, attr, to_set);
		fs_upload_attr(up, &a);
		ttl = fs_upload_ttl(fs, up);
		uploads_put(&fs->uploads, up);
	} else if (fs->readonly) {
		rc = -EROFS;
	} else if (n.type == T_UPLOAD) {
		rc = -ENOENT;
	} else {
		rc = setattr_node(req, n, attr, to_set, &a);
	}
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	fs_stat(&a, &st);
	st.st_ino = ino; /* a staged replacement answers for the installed file */
	fuse_reply_attr(req, &st, up ? ttl : fs->entry_timeout);
}
