/* loop: the session loop (fs/loop.h says why it is not libfuse's).
 *
 * The main thread reads each request and either processes it at once or
 * queues it for a worker.  What it processes itself must never wait for
 * an install: an install holds its upload's lock and the store's write
 * transaction for its whole length (up to seconds), so any request that
 * may touch a pending upload (its node, a folder uploads are listed in, a
 * handle open for writing) or may write goes to a worker.  Reads of the
 * store are WAL read transactions: a writer never blocks them.
 *
 * While no worker runs a request, the locks a worker could hold are all
 * free, so this thread also takes the requests that only take such locks
 * for a moment and neither write the store nor wait for an invalidation:
 * lookups, listings and attributes of the folders uploads live in, and
 * the chmod, utimens, write and close() of a pending file under a
 * temporary name (rsync's .<key>.json.XXXXXX: 13 of the 16 requests of
 * each record of W5, docs/performance.md).  Each hand-off costs two context switches.
 *
 * A request is processed exactly once, by the thread that took it; the
 * kernel's order between requests is not kept, as with libfuse's
 * multi-threaded loop (the kernel never relies on it: a request that
 * must follow another waits for its reply). */
#include "fs/loop.h"

#include <fcntl.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ino.h"

#define DEFAULT_WORKERS 10 /* libfuse's default max_threads */
#define MAX_SPARE 4        /* request buffers kept for reuse (each up to max_write) */

struct item {
	struct fuse_buf buf;
	struct item *next;
};

struct loop {
	struct fuse_session *se;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct item *head, *tail; /* handed off, oldest first */
	size_t queued;
	struct item *spare;
	size_t nspare;
	unsigned busy; /* workers processing a request */
	unsigned nworkers, max;
	pthread_t *workers;
	int stop;
};

/* Namespaces osfs never has a name in (fs_getxattr refuses them first). */
static int foreign_xattr(const char *name, size_t len)
{
	static const char *const ns[] = { "security.", "system.", "trusted." };
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		size_t n = strlen(ns[i]);
		if (len > n && !strncmp(name, ns[i], n))
			return 1;
	}
	return 0;
}

/* Folders whose listing or lookups may reach a pending upload. */
static int upload_folder(struct tree_node dir)
{
	int64_t scope;
	return fs_upload_scope(dir, &scope) == 0;
}

/* A file opened for reading of installed content: its handle holds no
 * upload, and reading or releasing it takes no lock an install holds. */
static int read_only(struct tree_node n, uint32_t flags)
{
	return n.type != T_UPLOAD && (flags & O_ACCMODE) == O_RDONLY && !(flags & O_TRUNC);
}

static int (*flush_idle)(void *ctx);
static void *flush_idle_ctx;
static int (*pending_quick)(void *ctx, uint32_t opcode, uint64_t ino, uint64_t fh, uint64_t end);
static void *pending_quick_ctx;

void loop_pending_check(int (*quick)(void *ctx, uint32_t opcode, uint64_t ino, uint64_t fh, uint64_t end), void *ctx)
{
	pending_quick = quick;
	pending_quick_ctx = ctx;
}

void loop_flush_check(int (*idle)(void *ctx), void *ctx)
{
	flush_idle = idle;
	flush_idle_ctx = ctx;
}

/* With OPEN, FLUSH comes only for files opened for writing (files opened
 * for reading are noflush), and is where an upload is installed: a
 * worker's.  Without OPEN (fs/keep.h) every close() sends one, a
 * reader's too, with no handle (fh 0): with nothing staged anywhere
 * (one atomic load, no lock an install holds) it has nothing to do and
 * is answered here; a pending upload's, a handle's (CREATE), or any
 * while something is staged go to a worker. */
static int flush_here(struct tree_node n, uint64_t fh)
{
	return fh == 0 && n.type != T_UPLOAD && flush_idle && flush_idle(flush_idle_ctx);
}

