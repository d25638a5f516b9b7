/* strset: a set of borrowed C strings (open addressing, xxh3 hashes), for
 * duplicate checks over inputs of any size in linear time. */
#ifndef OSFS_STRSET_H
#define OSFS_STRSET_H

#include <stddef.h>

struct strset {
	const char **slot;
	size_t *val;
	size_t cap, n;
};

#define STRSET_INIT { NULL, NULL, 0, 0 }

/* Adds s with value v.  Returns 1 if added, 0 if s was already there (then
 * *old, if not NULL, gets its value), -ENOMEM on failure.  s must outlive
 * the set. */
int strset_add(struct strset *set, const char *s, size_t v, size_t *old);
/* 1 and *v if s is present, else 0. */
int strset_get(const struct strset *set, const char *s, size_t *v);
void strset_free(struct strset *set);

#endif
