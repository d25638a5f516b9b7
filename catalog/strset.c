/* strset: open-addressing hash set of strings. */
#include "catalog/strset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static size_t hash(const char *s)
{
	return (size_t)XXH3_64bits(s, strlen(s));
}

static size_t find(const struct strset *set, const char *s)
{
	size_t mask = set->cap - 1, i = hash(s) & mask;
	while (set->slot[i] && strcmp(set->slot[i], s))
		i = (i + 1) & mask;
	return i;
}

static int grow(struct strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 16;
	struct strset n = { calloc(cap, sizeof(char *)), calloc(cap, sizeof(size_t)), cap, 0 };
	if (!n.slot || !n.val) {
		free(n.slot);
		free(n.val);
		return -ENOMEM;
	}
	for (size_t i = 0; i < set->cap; i++) {
		if (!set->slot[i])
			continue;
		size_t j = find(&n, set->slot[i]);
		n.slot[j] = set->slot[i];
		n.val[j] = set->val[i];
		n.n++;
	}
	free(set->slot);
	free(set->val);
	*set = n;
	return 0;
}

int strset_add(struct strset *set, const char *s, size_t v, size_t *old)
{
	if ((set->n + 1) * 2 > set->cap && grow(set) < 0)
		return -ENOMEM;
	size_t i = find(set, s);
	if (set->slot[i]) {
		if (old)
			*old = set->val[i];
		return 0;
	}
	set->slot[i] = s;
	set->val[i] = v;
	set->n++;
	return 1;
}

int strset_get(const struct strset *set, const char *s, size_t *v)
{
	if (!set->cap)
		return 0;
	size_t i = find(set, s);
	if (!set->slot[i])
		return 0;
	if (v)
		*v = set->val[i];
	return 1;
}

void strset_free(struct strset *set)
{
	free(set->slot);
	free(set->val);
	memset(set, 0, sizeof(*set));
}
