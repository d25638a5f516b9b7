/* tree_owner: who owns the daemon's own folders (the catalog, the root),
 * set once at mount and read by every engine's getattr. */
#include "store/backend.h"

static uid_t owner_uid;
static gid_t owner_gid;

void tree_set_owner(uid_t uid, gid_t gid)
{
	owner_uid = uid;
	owner_gid = gid;
}

uid_t tree_owner_uid(void)
{
	return owner_uid;
}

gid_t tree_owner_gid(void)
{
	return owner_gid;
}
