/* tenant_rm: rm -rf tenants/<t> goes depth-first: it unlinks every file,
 * then rmdirs every folder, and gives up on a folder (and so on the
 * tenant) as soon as one thing inside it cannot be removed.  install/ is
 * listed dependents first, so its unlinks are valid uninstalls in turn;
 * records of uninstalled objects are removable; what is left (the system
 * packages' files, objects/, log, the fixed folders) is derived from the
 * tenant and cannot be removed on its own.  Once the tenant has no package
 * of its own, removing those succeeds and changes nothing, so that rm
 * reaches the rmdir of the tenant, which removes it (one transaction). */
#include "fs/tenant_rm.h"

#include <errno.h>

#include "store/tenants.h"

static int derived_dir(struct tree_node dir, int is_dir)
{
	switch (dir.type) {
	case T_TENANT: return 1; /* log; install/, packages/, objects/, data/ */
	case T_PKGSDIR: return is_dir;
	case T_PKGDIR: case T_KINDDIR: case T_OBJSDIR: return 1;
	default: return 0;
	}
}

int fs_tenant_rm_noop(struct osfs *fs, struct tree_node dir, const char *name, int is_dir)
{
	if (!derived_dir(dir, is_dir))
		return -EACCES;
	struct tree_attr a;
	int64_t tenant;
	struct db *db = store_acquire_read(fs->store);
	int rc = db ? tree_tenant_of(db, dir, &tenant) : -ENOMEM;
	if (rc == 0)
		rc = tree_lookup(db, dir, name, &a);
	if (rc == 0 && !!is_dir != ((a.mode & S_IFMT) == S_IFDIR))
		rc = is_dir ? -ENOTDIR : -EISDIR;
	if (rc == 0)
		rc = tenants_has_packages(db, tenant) == 0 ? 0 : -EACCES;
	store_release(db);
	return rc;
}
