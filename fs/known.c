/* known: reference counts of the kernel's inodes, by inode number. */
#include "fs/known.h"

#include <stdlib.h>
#include <string.h>

#include "fs/ino.h"
#include "store/tree.h"

void known_init(struct known *k)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->lock, NULL);
}

void known_destroy(struct known *k)
{
	free(k->slot);
	pthread_mutex_destroy(&k->lock);
}

int known_counted(uint64_t ino)
{
	switch (ino_node(ino).type) {
	case T_INSTFILE: case T_PKGART: case T_PKGMAN: case T_ITEM: case T_OBJECT: case T_RECORD: case T_CATFILE:
		return 1;
	default:
		return 0;
	}
}

static size_t home(size_t cap, uint64_t ino)
{
	return (size_t)(ino * 0x9E3779B97F4A7C15ULL >> 21) & (cap - 1);
}

/* Called with the lock held. */
static size_t find(const struct known *k, uint64_t ino)
{
	if (!k->cap)
		return (size_t)-1;
	for (size_t i = home(k->cap, ino);; i = (i + 1) & (k->cap - 1)) {
		if (k->slot[i].ino == ino)
			return i;
		if (!k->slot[i].ino)
			return (size_t)-1;
	}
}

/* Called with the lock held; a failed growth keeps the table as it is. */
static int grow(struct known *k)
{
	size_t cap = k->cap ? k->cap * 2 : 1024;
	struct known_slot *s = calloc(cap, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < k->cap; i++) {
		if (!k->slot[i].ino)
			continue;
		size_t j = home(cap, k->slot[i].ino);
		while (s[j].ino)
			j = (j + 1) & (cap - 1);
		s[j] = k->slot[i];
	}
	free(k->slot);
	k->slot = s;
	k->cap = cap;
	return 0;
}

void known_add(struct known *k, uint64_t ino, uint64_t n)
{
	if (!known_counted(ino) || !n)
		return;
	pthread_mutex_lock(&k->lock);
	size_t i = find(k, ino);
	if (i != (size_t)-1) {
		k->slot[i].n += n;
	} else if ((k->used + 1) * 2 <= k->cap || grow(k) == 0) {
		for (i = home(k->cap, ino); k->slot[i].ino; i = (i + 1) & (k->cap - 1))
			;
		k->slot[i].ino = ino;
		k->slot[i].n = n;
		k->used++;
	}
	pthread_mutex_unlock(&k->lock);
}

/* Removes slot i, moving back the entries of its cluster that would no
 * longer be found (linear probing without tombstones).  Lock held. */
static void remove_at(struct known *k, size_t i)
{
	size_t mask = k->cap - 1;
	k->slot[i].ino = 0;
	k->used--;
	for (size_t j = (i + 1) & mask; k->slot[j].ino; j = (j + 1) & mask) {
		size_t h = home(k->cap, k->slot[j].ino);
		/* j's entry may stay unless the hole at i lies between its home and j. */
		if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
			k->slot[i] = k->slot[j];
			k->slot[j].ino = 0;
			i = j;
		}
	}
}

int known_forget(struct known *k, uint64_t ino, uint64_t n)
{
	if (!known_counted(ino))
		return 0;
	int last = 0;
	pthread_mutex_lock(&k->lock);
	size_t i = find(k, ino);
	if (i != (size_t)-1) {
		if (k->slot[i].n <= n) {
			remove_at(k, i);
			last = 1;
		} else {
			k->slot[i].n -= n;
		}
	}
	pthread_mutex_unlock(&k->lock);
	return last;
}

int known_has(struct known *k, uint64_t ino)
{
	pthread_mutex_lock(&k->lock);
	int has = find(k, ino) != (size_t)-1;
	pthread_mutex_unlock(&k->lock);
	return has;
}
