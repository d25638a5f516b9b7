/* changes: a list of tree entries to invalidate. */
#include "store/changes.h"

#include <stdlib.h>
#include <string.h>

static void push(struct changes *c, struct tree_node dir, const char *name, uint64_t off)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct change *v = realloc(c->v, cap * sizeof(*v));
		if (!v) {
			c->oom = 1;
			return;
		}
		c->v = v;
		c->cap = cap;
	}
	char *copy = NULL;
	if (name && !(copy = strdup(name))) {
		c->oom = 1;
		return;
	}
	c->v[c->n++] = (struct change){ dir, copy, off };
}

void changes_entry(struct changes *c, struct tree_node dir, const char *name)
{
	push(c, dir, name, 0);
}

void changes_node(struct changes *c, struct tree_node n, uint64_t off)
{
	push(c, n, NULL, off);
}

void changes_tenant(struct changes *c, int64_t tenant)
{
	static const enum tree_type dirs[] = { T_TENANT, T_INSTDIR, T_PKGSDIR, T_OBJSDIR, T_DATADIR };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		changes_node(c, tree_node(dirs[i], (uint64_t)tenant), 0);
}

void changes_free(struct changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	memset(c, 0, sizeof(*c));
}
