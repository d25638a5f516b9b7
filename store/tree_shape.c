/* tree_shape: the engine-neutral shape of the tree (see tree_shape.h). */
#include "store/tree_shape.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

uint64_t tree_child_id(struct tree_node dir, uint64_t key)
{
	if (dir.type == T_PKGDIR)
		return (dir.id << TREE_SUB_BITS) | key;
	if (dir.type == T_KINDDIR)
		return (tree_sub_hi(dir.id) << TREE_SUB_BITS) | key;
	return key;
}

mode_t tree_type_mode(enum tree_type t)
{
	switch (t) {
	case T_TENANT: return S_IFDIR | 0750;
	case T_INSTDIR: case T_CATPKG: return S_IFDIR | 0755;
	case T_PKGSDIR: case T_OBJSDIR: case T_DATADIR: case T_PKGDIR:
	case T_KINDDIR: return S_IFDIR | 0555;
	/* Records are written there (docs/records.md). */
	case T_TABLE: return S_IFDIR | 0755;
	case T_INSTFILE: case T_RECORD: return S_IFREG | 0644;
	default: return S_IFREG | 0444;
	}
}

static const struct tree_fixed_entry root_entries[] = { { "catalog", T_FIXED }, { "tenants", T_FIXED } };
static const struct tree_fixed_entry tenant_entries[] = {
	{ "install", T_INSTDIR }, { "packages", T_PKGSDIR }, { "objects", T_OBJSDIR },
	{ "data", T_DATADIR }, { "log", T_LOG },
};
static const struct tree_fixed_entry pkg_entries[] = { { "objectstack.json", T_PKGART },
						       { "manifest.json", T_PKGMAN } };

const struct tree_fixed_entry *tree_fixed_children(struct tree_node dir, size_t *n)
{
	switch (dir.type) {
	case T_FIXED:
		*n = dir.id == TREE_ROOT ? 2 : 0;
		return root_entries;
	case T_TENANT:
		*n = 5;
		return tenant_entries;
	case T_PKGDIR:
		*n = 2;
		return pkg_entries;
	default:
		*n = 0;
		return NULL;
	}
}

struct tree_node tree_fixed_child(struct tree_node dir, const struct tree_fixed_entry *e)
{
	if (dir.type == T_FIXED)
		return tree_node(T_FIXED, e == &root_entries[0] ? TREE_CATALOG : TREE_TENANTS);
	return tree_node(e->type, dir.id);
}

char *tree_json_stem(const char *name)
{
	size_t n = strlen(name);
	if (n <= 5 || strcmp(name + n - 5, ".json"))
		return NULL;
	return strndup(name, n - 5);
}
