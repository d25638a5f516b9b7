/* fs: the daemon's state shared by the FUSE operations. */
#ifndef OSFS_FS_H
#define OSFS_FS_H

#define FUSE_USE_VERSION 312

#include <errno.h>
#include <fuse_lowlevel.h>
#include <stddef.h>
#include <sys/types.h>

#include "catalog/catalog.h"
#include "catalog/install.h"
#include "fs/downloads.h"
#include "fs/content.h"
#include "fs/handles.h"
#include "fs/inval.h"
#include "fs/keep.h"
#include "fs/refresh.h"
#include "fs/uploads.h"
#include "store/db.h"
#include "store/tree.h"

struct osfs {
	struct store *store;
	struct handles open;   /* open files, by the id the kernel holds */
	struct contents contents; /* their bytes, one copy per inode */
	struct fuse_session *se;
	struct uploads uploads;
	struct inval inval;
	size_t max_artifact;
	unsigned max_tenants_per_uid; /* root is not counted */
	struct refresh refresh; /* -o catalog=URL: its url, or NULL */
	struct catalog_limits catlim; /* -o catalog_max_index, catalog_max_packages, catalog_stall */
	struct downloads downloads;   /* catalog artifacts being fetched */
	int readonly;
	int no_opendir;        /* the kernel opens directories itself */
	int no_open;           /* ... and files: OPEN is answered ENOSYS (fs/keep.h) */
	struct keep keep;      /* contents of removed files it still holds */
	pthread_mutex_t stage_lock; /* staging without a handle (fs/stage.c) */
	int nstaged;           /* uploads staged so, under stage_lock */
	double entry_timeout;  /* seconds the kernel may keep names and attributes */
	unsigned sync_poll_ms; /* -o sync_poll: other daemons' changes at the latest after (fs/sync.c) */
	int foreground;
};

/* The daemon's state, from a request. */
static inline struct osfs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* struct stat from tree attributes. */
void fs_stat(const struct tree_attr *a, struct stat *st);
/* Reply to a lookup/create with a store node. */
void fs_entry(const struct tree_attr *a, double timeout, struct fuse_entry_param *e);


/* Operations (fs/ops_read.c, fs/ops_write.c, fs/ops_tree.c). */
void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void fs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void fs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void fs_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void fs_statfs(fuse_req_t req, fuse_ino_t ino);
void fs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
void fs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void fs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi);
void fs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off, struct fuse_file_info *fi);
void fs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi);
void fs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent, const char *newname,
	       unsigned int flags);
void fs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void fs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size, int flags);
void fs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

/* The folder a pending upload is written in: a tenant's install/ (its
 * tenant id, from 1), catalog/ (0) or a data/<object>/ (minus its table
 * id, fs/records.h).  -EACCES for any other folder. */
static inline int fs_upload_scope(struct tree_node dir, int64_t *scope)
{
	if (dir.type == T_INSTDIR) {
		*scope = (int64_t)dir.id;
		return 0;
	}
	if (dir.type == T_TABLE) {
		*scope = -(int64_t)dir.id;
		return 0;
	}
	if (dir.type == T_FIXED && dir.id == TREE_CATALOG) {
		*scope = 0;
		return 0;
	}
	return -EACCES;
}

/* A staged replacement of install file n (fs/ops_write.c): holding its
 * bytes, or empty if trunc; its writes are charged to opener. */
int fs_open_staged(struct osfs *fs, struct tree_node n, int trunc, uid_t opener, struct upload **out);

/* Without OPEN (fs/stage.c): the upload that writes and truncates through
 * inode ino go to, with a reference: a pending upload, or the staged
 * replacement of the install file or record ino, made (from the file's
 * bytes, or empty if trunc) at the first.  -EACCES (said in the log) for
 * a file that cannot be written. */
int fs_stage(fuse_req_t req, fuse_ino_t ino, int trunc, struct upload **out);
/* The staged replacement of ino with a reference, or NULL; without
 * taking any lock when nothing is staged. */
struct upload *fs_staged(struct osfs *fs, fuse_ino_t ino);
/* 1 if nothing is staged by inode (ctx: the struct osfs): a FLUSH without
 * a handle of anything but a pending upload then has nothing to do. */
int fs_nothing_staged(void *ctx);
/* 1 if a SETATTR without a size, a FLUSH or a WRITE up to byte end (the
 * FUSE opcode) of inode ino, through handle fh if not 0, changes only a
 * pending file under a temporary name in memory (fs/quick.c; ctx: the
 * struct osfs). */
int fs_pending_quick(void *ctx, uint32_t opcode, uint64_t ino, uint64_t fh, uint64_t end);
/* Did the process of thread pid write or truncate up (staged through its
 * inode)?  Only a writer's close() installs it: a FLUSH without OPEN does
 * not say which descriptor is closed, a reader's or the writer's. */
int fs_stage_writer(struct upload *up, pid_t pid);
/* Drops the inode's reference to what is staged through it. */
void fs_unstage(struct osfs *fs, fuse_ino_t ino);

/* The folder an upload is listed in (the inverse of fs_upload_scope). */
static inline struct tree_node fs_upload_dir(const struct upload *up)
{
	if (up->tenant > 0)
		return tree_node(T_INSTDIR, (uint64_t)up->tenant);
	if (up->tenant < 0)
		return tree_node(T_TABLE, (uint64_t)-up->tenant);
	return tree_node(T_FIXED, TREE_CATALOG);
}

/* Attributes of a pending upload (fs/ops_read.c). */
void fs_upload_attr(struct upload *up, struct tree_attr *a);
/* Installs an upload's bytes as install/<target> (fs/ops_write.c). */
int fs_install_upload(struct osfs *fs, struct upload *up, const char *target, const char *name, uint64_t held);
/* The checks of an upload's install or record write, at the write() that
 * completes its document; 0, or the -errno of a check that refuses it
 * (fs/write_check.c). */
int fs_upload_check(struct osfs *fs, struct upload *up);
/* Lists again under its name an upload a close() refused while it was
 * empty, at its first write (the shell's `>`; fs/write_check.c). */
void fs_upload_relist(struct osfs *fs, struct upload *up);

/* All error messages of a report, one per line, for user.osfs.error
 * (fs/ops_write.c; NULL if out of memory). */
char *fs_report_text(const struct install_report *r);

/* osfsctl restore --mount: a pending upload of install/ named by
 * fs_restore_name() holds a restore bundle, applied by a setxattr of
 * user.osfs.restore on it (fs/restore.c).  0 or -errno for the reply. */
int fs_restore_name(const char *name);
int fs_restore(fuse_req_t req, fuse_ino_t ino, const char *value, size_t size);

/* "<stem>.json" -> "<stem>"; -ENOENT for any other name (fs/ops_tree.c). */
int fs_json_stem(const char *name, char *out, size_t len);

/* Messages for the daemon's stderr (foreground) or syslog. */
void fs_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fs_echo(const char *tenant, const char *line);

#endif
