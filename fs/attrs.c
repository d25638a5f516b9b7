/* attrs: which attributes a setattr really changes, and the sentence for
 * one that cannot be changed.
 *
 * cp -a, tar -x and rsync -a set the mode, owner and times of everything
 * they write, including what the tree already has (install/ itself, a
 * file that was installed at close()).  Setting a value a node already has
 * changes nothing and is never an error; only a real change is checked.
 */
#include "fs/attrs.h"

#include <stdio.h>

#include "fs/ino.h"

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

int fs_attr_changes(const struct tree_attr *cur, const struct stat *attr, int to_set)
{
	int left = to_set & ~FUSE_SET_ATTR_CTIME; /* the kernel's bookkeeping */
	if ((left & FUSE_SET_ATTR_MODE) && (attr->st_mode & 07777) == (cur->mode & 07777))
		left &= ~FUSE_SET_ATTR_MODE;
	if ((left & FUSE_SET_ATTR_UID) && attr->st_uid == cur->uid)
		left &= ~FUSE_SET_ATTR_UID;
	if ((left & FUSE_SET_ATTR_GID) && attr->st_gid == cur->gid)
		left &= ~FUSE_SET_ATTR_GID;
	/* atime is shown equal to mtime (tree.h). */
	if ((left & FUSE_SET_ATTR_MTIME) && ts_ns(&attr->st_mtim) == cur->mtime)
		left &= ~FUSE_SET_ATTR_MTIME;
	if ((left & FUSE_SET_ATTR_ATIME) && ts_ns(&attr->st_atim) == cur->mtime)
		left &= ~FUSE_SET_ATTR_ATIME;
	if ((left & FUSE_SET_ATTR_SIZE) && (uint64_t)attr->st_size == cur->size)
		left &= ~FUSE_SET_ATTR_SIZE;
	return left;
}

/* Where a node is, in words, for the log. */
static const char *place(struct tree_node n)
{
	switch (n.type) {
	case T_FIXED: return n.id == TREE_CATALOG ? "catalog/" : n.id == TREE_TENANTS ? "tenants/" : "the root";
	case T_TENANT: return "a tenant";
	case T_INSTDIR: return "install/";
	case T_INSTFILE: return "a file of install/";
	case T_PKGSDIR: return "packages/";
	case T_PKGDIR: case T_PKGART: case T_PKGMAN: case T_KINDDIR: case T_ITEM: return "a file of packages/";
	case T_OBJSDIR: return "objects/";
	case T_OBJECT: return "a file of objects/";
	case T_DATADIR: case T_TABLE: return "a folder of data/";
	case T_RECORD: return "a record of data/";
	case T_LOG: return "a tenant's log";
	case T_CATPKG: case T_CATFILE: return "a file of catalog/";
	default: return "a file";
	}
}

void fs_attr_refused(const struct tree_attr *cur, const struct stat *attr, int changes, uid_t by, int err,
		     const char *why)
{
	char what[160];
	int n = 0;
	what[0] = '\0';
	if (changes & FUSE_SET_ATTR_MODE)
		n += snprintf(what + n, sizeof(what) - (size_t)n, "%smode %04o to %04o", n ? ", " : "",
			      (unsigned)(cur->mode & 07777), (unsigned)(attr->st_mode & 07777));
	if ((changes & FUSE_SET_ATTR_UID) && n < (int)sizeof(what))
		n += snprintf(what + n, sizeof(what) - (size_t)n, "%sowner %u to %u", n ? ", " : "",
			      (unsigned)cur->uid, (unsigned)attr->st_uid);
	if ((changes & FUSE_SET_ATTR_GID) && n < (int)sizeof(what))
		n += snprintf(what + n, sizeof(what) - (size_t)n, "%sgroup %u to %u", n ? ", " : "",
			      (unsigned)cur->gid, (unsigned)attr->st_gid);
	if ((changes & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
			FUSE_SET_ATTR_MTIME_NOW)) && n < (int)sizeof(what))
		n += snprintf(what + n, sizeof(what) - (size_t)n, "%stimes", n ? ", " : "");
	if ((changes & FUSE_SET_ATTR_SIZE) && n < (int)sizeof(what))
		snprintf(what + n, sizeof(what) - (size_t)n, "%ssize", n ? ", " : "");
	fs_say("uid %u cannot change the %s of %s (inode %llu): %s [%s]", (unsigned)by, what[0] ? what : "attributes",
	       place(cur->node), (unsigned long long)ino_of(cur->node), why, err == EACCES ? "EACCES" : "EPERM");
}
