/* keep: see keep.h. */
#include "fs/keep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fs/ino.h"
#include "store/tree.h"

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

/* A snapshot whose changes were never reported (a write that reports
 * none) is dropped after this long, so it cannot hold back the WAL. */
#define PRE_MAX_AGE_NS ((int64_t)5 * 1000000000)
/* Snapshots one thread may hold: one per write transaction committed
 * since its changes were last reported. */
#define PRE_MAX 8
/* Directories below a removed one walked for files (the tree is 5 deep). */
#define MAX_DEPTH 8

struct pre {
	struct db *db[PRE_MAX]; /* oldest first */
	int64_t since[PRE_MAX];
	int committed[PRE_MAX];
	int n;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct keep *the_keep; /* for the thread-exit destructor */

/* Drops snapshot i of p. */
static void pre_drop_one(struct keep *k, struct pre *p, int i)
{
	store_release(p->db[i]);
	for (int j = i; j + 1 < p->n; j++) {
		p->db[j] = p->db[j + 1];
		p->since[j] = p->since[j + 1];
		p->committed[j] = p->committed[j + 1];
	}
	p->n--;
	pthread_mutex_lock(&k->lock);
	k->pending--;
	pthread_cond_broadcast(&k->kept);
	pthread_mutex_unlock(&k->lock);
}

static void pre_drop(struct keep *k, struct pre *p)
{
	if (!p)
		return;
	while (p->n > 0)
		pre_drop_one(k, p, p->n - 1);
	free(p);
}

static void pre_exit(void *v)
{
	if (the_keep)
		pre_drop(the_keep, v);
}

int keep_init(struct keep *k, struct store *store, struct contents *contents, struct inval *inval)
{
	memset(k, 0, sizeof(*k));
	k->store = store;
	k->contents = contents;
	k->inval = inval;
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->kept, NULL);
	if (pthread_key_create(&k->pre, pre_exit) != 0)
		return -ENOMEM;
	k->have_key = 1;
	the_keep = k;
	return 0;
}

void keep_destroy(struct keep *k)
{
	for (unsigned i = 0; i < KEEP_RECENT; i++)
		contents_put(k->contents, k->recent[i]);
	if (k->have_key) {
		pre_drop(k, pthread_getspecific(k->pre));
		pthread_setspecific(k->pre, NULL);
		pthread_key_delete(k->pre);
	}
	the_keep = NULL;
	pthread_cond_destroy(&k->kept);
	pthread_mutex_destroy(&k->lock);
}

static void on_begin(struct keep *k)
{
	struct pre *p = pthread_getspecific(k->pre);
	int64_t now = mono_ns();
	if (!p) {
		if (!(p = calloc(1, sizeof(*p))) || pthread_setspecific(k->pre, p) != 0) {
			free(p);
			return;
		}
	}
	while (p->n > 0 && (now - p->since[0] >= PRE_MAX_AGE_NS || p->n == PRE_MAX))
		pre_drop_one(k, p, 0);
	/* This thread holds the write lock: no change can commit before the
	 * snapshot is taken, so it is the state before this transaction. */
	struct db *db = store_acquire_read(k->store);
	if (!db)
		return;
	if (db_hold_snapshot(db) < 0) {
		store_release(db);
		return;
	}
	pthread_mutex_lock(&k->lock);
	k->pending++;
	pthread_mutex_unlock(&k->lock);
	p->db[p->n] = db;
	p->since[p->n] = now;
	p->committed[p->n++] = 0;
}

void keep_on_tx(void *ctx, int phase)
{
	struct keep *k = ctx;
	if (phase == STORE_TX_BEGIN) {
		on_begin(k);
		return;
	}
	struct pre *p = pthread_getspecific(k->pre);
	if (!p || p->n == 0 || p->committed[p->n - 1])
		return;
	if (phase == STORE_TX_COMMIT)
		p->committed[p->n - 1] = 1;
	else
		pre_drop_one(k, p, p->n - 1); /* rolled back: it removed nothing */
}

/* Nodes whose content comes from the store, and may be kept. */
static int kept_type(uint64_t ino)
{
	switch (ino_node(ino).type) {
	case T_INSTFILE: case T_PKGART: case T_PKGMAN: case T_ITEM: case T_OBJECT: case T_RECORD: case T_CATFILE:
		return 1;
	default:
		return 0;
	}
}

/* Whether the kernel holds an inode of ino.  Asked of the kernel itself:
 * an invalidation of the inode's attributes (no pages, no lock that a
 * request may hold) is refused ENOENT when it has no such inode.  Counting
 * the references of every LOOKUP and READDIRPLUS entry instead cost 16
 * bytes per inode the kernel held (2 MB after a tar of W1) and a lock per
 * entry.  Unsure (not mounted yet, an error): held. */
static int kernel_holds(struct keep *k, uint64_t ino)
{
	struct fuse_session *se = k->inval ? k->inval->se : NULL;
	if (!se)
		return 1;
	return fuse_lowlevel_notify_inval_inode(se, ino, -1, 0) != -ENOENT;
}

struct walk {
	struct tree_attr *v;
	char **name;
	size_t n, cap;
	int oom;
};

static int collect(void *ctx, const char *name, const struct tree_attr *a, uint64_t next)
{
	(void)next;
	struct walk *w = ctx;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct tree_attr *v = realloc(w->v, cap * sizeof(*v));
		if (v)
			w->v = v;
		char **nm = v ? realloc(w->name, cap * sizeof(*nm)) : NULL;
		if (nm)
			w->name = nm;
		if (!v || !nm) {
			w->oom = 1;
			return 1;
		}
		w->cap = cap;
	}
	if (!(w->name[w->n] = strdup(name))) {
		w->oom = 1;
		return 1;
	}
	w->v[w->n++] = *a;
	return 0;
}

