/* content: shared, reference-counted copies of store files, by inode. */
#include "fs/content.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { CONTENT_LOADING, CONTENT_READY, CONTENT_FAILED };

/* Once the copies held have shrunk by this much since the last trim, the
 * freed pages are handed back to the system (malloc_trim): glibc keeps
 * freed chunks in its arenas once it has raised its mmap threshold, and a
 * daemon whose RSS only grows is what SPEC 10 forbids.  Not at every
 * free: a trim costs more than an open of a large file. */
#define TRIM_AFTER ((size_t)16 << 20)

void contents_init(struct contents *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->loaded, NULL);
}

static void entry_free(struct content *e)
{
	if (e->maplen)
		munmap((void *)e->data, e->maplen);
	else
		free((void *)e->data);
	free(e);
}

/* A mapping holding len bytes of data, or NULL. */
static char *map_copy(const char *data, size_t len, size_t *maplen)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, data, len);
	*maplen = len;
	return p;
}

/* Called with the lock held, after bytes shrank: 1 if it is time to trim. */
static int trim_due(struct contents *c)
{
	if (c->high < c->bytes + TRIM_AFTER)
		return 0;
	c->high = c->bytes;
	return 1;
}

void contents_destroy(struct contents *c)
{
	for (size_t i = 0; i < c->nbucket; i++) {
		while (c->bucket[i]) {
			struct content *e = c->bucket[i];
			c->bucket[i] = e->next;
			entry_free(e);
		}
	}
	free(c->bucket);
	pthread_cond_destroy(&c->loaded);
	pthread_mutex_destroy(&c->lock);
}

static size_t slot_of(size_t nbucket, uint64_t ino)
{
	return (size_t)(ino * 0x9E3779B97F4A7C15ULL >> 20) & (nbucket - 1);
}

/* Keeps about one entry per bucket.  Called with the lock held; a table
 * that cannot grow stays as it is (longer chains, still correct). */
static void grow(struct contents *c)
{
	size_t nb = c->nbucket ? c->nbucket * 2 : 64;
	struct content **b = calloc(nb, sizeof(*b));
	if (!b)
		return;
	for (size_t i = 0; i < c->nbucket; i++) {
		while (c->bucket[i]) {
			struct content *e = c->bucket[i];
			c->bucket[i] = e->next;
			size_t j = slot_of(nb, e->ino);
			e->next = b[j];
			b[j] = e;
		}
	}
	free(c->bucket);
	c->bucket = b;
	c->nbucket = nb;
}

/* Called with the lock held. */
static struct content *find(struct contents *c, uint64_t ino)
{
	if (!c->nbucket)
		return NULL;
	struct content *e = c->bucket[slot_of(c->nbucket, ino)];
	while (e && e->ino != ino)
		e = e->next;
	return e;
}

/* Takes e out of its bucket.  Called with the lock held. */
static void unlist(struct contents *c, struct content *e)
{
	for (struct content **p = &c->bucket[slot_of(c->nbucket, e->ino)]; *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			e->next = NULL;
			c->n--;
			c->bytes -= e->len;
			return;
		}
	}
}

int contents_get(struct contents *c, uint64_t ino, struct content **out)
{
	pthread_mutex_lock(&c->lock);
	struct content *e = find(c, ino);
	if (e) {
		e->refs++;
		while (e->state == CONTENT_LOADING)
			pthread_cond_wait(&c->loaded, &c->lock);
		if (e->state == CONTENT_READY) {
			pthread_mutex_unlock(&c->lock);
			*out = e;
			return 0;
		}
		/* The load failed: e is unlisted; the last waiter frees it. */
		int rc = e->rc, last = --e->refs == 0;
		pthread_mutex_unlock(&c->lock);
		if (last)
			entry_free(e);
		return rc;
	}
	if ((c->n + 1) > c->nbucket)
		grow(c);
	e = c->nbucket ? calloc(1, sizeof(*e)) : NULL;
	if (!e) {
		pthread_mutex_unlock(&c->lock);
		return -ENOMEM;
	}
	e->ino = ino;
	e->refs = 1;
	e->state = CONTENT_LOADING;
	size_t i = slot_of(c->nbucket, ino);
	e->next = c->bucket[i];
	c->bucket[i] = e;
	c->n++;
	pthread_mutex_unlock(&c->lock);
	*out = e;
	return 1;
}

void contents_done(struct contents *c, struct content *e, int rc, const struct tree_attr *attr, struct buf *b)
{
	char *data = NULL;
	size_t len = 0;
	if (rc == 0 && (rc = buf_error(b)) == 0)
		data = buf_detach(b, &len);
	if (rc == 0 && !data)
		rc = -ENOMEM;
	size_t maplen = 0;
	char *mapped = rc == 0 && c->map_large && len >= CONTENT_MAP_MIN ? map_copy(data, len, &maplen) : NULL;
	if (mapped) {
		free(data);
		data = mapped;
	}
	pthread_mutex_lock(&c->lock);
	if (rc == 0) {
		e->maplen = maplen;
		e->attr = *attr;
		e->data = data;
		e->len = len;
		e->state = CONTENT_READY;
		c->bytes += len;
		if (c->bytes > c->high)
			c->high = c->bytes;
	} else {
		unlist(c, e);
		e->state = CONTENT_FAILED;
		e->rc = rc;
		if (--e->refs > 0)
			e = NULL;
	}
	pthread_cond_broadcast(&c->loaded);
	pthread_mutex_unlock(&c->lock);
	if (rc < 0 && e)
		entry_free(e);
}

void contents_put(struct contents *c, struct content *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&c->lock);
	int last = --e->refs == 0, trim = 0;
	if (last) {
		unlist(c, e);
		trim = trim_due(c);
	}
	pthread_mutex_unlock(&c->lock);
	if (last)
		entry_free(e);
	if (trim)
		malloc_trim(0);
}

int contents_attr(struct contents *c, uint64_t ino, struct tree_attr *a)
{
	pthread_mutex_lock(&c->lock);
	struct content *e = find(c, ino);
	int rc = e && e->state == CONTENT_READY ? (*a = e->attr, 0) : -ENOENT;
	pthread_mutex_unlock(&c->lock);
	return rc;
}

struct content *contents_peek(struct contents *c, uint64_t ino)
{
	pthread_mutex_lock(&c->lock);
	struct content *e = find(c, ino);
	if (e && e->state == CONTENT_READY)
		e->refs++;
	else
		e = NULL;
	pthread_mutex_unlock(&c->lock);
	return e;
}

void contents_keep(struct contents *c, struct content *e)
{
	pthread_mutex_lock(&c->lock);
	int twice = e->kept;
	e->kept = 1;
	pthread_mutex_unlock(&c->lock);
	if (twice)
		contents_put(c, e);
}

void contents_unkeep(struct contents *c, uint64_t ino)
{
	pthread_mutex_lock(&c->lock);
	struct content *e = find(c, ino);
	if (e && e->state == CONTENT_READY && e->kept)
		e->kept = 0;
	else
		e = NULL;
	pthread_mutex_unlock(&c->lock);
	contents_put(c, e);
}
