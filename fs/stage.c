/* stage: writes that come without a handle.
 *
 * With OPEN answered ENOSYS (fs/keep.h), open(O_WRONLY|O_TRUNC) of an
 * installed install/<id>.json or data/<object>/<key>.json reaches the
 * daemon as SETATTR size=0 (FUSE_CAP_ATOMIC_O_TRUNC is not asked for: it
 * would make the kernel skip that SETATTR), then WRITEs and FLUSH by
 * inode.  The replacement is staged per inode, as an open used to stage it
 * per handle: the first write or truncate makes it, the FLUSH after writes
 * installs it (fs_flush), and the inode holds it until the kernel's FORGET
 * (vim fchmod()s through the old inode after its fsync installed the new
 * bytes), or until an install of it fails: the next write starts over
 * from the bytes installed then.  A pending upload (install/<name> not
 * installed yet) is written through its own inode, as before.
 */
#include "fs/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include "fs/alias.h"
#include "fs/ino.h"
#include "fs/records.h"
#include "fs/refuse.h"

struct upload *fs_staged(struct osfs *fs, fuse_ino_t ino)
{
	/* A FLUSH is sent by every close(): with nothing staged, answering
	 * it takes no lock. */
	if (!__atomic_load_n(&fs->nstaged, __ATOMIC_ACQUIRE))
		return NULL;
	return uploads_replacing(&fs->uploads, ino);
}

int fs_nothing_staged(void *ctx)
{
	struct osfs *fs = ctx;
	return !__atomic_load_n(&fs->nstaged, __ATOMIC_ACQUIRE);
}

/* The process (thread group) of thread pid; pid itself if unknown. */
static pid_t tgid_of(pid_t pid)
{
	char path[64], line[128];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	pid_t tgid = pid;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	if (f)
		fclose(f);
	return tgid;
}

/* Notes the process of thread pid among up's writers.  Called with up->lock held. */
static void note_writer(struct upload *up, pid_t pid)
{
	if (pid == up->last_pid || up->nwriters < 0)
		return;
	up->last_pid = pid;
	pid_t tgid = tgid_of(pid);
	for (int i = 0; i < up->nwriters; i++)
		if (up->writers[i] == tgid)
			return;
	if (up->nwriters == (int)(sizeof(up->writers) / sizeof(*up->writers)))
		up->nwriters = -1; /* many writers: any close() installs */
	else
		up->writers[up->nwriters++] = tgid;
}

int fs_stage_writer(struct upload *up, pid_t pid)
{
	pthread_mutex_lock(&up->lock);
	int n = up->nwriters, yes = n < 0;
	pid_t w[4];
	for (int i = 0; i < n; i++)
		w[i] = up->writers[i];
	pthread_mutex_unlock(&up->lock);
	if (yes || n == 0)
		return 1; /* nobody noted (an old kernel's handle): as before */
	pid_t tgid = tgid_of(pid);
	for (int i = 0; i < n && !yes; i++)
		yes = w[i] == tgid;
	return yes;
}

int fs_stage(fuse_req_t req, fuse_ino_t ino, int trunc, struct upload **out)
{
	struct osfs *fs = fs_of(req);
	struct tree_node n = ino_node(ino);
	struct upload *up = NULL;
	int rc = 0;
	if (n.type == T_UPLOAD) {
		/* An alias written to becomes a pending upload of its name again. */
		if ((rc = fs_alias_open(fs, &n, O_WRONLY | (trunc ? O_TRUNC : 0))) < 0)
			return rc;
		up = uploads_get(&fs->uploads, n.id);
		*out = up;
		return up ? 0 : -ENOENT;
	}
	if (fs->readonly)
		return -EROFS;
	if (n.type != T_INSTFILE && n.type != T_RECORD) {
		fs_refuse(fs, n, NULL, "write", EACCES, NULL);
		return -EACCES;
	}
	pthread_mutex_lock(&fs->stage_lock);
	up = uploads_replacing(&fs->uploads, ino);
	if (!up) {
		uid_t uid = fuse_req_ctx(req)->uid;
		rc = n.type == T_RECORD ? fs_record_open(fs, n, trunc, uid, &up) : fs_open_staged(fs, n, trunc, uid, &up);
		if (rc == 0) {
			up->replaces = ino;
			up->by_inode = 1; /* the reference fs_record_open/fs_open_staged gave */
			__atomic_add_fetch(&fs->nstaged, 1, __ATOMIC_RELEASE);
			uploads_ref(&fs->uploads, up);
		}
	}
	pthread_mutex_unlock(&fs->stage_lock);
	if (rc == 0 && up->by_inode) {
		pthread_mutex_lock(&up->lock);
		note_writer(up, fuse_req_ctx(req)->pid);
		pthread_mutex_unlock(&up->lock);
	}
	*out = up;
	return rc;
}

void fs_unstage(struct osfs *fs, fuse_ino_t ino)
{
	if (!__atomic_load_n(&fs->nstaged, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&fs->stage_lock);
	struct upload *up = uploads_replacing(&fs->uploads, ino);
	int mine = up && up->by_inode;
	if (mine) {
		up->by_inode = 0;
		up->replaces = 0; /* found no more: a new write stages anew */
		__atomic_sub_fetch(&fs->nstaged, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&fs->stage_lock);
	if (mine)
		uploads_put(&fs->uploads, up);
	uploads_put(&fs->uploads, up);
}
