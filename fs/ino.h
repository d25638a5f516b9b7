/* ino: inode numbers from store nodes and back.
 *
 * ino = type << 56 | id, so an inode number is a function of the store's
 * row ids alone and is the same after every remount.  The root, (T_FIXED,
 * 1), is inode 1 as FUSE requires.
 */
#ifndef OSFS_INO_H
#define OSFS_INO_H

#include <stdint.h>

#include "store/tree.h"

#define INO_TYPE_SHIFT 56
#define INO_ID_MASK ((UINT64_C(1) << INO_TYPE_SHIFT) - 1)

static inline uint64_t ino_of(struct tree_node n)
{
	return ((uint64_t)n.type << INO_TYPE_SHIFT) | (n.id & INO_ID_MASK);
}

static inline struct tree_node ino_node(uint64_t ino)
{
	return tree_node((enum tree_type)(ino >> INO_TYPE_SHIFT), ino & INO_ID_MASK);
}

/* 0 if n can be expressed as an inode number. */
static inline int ino_valid(struct tree_node n)
{
	if (n.id > INO_ID_MASK)
		return -1;
	if ((n.type == T_KINDDIR || n.type == T_ITEM) && (n.id >> TREE_SUB_BITS) > UINT32_MAX)
		return -1;
	return 0;
}

#endif
