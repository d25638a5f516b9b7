/* tree_shape: what the tree of store/tree.h looks like whatever engine
 * holds it: the fixed names, the modes of each node type, how a child's
 * id is made from its row key.  For the engines' tree code
 * (store/sqlite/tree.c, store/pg/tree.c), not for the layers above
 * store/. */
#ifndef OSFS_STORE_TREE_SHAPE_H
#define OSFS_STORE_TREE_SHAPE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/tree.h"

static inline uint64_t tree_sub_hi(uint64_t id) { return id >> TREE_SUB_BITS; }
static inline uint64_t tree_sub_lo(uint64_t id) { return id & TREE_SUB_MAX; }

/* The id of a child of dir whose row key is key: children of a package
 * directory and of a kind directory carry the install id in front. */
uint64_t tree_child_id(struct tree_node dir, uint64_t key);

/* Permission bits and file type of each node type (tenants and install
 * files carry their own bits). */
mode_t tree_type_mode(enum tree_type t);

/* Children with fixed names: those of the root, a tenant, a package. */
struct tree_fixed_entry {
	const char *name;
	enum tree_type type;
};
const struct tree_fixed_entry *tree_fixed_children(struct tree_node dir, size_t *n);
struct tree_node tree_fixed_child(struct tree_node dir, const struct tree_fixed_entry *e);

/* "<stem>.json" -> stem (malloc'd), or NULL. */
char *tree_json_stem(const char *name);

/* Offsets of a listing below this are ".", ".." and the fixed names; a
 * row with key k has the offset k + TREE_OFF_FIXED. */
#define TREE_OFF_FIXED 16

#endif