int loop_here(const void *req, size_t len)
{
	const struct fuse_in_header *h = req;
	if (len < sizeof(*h))
		return 1; /* libfuse refuses it */
	const char *in = (const char *)req + sizeof(*h);
	size_t inlen = len - sizeof(*h);
	struct tree_node n = ino_node(h->nodeid);
	switch (h->opcode) {
	case FUSE_INIT:
	case FUSE_DESTROY:
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
	case FUSE_NOTIFY_REPLY:
		return 1; /* libfuse's own bookkeeping */
	case FUSE_GETATTR:
		return n.type != T_UPLOAD;
	case FUSE_LOOKUP:
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
		return !upload_folder(n);
	case FUSE_OPEN:
		return inlen >= sizeof(struct fuse_open_in) && read_only(n, ((const struct fuse_open_in *)in)->flags);
	case FUSE_READ:
		return inlen >= sizeof(struct fuse_read_in) && read_only(n, ((const struct fuse_read_in *)in)->flags);
	case FUSE_RELEASE:
		return inlen >= sizeof(struct fuse_release_in) &&
		       read_only(n, ((const struct fuse_release_in *)in)->flags);
	case FUSE_FLUSH:
		return inlen >= sizeof(struct fuse_flush_in) && flush_here(n, ((const struct fuse_flush_in *)in)->fh);
	case FUSE_GETXATTR: {
		size_t off = sizeof(struct fuse_getxattr_in);
		return inlen > off && foreign_xattr(in + off, strnlen(in + off, inlen - off));
	}
	default:
		return 0;
	}
}

int loop_here_when_idle(const void *req, size_t len)
{
	const struct fuse_in_header *h = req;
	if (len < sizeof(*h) || !pending_quick)
		return 0;
	const char *in = (const char *)req + sizeof(*h);
	size_t inlen = len - sizeof(*h);
	switch (h->opcode) {
	case FUSE_LOOKUP:
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
	case FUSE_GETATTR:
		return 1; /* reads: the locks they take are the workers' */
	case FUSE_SETATTR: {
		if (inlen < sizeof(struct fuse_setattr_in))
			return 0;
		const struct fuse_setattr_in *a = (const void *)in;
		/* A size may be refused by a budget, which writes the log. */
		return !(a->valid & FATTR_SIZE) &&
		       pending_quick(pending_quick_ctx, h->opcode, h->nodeid, (a->valid & FATTR_FH) ? a->fh : 0, 0);
	}
	case FUSE_FLUSH:
		return inlen >= sizeof(struct fuse_flush_in) &&
		       pending_quick(pending_quick_ctx, h->opcode, h->nodeid, ((const struct fuse_flush_in *)in)->fh, 0);
	case FUSE_WRITE: {
		if (inlen < sizeof(struct fuse_write_in))
			return 0;
		const struct fuse_write_in *w = (const void *)in;
		return w->offset <= UINT64_MAX - w->size &&
		       pending_quick(pending_quick_ctx, h->opcode, h->nodeid, w->fh, w->offset + w->size);
	}
	default:
		return 0;
	}
}

/* No worker is processing or about to process a request: every lock a
 * request handler takes is free, and stays so while this thread processes
 * one (only it hands requests to the workers). */
static int pool_idle(struct loop *l)
{
	pthread_mutex_lock(&l->lock);
	int idle = l->busy == 0 && l->queued == 0;
	pthread_mutex_unlock(&l->lock);
	return idle;
}

static struct item *take_spare(struct loop *l)
{
	pthread_mutex_lock(&l->lock);
	struct item *it = l->spare;
	if (it) {
		l->spare = it->next;
		l->nspare--;
	}
	pthread_mutex_unlock(&l->lock);
	return it ? it : calloc(1, sizeof(*it));
}

static void item_free(struct item *it)
{
	if (it)
		free(it->buf.mem);
	free(it);
}

static void give_spare(struct loop *l, struct item *it)
{
	pthread_mutex_lock(&l->lock);
	if (l->nspare < MAX_SPARE) {
		it->next = l->spare;
		l->spare = it;
		l->nspare++;
		it = NULL;
	}
	pthread_mutex_unlock(&l->lock);
	item_free(it);
}

