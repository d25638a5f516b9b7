/* alias: the name an artifact was written under, kept as a second name of
 * its install/<id>.json.
 *
 * `rsync -a dist/objectstack.json install/` installs the package as
 * install/<id>.json; the second run looks for install/objectstack.json to
 * compare size and mtime, and without it would send the file again.  So
 * the name a rename installed under (rsync's way; a file closed under its
 * name leaves no alias: cp's next run writes anyway) stays, as a hidden upload (no readdir lists it: ls shows
 * <id>.json alone) whose attributes and bytes are those of the install it
 * made, for as long as that install is the package's current one (an
 * upgrade, a removal or even a re-install under another name ends it).
 * Like a hard link: rm of it removes that name only.  Opened for writing,
 * it becomes a pending upload of that name again, which may hold any
 * package.  Aliases live in the daemon's memory (lost at unmount).
 */
#include "fs/alias.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "catalog/names.h"
#include "fs/ino.h"

void fs_alias_add(struct osfs *fs, struct upload *up, const char *name, const char *label)
{
	char pkg[NAME_MAX_ID + 8];
	const char *at = strchr(label, '@');
	size_t n = at ? (size_t)(at - label) : 0;
	if (!up->tenant || !n || n > NAME_MAX_ID)
		return; /* the catalog keeps no names */
	snprintf(pkg, sizeof(pkg), "%.*s.json", (int)n, label);
	if (!strcmp(pkg, name))
		return; /* written as <id>.json: nothing to keep */
	struct tree_attr a;
	struct db *db = store_acquire_read(fs->store);
	int rc = db ? tree_lookup(db, tree_node(T_INSTDIR, (uint64_t)up->tenant), pkg, &a) : -ENOMEM;
	store_release(db);
	if (rc < 0 || a.node.type != T_INSTFILE)
		return; /* a system package, or gone again: no alias */
	struct upload *al = uploads_new(&fs->uploads, up->tenant, up->tenant_name, NULL, a.mode, a.uid, a.gid);
	if (!al)
		return; /* only rsync's second run would notice */
	al->alias_of = a.node.id;
	al->mtime = a.mtime;
	al->dirty = 0;
	uploads_rename(&fs->uploads, al, name); /* replaces the upload of that name, as rename(2) */
	uploads_put(&fs->uploads, al);
}

int fs_alias_attr(struct osfs *fs, struct db *db, struct upload *up, struct tree_attr *a)
{
	struct db *own = db ? NULL : store_acquire_read(fs->store);
	int rc = db || own ? tree_getattr(db ? db : own, tree_node(T_INSTFILE, up->alias_of), a) : -ENOMEM;
	store_release(own);
	if (rc == -ENOENT) {
		uploads_rename(&fs->uploads, up, NULL); /* its install is gone: so is the name */
		return rc;
	}
	if (rc == 0) {
		a->node = tree_node(T_UPLOAD, up->id);
		a->nlink = 1;
	}
	return rc;
}

int fs_alias_open(struct osfs *fs, struct tree_node *n, int flags)
{
	if (n->type != T_UPLOAD)
		return 0;
	struct upload *up = uploads_get(&fs->uploads, n->id);
	if (!up)
		return 0; /* open_upload says ENOENT */
	int rc = 0;
	if (!up->alias_of) {
		uploads_put(&fs->uploads, up);
		return 0;
	}
	struct tree_node inst = tree_node(T_INSTFILE, up->alias_of);
	if ((flags & O_ACCMODE) == O_RDONLY) {
		*n = inst; /* read the install's bytes */
	} else {
		/* Written to: a pending upload of that name again, holding the
		 * install's bytes unless truncated, installed at close. */
		struct db *db = (flags & O_TRUNC) ? NULL : store_acquire_read(fs->store);
		pthread_mutex_lock(&up->lock);
		if (!(flags & O_TRUNC)) {
			rc = db ? tree_read(db, inst, &up->data) : -ENOMEM;
			if (rc == 0)
				rc = uploads_charge(&fs->uploads, up, 0, up->data.len, NULL);
			if (rc < 0)
				buf_free(&up->data);
		}
		if (rc == 0) {
			up->alias_of = 0;
			up->dirty = 1;
		}
		pthread_mutex_unlock(&up->lock);
		store_release(db);
	}
	uploads_put(&fs->uploads, up);
	return rc;
}
