/* downloads: see downloads.h.
 *
 * The table is a short list (one entry per download running or queued,
 * at most a few dozen): a lookup walks it under the lock, which is never
 * held across the network or the store. */
#include "fs/downloads.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "fs/fs.h"
#include "fs/ino.h"

struct waiter {
	fuse_req_t req;
	struct fuse_file_info fi;  /* a copy: the caller's lives on its stack */
	int read;                  /* a READ (of size at off), not an OPEN */
	size_t size;
	off_t off;
	struct waiter *next;
};

struct dl {
	uint64_t id;               /* the catalog entry (its node id) */
	fuse_ino_t ino;
	int started;
	struct waiter *waiters;
	struct dl *next;
};

/* Set while a download's thread replays an open through fs_open(): that
 * open must be answered, not taken over again. */
static __thread int replaying;

void downloads_init(struct downloads *d, struct osfs *fs)
{
	memset(d, 0, sizeof(*d));
	d->fs = fs;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->idle, NULL);
}

/* Answers the openers of a finished download (without the lock). */
static void answer(struct downloads *d, fuse_ino_t ino, struct waiter *w, int rc)
{
	while (w) {
		struct waiter *next = w->next;
		if (rc < 0) {
			fuse_reply_err(w->req, EIO);
		} else {
			replaying = 1;
			if (w->read)
				fs_read(w->req, ino, w->size, w->off, &w->fi);
			else
				fs_open(w->req, ino, &w->fi);
			replaying = 0;
		}
		free(w);
		w = next;
	}
	(void)d;
}

/* How long a failure answers the readers that waited for it. */
#define FAILED_FOR_S 10

/* Now, in the clock of /proc/PID/stat's start times (ticks since boot). */
static uint64_t now_tick(void)
{
	struct timespec ts;
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * (uint64_t)hz + (uint64_t)ts.tv_nsec / (1000000000ULL / (uint64_t)hz);
}

/* The start time of thread tid (ticks since boot); 0 if unknown (it
 * ended, or lives in another PID namespace: pid 0). */
static uint64_t started_tick(pid_t tid)
{
	char path[64], line[1024];
	if (tid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = 0;
	/* Fields after the command's ')' (it may hold spaces): state is
	 * field 3, starttime field 22. */
	char *p = strrchr(line, ')');
	unsigned long long v = 0;
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &v) != 1)
		return 0;
	return v;
}

/* Notes (rc < 0) or forgets (rc == 0) the failure of entry id.  Called
 * with d->lock held. */
static void note_result(struct downloads *d, uint64_t id, int rc)
{
	for (unsigned i = 0; i < DOWNLOADS_FAILED; i++)
		if (d->failed[i].id == id)
			d->failed[i].id = 0;
	if (rc < 0) {
		struct dl_failed *f = &d->failed[d->nextfail++ % DOWNLOADS_FAILED];
		f->id = id;
		f->tick = now_tick();
	}
}

/* Whether a READ of entry id by thread tid is a reader that waited for
 * the entry's last download, which failed (downloads.h).  Called with
 * d->lock held. */
static int failed_for(struct downloads *d, uint64_t id, pid_t tid)
{
	for (unsigned i = 0; i < DOWNLOADS_FAILED; i++) {
		struct dl_failed *f = &d->failed[i];
		if (f->id != id)
			continue;
		long hz = sysconf(_SC_CLK_TCK);
		if (now_tick() - f->tick > (uint64_t)FAILED_FOR_S * (uint64_t)(hz > 0 ? hz : 100)) {
			f->id = 0; /* old: a new attempt */
			return 0;
		}
		uint64_t born = started_tick(tid);
		return born == 0 || born <= f->tick; /* unknown: as a waiter, never a cascade */
	}
	return 0;
}

static void run(struct downloads *d, struct dl *x)
{
	struct osfs *fs = d->fs;
	struct install_report r = INSTALL_REPORT_INIT;
	int rc = catalog_fetch(fs->store, (int64_t)x->id, fs->max_artifact, &fs->catlim, &r);
	if (rc < 0)
		fs_say("catalog: cannot download %s: %s", r.label[0] ? r.label : "an artifact",
		       diag_first(&r.diag) ? diag_first(&r.diag) : strerror(-rc));
	install_report_free(&r);
	/* Out of the table first: an open that comes now finds the bytes in
	 * the store, or (after a failure) starts a new attempt. */
	pthread_mutex_lock(&d->lock);
	struct dl **p = &d->list;
	while (*p != x)
		p = &(*p)->next;
	*p = x->next;
	note_result(d, x->id, rc);
	struct waiter *w = x->waiters;
	pthread_mutex_unlock(&d->lock);
	answer(d, x->ino, w, rc);
	free(x);
}

static void *dl_main(void *arg)
{
	struct downloads *d = arg;
	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct dl *x = d->list;
		while (x && x->started)
			x = x->next;
		if (!x)
			break;
		x->started = 1;
		pthread_mutex_unlock(&d->lock);
		run(d, x);
		pthread_mutex_lock(&d->lock);
	}
	d->running--;
	pthread_cond_broadcast(&d->idle);
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

static int join(struct downloads *d, fuse_req_t req, fuse_ino_t ino, const struct fuse_file_info *fi, int read,
		size_t size, off_t off)
{
	uint64_t id = ino_node(ino).id;
	if (replaying)
		return -EIO; /* downloaded, yet not in the store: do not loop */
	struct waiter *w = calloc(1, sizeof(*w));
	if (!w)
		return -EIO;
	w->req = req;
	w->fi = *fi;
	w->read = read;
	w->size = size;
	w->off = off;
	pthread_mutex_lock(&d->lock);
	if (read && failed_for(d, id, fuse_req_ctx(req)->pid)) {
		pthread_mutex_unlock(&d->lock);
		free(w);
		return -EIO; /* the kernel's retry of a read that failed */
	}
	struct dl *x = d->list, **tail = &d->list;
	for (; x && x->id != id; x = x->next)
		tail = &x->next;
	int fresh = !x;
	if (d->stop || (fresh && !(x = calloc(1, sizeof(*x))))) {
		pthread_mutex_unlock(&d->lock);
		free(w);
		return -EIO;
	}
	if (fresh) {
		x->id = id;
		x->ino = ino;
		*tail = x; /* queued in the order asked */
	}
	w->next = x->waiters;
	x->waiters = w;
	int rc = 0;
	if (fresh && d->running < DOWNLOADS_THREADS) {
		pthread_t t;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		d->running++;
		if (pthread_create(&t, &attr, dl_main, d) != 0) {
			d->running--;
			if (d->running == 0) { /* nobody would ever run it */
				*tail = NULL;
				free(x);
				free(w);
				rc = -EIO;
			}
		}
		pthread_attr_destroy(&attr);
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int downloads_open(struct downloads *d, fuse_req_t req, fuse_ino_t ino, const struct fuse_file_info *fi)
{
	return join(d, req, ino, fi, 0, 0, 0);
}

int downloads_read(struct downloads *d, fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   const struct fuse_file_info *fi)
{
	return join(d, req, ino, fi, 1, size, off);
}

void downloads_stop(struct downloads *d)
{
	pthread_mutex_lock(&d->lock);
	d->stop = 1; /* the transfers' cancel flag (fs->catlim.cancel) */
	while (d->running > 0)
		pthread_cond_wait(&d->idle, &d->lock);
	pthread_mutex_unlock(&d->lock);
	pthread_cond_destroy(&d->idle);
	pthread_mutex_destroy(&d->lock);
}