static void *worker(void *arg)
{
	struct loop *l = arg;
	for (;;) {
		pthread_mutex_lock(&l->lock);
		while (!l->head && !l->stop)
			pthread_cond_wait(&l->wake, &l->lock);
		struct item *it = l->head;
		if (it) {
			l->head = it->next;
			if (!l->head)
				l->tail = NULL;
			l->queued--;
			l->busy++;
		}
		pthread_mutex_unlock(&l->lock);
		if (!it)
			return NULL; /* stopping, and nothing left to process */
		fuse_session_process_buf(l->se, &it->buf);
		pthread_mutex_lock(&l->lock);
		l->busy--;
		pthread_mutex_unlock(&l->lock);
		give_spare(l, it);
	}
}

/* Called with l->lock held.  Signals stay with the main thread: its read
 * of the device is what a signal must interrupt to end the loop. */
static void start_worker(struct loop *l)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&l->workers[l->nworkers], NULL, worker, l) == 0)
		l->nworkers++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Queues it; starts a worker unless one is free for each request queued
 * (a worker just started counts as free).  A worker may wait for this
 * thread's work (an install waits for its invalidations, which may wait
 * for a request the kernel holds a lock for), so the pool grows, up to
 * its bound, rather than let a request wait behind busy workers.  With no
 * worker at all (every start failed), processes it here. */
static void hand_off(struct loop *l, struct item *it)
{
	it->next = NULL;
	pthread_mutex_lock(&l->lock);
	if (l->queued + 1 > l->nworkers - l->busy && l->nworkers < l->max)
		start_worker(l);
	if (l->nworkers == 0) {
		pthread_mutex_unlock(&l->lock);
		fuse_session_process_buf(l->se, &it->buf);
		give_spare(l, it);
		return;
	}
	if (l->tail)
		l->tail->next = it;
	else
		l->head = it;
	l->tail = it;
	l->queued++;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
}

int loop_run(struct fuse_session *se, unsigned max_workers)
{
	struct loop l = { .se = se, .max = max_workers ? max_workers : DEFAULT_WORKERS };
	int rc = 0;
	l.workers = calloc(l.max, sizeof(*l.workers));
	if (!l.workers)
		return -ENOMEM;
	pthread_mutex_init(&l.lock, NULL);
	pthread_cond_init(&l.wake, NULL);
	struct item *it = NULL;
	while (!fuse_session_exited(se)) {
		if (!it && !(it = take_spare(&l))) {
			rc = -ENOMEM;
			break;
		}
		int res = fuse_session_receive_buf(se, &it->buf);
		if (res == -EINTR)
			continue; /* a signal: fuse_session_exited() says if it ends us */
		if (res <= 0) {
			rc = res; /* 0: unmounted */
			break;
		}
		/* A spliced request (FUSE_BUF_IS_FD) is in this thread's pipe,
		 * which the next read reuses: it cannot wait in the queue.
		 * osfs has no write_buf, so libfuse never splices. */
		if ((it->buf.flags & FUSE_BUF_IS_FD) || loop_here(it->buf.mem, (size_t)res) ||
		    (pool_idle(&l) && loop_here_when_idle(it->buf.mem, (size_t)res))) {
			fuse_session_process_buf(se, &it->buf);
		} else {
			hand_off(&l, it);
			it = NULL;
		}
	}
	item_free(it);
	pthread_mutex_lock(&l.lock);
	l.stop = 1;
	pthread_cond_broadcast(&l.wake);
	pthread_mutex_unlock(&l.lock);
	for (unsigned i = 0; i < l.nworkers; i++)
		pthread_join(l.workers[i], NULL);
	while ((it = l.spare)) {
		l.spare = it->next;
		item_free(it);
	}
	free(l.workers);
	pthread_cond_destroy(&l.wake);
	pthread_mutex_destroy(&l.lock);
	return rc;
}
