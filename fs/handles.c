/* handles: reference-counted open files, found by id. */
#include "fs/handles.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ino.h"

static struct handle tomb;
#define TOMB (&tomb)

void handles_init(struct handles *hs, struct uploads *uploads, struct contents *contents)
{
	memset(hs, 0, sizeof(*hs));
	pthread_mutex_init(&hs->lock, NULL);
	hs->next_id = 1;
	hs->uploads = uploads;
	hs->contents = contents;
}

static void handle_free(struct handles *hs, struct handle *h)
{
	contents_put(hs->contents, h->content);
	uploads_put(hs->uploads, h->up);
	free(h);
}

void handles_destroy(struct handles *hs)
{
	for (size_t i = 0; i < hs->cap; i++)
		if (hs->slot[i] && hs->slot[i] != TOMB)
			handle_free(hs, hs->slot[i]);
	free(hs->slot);
	pthread_mutex_destroy(&hs->lock);
}

static size_t probe(const struct handles *hs, uint64_t id)
{
	return (size_t)(id * 0x9E3779B97F4A7C15ULL >> 17) & (hs->cap - 1);
}

/* Rehashes into a table sized for the live handles (dropping the marks
 * of closed ones), so that open/close churn never grows it.  Called with
 * the lock held. */
static int grow(struct handles *hs)
{
	size_t live = 0, cap = 64;
	for (size_t i = 0; i < hs->cap; i++)
		live += hs->slot[i] && hs->slot[i] != TOMB;
	while (cap < (live + 1) * 4)
		cap *= 2;
	struct handle **slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	struct handles n = *hs;
	n.slot = slot;
	n.cap = cap;
	n.used = 0;
	for (size_t i = 0; i < hs->cap; i++) {
		struct handle *h = hs->slot[i];
		if (!h || h == TOMB)
			continue;
		size_t j = probe(&n, h->id);
		while (n.slot[j])
			j = (j + 1) & (cap - 1);
		n.slot[j] = h;
		n.used++;
	}
	free(hs->slot);
	hs->slot = n.slot;
	hs->cap = cap;
	hs->used = n.used;
	return 0;
}

struct handle *handles_new(struct handles *hs)
{
	struct handle *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	pthread_mutex_lock(&hs->lock);
	if ((hs->used + 1) * 2 > hs->cap && grow(hs) < 0) {
		pthread_mutex_unlock(&hs->lock);
		free(h);
		return NULL;
	}
	h->id = hs->next_id++;
	h->refs = 2;
	size_t i = probe(hs, h->id);
	while (hs->slot[i] && hs->slot[i] != TOMB)
		i = (i + 1) & (hs->cap - 1);
	if (!hs->slot[i])
		hs->used++;
	hs->slot[i] = h;
	pthread_mutex_unlock(&hs->lock);
	return h;
}

/* Called with the lock held: the slot of id, or (size_t)-1. */
static size_t find(const struct handles *hs, uint64_t id)
{
	if (!hs->cap)
		return (size_t)-1;
	for (size_t i = probe(hs, id), n = 0; hs->slot[i] && n < hs->cap; i = (i + 1) & (hs->cap - 1), n++)
		if (hs->slot[i] != TOMB && hs->slot[i]->id == id)
			return i;
	return (size_t)-1;
}

struct handle *handles_get(struct handles *hs, uint64_t id)
{
	pthread_mutex_lock(&hs->lock);
	size_t i = find(hs, id);
	struct handle *h = i == (size_t)-1 ? NULL : hs->slot[i];
	if (h)
		h->refs++;
	pthread_mutex_unlock(&hs->lock);
	return h;
}

void handles_put(struct handles *hs, struct handle *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&hs->lock);
	int last = --h->refs == 0;
	pthread_mutex_unlock(&hs->lock);
	if (last)
		handle_free(hs, h);
}

void handles_close(struct handles *hs, uint64_t id)
{
	pthread_mutex_lock(&hs->lock);
	size_t i = find(hs, id);
	struct handle *h = i == (size_t)-1 ? NULL : hs->slot[i];
	if (h)
		hs->slot[i] = TOMB;
	pthread_mutex_unlock(&hs->lock);
	handles_put(hs, h);
}

int handles_attr(struct handles *hs, uint64_t ino, struct tree_attr *a)
{
	int rc = -ENOENT;
	pthread_mutex_lock(&hs->lock);
	for (size_t i = 0; i < hs->cap && rc; i++) {
		struct handle *h = hs->slot[i];
		if (h && h != TOMB && !h->up && h->attr.mode && ino_of(h->attr.node) == ino) {
			*a = h->attr;
			a->nlink = 0;
			rc = 0;
		}
	}
	pthread_mutex_unlock(&hs->lock);
	return rc;
}

void handles_close_upload(struct handles *hs, uint64_t id)
{
	for (;;) {
		struct handle *h = NULL;
		pthread_mutex_lock(&hs->lock);
		for (size_t i = 0; i < hs->cap && !h; i++) {
			struct handle *c = hs->slot[i];
			if (c && c != TOMB && c->up && c->up->id == id) {
				hs->slot[i] = TOMB;
				h = c;
			}
		}
		pthread_mutex_unlock(&hs->lock);
		if (!h)
			return;
		handles_put(hs, h); /* the table's reference */
	}
}
