/* write_check: the checks of an install or a record write, run at the
 * write() that completes the document (SPEC 4 and 13, docs/tree.md).
 *
 * Shells throw away the error of close(): `printf '{…}' > install/x.json`
 * exits 0 whatever it returns.  So when an upload's writes, sequential from
 * offset 0, close its top-level JSON value (lib/json_end.h, fed by
 * fs_write), the checks the install would make run once, against the store
 * as it is, writing nothing, and a refusal fails that write() with its
 * errno.  close() (or rename()) still installs, checking again, and logs
 * any refusal: the check here never logs, so a refusal is logged once.
 *
 * Only uploads that install at close() are checked: a final name
 * (uploads_final_name) or a staged replacement of an installed file.  A
 * temporary name (rsync's .x.XXXXXX, sed's) is checked by its rename.
 * The catalog's uploads are not checked here.
 */
#include "fs/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/install.h"
#include "fs/records.h"

int fs_upload_check(struct osfs *fs, struct upload *up)
{
	char name[300], target[300];
	int listed = uploads_name(&fs->uploads, up, name, sizeof(name));
	if (up->tenant == 0 || (listed && !uploads_final_name(name)) || (!listed && !up->expect_id))
		return 0;
	if (listed)
		snprintf(target, sizeof(target), "%s", name);
	else
		snprintf(target, sizeof(target), "%s.json", up->expect_id);
	int rc = 0;
	pthread_mutex_lock(&up->lock);
	if (up->overflow || up->refused) {
		/* already refused by a write: close() reports it */
	} else if (up->tenant < 0) {
		rc = fs_record_check(fs, up, target);
	} else {
		struct install_report r = INSTALL_REPORT_INIT;
		char source[320];
		snprintf(source, sizeof(source), "install/%s", target);
		struct install_opts o = { up->tenant_name, source, up->expect_id, fs->max_artifact, up->mode, up->mtime };
		rc = install_artifact_check(fs->store, up->data.p ? up->data.p : "", up->data.len, &o, &r);
		rc = rc < 0 && r.diag.nerr ? rc : 0; /* the store's own failure is close()'s to report */
		install_report_free(&r);
	}
	pthread_mutex_unlock(&up->lock);
	return rc;
}

/* `echo … > install/x.json`: bash opens x.json, dup2()s it to stdout and
 * closes the first descriptor before writing.  That close() installs the
 * file empty, which is refused (logged; cp /dev/null must fail there),
 * and the upload leaves the listing; the write that follows, through the
 * same open file, lists it again under its name, unless that name was
 * taken since, so that the last close() installs the bytes. */
void fs_upload_relist(struct osfs *fs, struct upload *up)
{
	pthread_mutex_lock(&up->lock);
	char *name = up->relist;
	up->relist = NULL;
	pthread_mutex_unlock(&up->lock);
	if (!name)
		return;
	struct tree_node dir = up->tenant ? tree_node(T_INSTDIR, (uint64_t)up->tenant) : tree_node(T_FIXED, TREE_CATALOG);
	struct tree_attr a;
	struct db *db = store_acquire_read(fs->store);
	int taken = !db || tree_lookup(db, dir, name, &a) == 0;
	store_release(db);
	if (!taken && uploads_list_if_free(&fs->uploads, up, name) == 0) {
		struct changes c = CHANGES_INIT;
		changes_entry(&c, dir, name);
		changes_node(&c, dir, 0);
		inval_changes(&fs->inval, &c, 0);
		changes_free(&c);
	}
	free(name);
}
