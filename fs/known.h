/* known: the store files the kernel holds an inode of.
 *
 * Without OPEN (fs/keep.h) the daemon never learns which files are open,
 * only which inodes the kernel knows: each LOOKUP reply, each entry of a
 * READDIRPLUS reply and each CREATE counts one reference, and FORGET gives
 * them back.  An open file is one of these inodes, held until its last
 * close, so "the kernel still knows this inode" is what tells whether a
 * file removed from the store may still be read.  Only file nodes whose
 * content comes from the store are counted (known_counted()); a count
 * costs 16 bytes while the kernel holds the inode.
 */
#ifndef OSFS_KNOWN_H
#define OSFS_KNOWN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct known_slot {
	uint64_t ino;          /* 0: empty */
	uint64_t n;
};

struct known {
	pthread_mutex_t lock;
	struct known_slot *slot; /* linear probing; deletion shifts back */
	size_t cap, used;
};

void known_init(struct known *k);
void known_destroy(struct known *k);

/* Is ino a node whose references are counted here? */
int known_counted(uint64_t ino);
/* The kernel took n references to ino.  A table that cannot grow keeps
 * what it has: then ino is not counted (its content is not kept at
 * removal), never wrongly dropped. */
void known_add(struct known *k, uint64_t ino, uint64_t n);
/* The kernel gave n back: 1 if that was its last one, else 0. */
int known_forget(struct known *k, uint64_t ino, uint64_t n);
int known_has(struct known *k, uint64_t ino);

#endif
