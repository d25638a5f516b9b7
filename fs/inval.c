/* inval: kernel cache invalidation on a worker thread. */
#define FUSE_USE_VERSION 312
#include "fs/inval.h"

#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/ino.h"
#include "lib/deadline.h"

/* A request never waits longer than this for the kernel. */
#define WAIT_MS 2000

static void run_item(struct fuse_session *se, const struct inval_item *it)
{
	/* Errors are expected and harmless: ENOENT when the kernel has
	 * nothing cached, EBADF once the mount is gone. */
	if (it->name)
		fuse_lowlevel_notify_inval_entry(se, it->ino, it->name, strlen(it->name));
	else
		fuse_lowlevel_notify_inval_inode(se, it->ino, (off_t)it->off, 0);
}

static void *worker(void *arg)
{
	struct inval *iv = arg;
	pthread_mutex_lock(&iv->lock);
	for (;;) {
		while (!iv->head && !iv->stop)
			pthread_cond_wait(&iv->work, &iv->lock);
		if (!iv->head && iv->stop)
			break;
		struct inval_item *it = iv->head;
		iv->head = it->next;
		if (!iv->head)
			iv->tail = NULL;
		pthread_mutex_unlock(&iv->lock);
		run_item(iv->se, it);
		pthread_mutex_lock(&iv->lock);
		iv->finished = it->ticket;
		pthread_cond_broadcast(&iv->done);
		free(it->name);
		free(it);
	}
	pthread_mutex_unlock(&iv->lock);
	return NULL;
}

int inval_start(struct inval *iv, struct fuse_session *se)
{
	memset(iv, 0, sizeof(*iv));
	iv->se = se;
	pthread_mutex_init(&iv->lock, NULL);
	pthread_cond_init(&iv->work, NULL);
	pthread_cond_init(&iv->done, NULL);
	int rc = pthread_create(&iv->thread, NULL, worker, iv);
	if (rc)
		return -rc;
	iv->running = 1;
	return 0;
}

void inval_stop(struct inval *iv)
{
	if (!iv->running)
		return;
	pthread_mutex_lock(&iv->lock);
	iv->stop = 1;
	pthread_cond_signal(&iv->work);
	pthread_mutex_unlock(&iv->lock);
	pthread_join(iv->thread, NULL);
	iv->running = 0;
	pthread_cond_destroy(&iv->work);
	pthread_cond_destroy(&iv->done);
	pthread_mutex_destroy(&iv->lock);
}

/* Queues one item; called with iv->lock held.  Returns its ticket. */
static uint64_t push(struct inval *iv, uint64_t ino, const char *name, uint64_t off)
{
	struct inval_item *it = calloc(1, sizeof(*it));
	if (!it || (name && !(it->name = strdup(name)))) {
		free(it);
		return iv->queued;
	}
	it->ino = ino;
	it->off = off;
	it->ticket = ++iv->queued;
	if (iv->tail)
		iv->tail->next = it;
	else
		iv->head = it;
	iv->tail = it;
	return it->ticket;
}

static void wait_for(struct inval *iv, uint64_t ticket)
{
	struct timespec until = deadline_in_us((long long)WAIT_MS * 1000);
	while (iv->finished < ticket)
		if (pthread_cond_timedwait(&iv->done, &iv->lock, &until) == ETIMEDOUT)
			break;
}

struct node_inval {
	uint64_t ino, off;
};

static int node_cmp(const void *a, const void *b)
{
	const struct node_inval *x = a, *y = b;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Queues the nodes of ch once each, from the lowest offset listed (a sync
 * that adds many versions lists catalog/ once per version).  Returns the
 * last ticket. */
static uint64_t push_nodes(struct inval *iv, const struct changes *ch, uint64_t ticket)
{
	struct node_inval *v = malloc((ch->n ? ch->n : 1) * sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < ch->n; i++) {
		if (ch->v[i].name)
			continue;
		if (!v) /* no memory to sort: every entry as listed */
			ticket = push(iv, ino_of(ch->v[i].dir), NULL, ch->v[i].off);
		else
			v[n++] = (struct node_inval){ ino_of(ch->v[i].dir), ch->v[i].off };
	}
	if (v)
		qsort(v, n, sizeof(*v), node_cmp);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i].ino != v[i - 1].ino)
			ticket = push(iv, v[i].ino, NULL, v[i].off);
	free(v);
	return ticket;
}

void inval_changes(struct inval *iv, const struct changes *ch, uint64_t held)
{
	if (iv->before)
		iv->before(iv->before_ctx, ch);
	if (!iv->running || (!ch->n && !ch->oom))
		return;
	pthread_mutex_lock(&iv->lock);
	uint64_t ticket = push_nodes(iv, ch, iv->queued);
	for (size_t i = 0; i < ch->n; i++) {
		uint64_t ino = ino_of(ch->v[i].dir);
		if (ch->v[i].name && ino != held)
			ticket = push(iv, ino, ch->v[i].name, 0);
	}
	for (size_t i = 0; i < ch->n; i++) {
		uint64_t ino = ino_of(ch->v[i].dir);
		if (ch->v[i].name && ino == held)
			push(iv, ino, ch->v[i].name, 0);
	}
	pthread_cond_signal(&iv->work);
	wait_for(iv, ticket);
	pthread_mutex_unlock(&iv->lock);
}
