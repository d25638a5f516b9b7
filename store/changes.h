/* changes: what a write changed in the tree, so the FUSE layer can drop
 * exactly those entries from the kernel's caches.
 *
 * An entry names a directory node and, optionally, a child name in it:
 * with a name, the dentry of that name is dropped (it was removed or now
 * points at another inode); without one, the directory's attributes and
 * cached listing are dropped.
 */
#ifndef OSFS_CHANGES_H
#define OSFS_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include "store/tree.h"

struct change {
	struct tree_node dir;
	char *name;    /* NULL: the node itself (attributes, listing, data) */
	uint64_t off;  /* for a node: first byte whose cached data is stale */
};

struct changes {
	struct change *v;
	size_t n, cap;
	int oom;       /* something could not be recorded: drop everything */
};

#define CHANGES_INIT { NULL, 0, 0, 0 }

void changes_entry(struct changes *c, struct tree_node dir, const char *name);
void changes_node(struct changes *c, struct tree_node n, uint64_t off);
/* Every directory of tenant t, and its log. */
void changes_tenant(struct changes *c, int64_t tenant);
void changes_free(struct changes *c);

#endif