/* Keeps the content of a, a node of the snapshot pre, if the kernel holds
 * its inode and it is gone from the store now; for a directory, of the
 * files under it, whose names (in dir) go into inval. */
static void keep_node(struct keep *k, struct db *pre, struct db *now, const struct tree_attr *a, int depth,
		      struct tree_node dir, const char *name, struct changes *inval)
{
	uint64_t ino = ino_of(a->node);
	if (S_ISDIR(a->mode)) {
		if (depth >= MAX_DEPTH)
			return;
		/* Children first, then recursion: the listing's statement is
		 * one per connection and must not be reused inside itself. */
		struct walk w = { NULL, NULL, 0, 0, 0 };
		tree_readdir(pre, a->node, 0, collect, &w);
		for (size_t i = 0; i < w.n; i++) {
			keep_node(k, pre, now, &w.v[i], depth + 1, a->node, w.name[i], inval);
			free(w.name[i]);
		}
		free(w.v);
		free(w.name);
		return;
	}
	if (!kept_type(ino) || !kernel_holds(k, ino))
		return;
	struct tree_attr cur;
	if (tree_getattr(now, a->node, &cur) == 0)
		return; /* still there: its reads go to the store */
	struct content *e;
	int rc = contents_get(k->contents, ino, &e);
	if (rc == 1) {
		struct buf b = BUF_INIT;
		struct tree_attr old = *a;
		old.nlink = 0; /* removed, like an unlinked open file */
		rc = tree_read(pre, a->node, &b);
		contents_done(k->contents, e, rc, &old, &b);
		buf_free(&b);
	}
	if (rc >= 0)
		contents_keep(k->contents, e);
	if (depth > 0)
		changes_entry(inval, dir, name);
}

void keep_changes(void *ctx, const struct changes *ch)
{
	struct keep *k = ctx;
	struct pre *p = pthread_getspecific(k->pre);
	if (!p || p->n == 0)
		return;
	pthread_setspecific(k->pre, NULL);
	struct changes more = CHANGES_INIT;
	struct db *now = store_acquire_read(k->store);
	for (size_t i = 0; now && i < ch->n; i++) {
		struct tree_attr a;
		/* The newest snapshot that has the name: the state just before
		 * the transaction that removed it. */
		for (int j = p->n - 1; ch->v[i].name && j >= 0; j--) {
			if (tree_lookup(p->db[j], ch->v[i].dir, ch->v[i].name, &a) == 0) {
				keep_node(k, p->db[j], now, &a, 0, ch->v[i].dir, ch->v[i].name, &more);
				break;
			}
		}
	}
	store_release(now);
	pre_drop(k, p);
	/* No snapshot is held now: this does not come back here. */
	if (more.n)
		inval_changes(k->inval, &more, 0);
	changes_free(&more);
}

void keep_forget(struct keep *k, uint64_t ino)
{
	if (kept_type(ino))
		contents_unkeep(k->contents, ino);
}

void keep_wait(struct keep *k)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	pthread_mutex_lock(&k->lock);
	while (k->pending > 0 && pthread_cond_timedwait(&k->kept, &k->lock, &until) == 0)
		;
	pthread_mutex_unlock(&k->lock);
}

void keep_recent(struct keep *k, struct content *e)
{
	pthread_mutex_lock(&k->lock);
	struct content *old = k->recent[k->next % KEEP_RECENT];
	k->used[k->next % KEEP_RECENT] = k->reads;
	k->recent[k->next++ % KEEP_RECENT] = e;
	pthread_mutex_unlock(&k->lock);
	contents_put(k->contents, old);
}

void keep_recent_tick(struct keep *k, const struct content *e)
{
	struct content *old[KEEP_RECENT] = { NULL };
	pthread_mutex_lock(&k->lock);
	uint64_t now = ++k->reads;
	for (unsigned i = 0; i < KEEP_RECENT; i++) {
		if (!k->recent[i])
			continue;
		if (k->recent[i] == e) {
			k->used[i] = now;
		} else if (now - k->used[i] > KEEP_RECENT_READS) {
			old[i] = k->recent[i];
			k->recent[i] = NULL;
		}
	}
	pthread_mutex_unlock(&k->lock);
	for (unsigned i = 0; i < KEEP_RECENT; i++)
		contents_put(k->contents, old[i]);
}

void keep_recent_drop(void *ctx)
{
	struct keep *k = ctx;
	struct content *old[KEEP_RECENT];
	pthread_mutex_lock(&k->lock);
	for (unsigned i = 0; i < KEEP_RECENT; i++) {
		old[i] = k->recent[i];
		k->recent[i] = NULL;
	}
	pthread_mutex_unlock(&k->lock);
	for (unsigned i = 0; i < KEEP_RECENT; i++)
		contents_put(k->contents, old[i]);
}

void keep_recent_done(struct keep *k, struct content *e)
{
	struct content *found = NULL;
	pthread_mutex_lock(&k->lock);
	for (unsigned i = 0; i < KEEP_RECENT && !found; i++) {
		if (k->recent[i] == e) {
			found = e;
			k->recent[i] = NULL;
		}
	}
	pthread_mutex_unlock(&k->lock);
	contents_put(k->contents, found);
}
