/* refresh: the periodic sync of a remote catalog, and the syncs asked for
 * (see refresh.h).  A server that is down is said once, and again once it
 * is back: a mount that stays offline for a week should not fill syslog
 * every 5 minutes. */
#include "fs/refresh.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog.h"
#include "fs/fs.h"

/* A getxattr of user.osfs.sync waiting for its sync. */
struct asker {
	fuse_req_t req;
	size_t size;
	struct asker *next;
};

static const char sync_ok[] = "ok";

void refresh_init(struct refresh *rf, struct osfs *fs, const char *url, unsigned every)
{
	memset(rf, 0, sizeof(*rf));
	rf->fs = fs;
	rf->url = url;
	rf->every = every;
	pthread_mutex_init(&rf->lock, NULL);
	pthread_cond_init(&rf->wake, NULL);
}

/* Copies text leaving out the "user:password@" of every URL in it: the
 * problems are readable by anyone who can read catalog/, and a catalog's
 * URL may carry credentials (docs/security.md). */
void refresh_without_credentials(char *out, size_t len, const char *text)
{
	size_t o = 0;
	while (*text && o + 1 < len) {
		if (!strncmp(text, "://", 3)) {
			size_t host = strcspn(text + 3, "/?# \n");
			const char *at = memchr(text + 3, '@', host);
			if (at) {
				for (const char *sep = "://"; *sep && o + 1 < len;)
					out[o++] = *sep++;
				text = at + 1;
				continue;
			}
		}
		out[o++] = *text++;
	}
	out[o] = '\0';
}

/* The problems of a sync, one a line.  Warnings too: for whoever asked
 * for the sync, an index read from the cache is a sync that failed. */
static void problems_of(const struct install_report *r, int rc, char *out, size_t len)
{
	char raw[sizeof(((struct refresh *)0)->problems)] = "";
	size_t o = 0;
	for (size_t i = 0; i < r->diag.n && o + 1 < sizeof(raw); i++) {
		int n = snprintf(raw + o, sizeof(raw) - o, "%s%s", o ? "\n" : "", r->diag.v[i].msg);
		o += n > 0 ? (size_t)n : 0;
	}
	if (rc < 0 && !raw[0])
		snprintf(raw, sizeof(raw), "%s", strerror(-rc));
	refresh_without_credentials(out, len, raw);
}

/* One sync; 0, or the errno the asking requests get (EIO when the sync
 * itself went on, with problems: the server was not reached, or an index
 * was refused). */
static int sync_now(struct refresh *rf)
{
	struct install_report r = INSTALL_REPORT_INIT;
	int rc = catalog_sync(rf->fs->store, rf->url, &rf->fs->catlim, &r);
	char first[512] = "", now[512], url[512];
	for (size_t i = 0; i < r.diag.n && !first[0]; i++)
		snprintf(first, sizeof(first), "%s%s", r.diag.v[i].err ? "" : "warning: ", r.diag.v[i].msg);
	if (rc < 0 && !first[0])
		snprintf(first, sizeof(first), "%s", strerror(-rc));
	refresh_without_credentials(now, sizeof(now), first);
	if (strcmp(now, rf->last)) {
		refresh_without_credentials(url, sizeof(url), rf->url);
		if (now[0])
			fs_say("catalog %s: %s%s", url, now, rc < 0 ? "; serving what was cached before" : "");
		else if (rf->last[0])
			fs_say("catalog %s: reachable again", url);
		snprintf(rf->last, sizeof(rf->last), "%s", now);
	}
	pthread_mutex_lock(&rf->lock);
	problems_of(&r, rc, rf->problems, sizeof(rf->problems));
	pthread_mutex_unlock(&rf->lock);
	/* Before any asker is answered: what `osfsctl update` lists next is
	 * what this sync brought. */
	inval_changes(&rf->fs->inval, &r.changes, 0);
	int err = rc < 0 ? -rc : r.diag.n ? EIO : 0;
	install_report_free(&r);
	return err;
}

int refresh_once(struct refresh *rf)
{
	int err = sync_now(rf);
	return err ? -err : 0;
}

/* Answers a list of askers (taken out of rf's lists by the caller). */
static void answer(struct asker *a, int err)
{
	while (a) {
		struct asker *next = a->next;
		if (err)
			fuse_reply_err(a->req, err);
		else if (a->size < sizeof(sync_ok) - 1)
			fuse_reply_err(a->req, ERANGE);
		else
			fuse_reply_buf(a->req, sync_ok, sizeof(sync_ok) - 1);
		free(a);
		a = next;
	}
}

/* Waits (rf->lock held) for the next sync to be due: asked for, or
 * `every` seconds after the last one.  0 once due, -1 when stopping. */
static int wait_due(struct refresh *rf)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += rf->every;
	while (!rf->stop && !rf->asked) {
		if (!rf->every)
			pthread_cond_wait(&rf->wake, &rf->lock);
		else if (pthread_cond_timedwait(&rf->wake, &rf->lock, &until) == ETIMEDOUT)
			break;
	}
	return rf->stop ? -1 : 0;
}

static void *refresh_main(void *arg)
{
	struct refresh *rf = arg;
	int due = rf->now;
	pthread_mutex_lock(&rf->lock);
	while (due || wait_due(rf) == 0) {
		/* Those who asked before this sync starts share it; those who
		 * ask while it runs wait for the next, which may list what
		 * this one started too early to see. */
		rf->syncing = rf->asked;
		rf->asked = NULL;
		pthread_mutex_unlock(&rf->lock);
		int err = sync_now(rf);
		pthread_mutex_lock(&rf->lock);
		struct asker *done = rf->syncing;
		rf->syncing = NULL;
		pthread_mutex_unlock(&rf->lock);
		answer(done, err);
		pthread_mutex_lock(&rf->lock);
		due = 0;
	}
	pthread_mutex_unlock(&rf->lock);
	return NULL;
}

int refresh_start(struct refresh *rf)
{
	if (!rf->url)
		return 0;
	rf->stop = 0;
	int rc = pthread_create(&rf->thread, NULL, refresh_main, rf);
	if (rc)
		return -rc;
	pthread_mutex_lock(&rf->lock);
	rf->running = 1;
	pthread_mutex_unlock(&rf->lock);
	return 0;
}

/* Takes an asker out of rf's lists: 1 if it was there (and is now the
 * caller's to answer). */
static int take(struct refresh *rf, fuse_req_t req)
{
	struct asker **lists[] = { &rf->asked, &rf->syncing };
	for (size_t i = 0; i < 2; i++)
		for (struct asker **p = lists[i]; *p; p = &(*p)->next)
			if ((*p)->req == req) {
				struct asker *a = *p;
				*p = a->next;
				free(a);
				return 1;
			}
	return 0;
}

/* Ctrl-C on the waiting osfsctl: the kernel would otherwise keep the
 * killed process until the sync ends.  The sync goes on; only the wait
 * ends.  libfuse calls this with the request's own lock held, which the
 * refresh thread never takes. */
static void interrupted(fuse_req_t req, void *data)
{
	struct refresh *rf = data;
	pthread_mutex_lock(&rf->lock);
	int mine = take(rf, req);
	pthread_mutex_unlock(&rf->lock);
	if (mine)
		fuse_reply_err(req, EINTR);
}

int refresh_can_sync(const struct refresh *rf)
{
	return rf->url ? 0 : rf->fs->readonly ? -EROFS : -ENOTSUP;
}

int refresh_ask(struct refresh *rf, fuse_req_t req, size_t size)
{
	if (!rf->url)
		return refresh_can_sync(rf);
	struct asker *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->req = req;
	a->size = size;
	/* Before the request is queued: once it is, the refresh thread may
	 * answer (and free) it at any moment.  An interrupt that came
	 * already finds nothing to take: the request waits for its sync. */
	fuse_req_interrupt_func(req, interrupted, rf);
	pthread_mutex_lock(&rf->lock);
	if (!rf->running || rf->stop) {
		pthread_mutex_unlock(&rf->lock);
		free(a);
		return rf->stop ? -ECANCELED : -EAGAIN;
	}
	a->next = rf->asked;
	rf->asked = a;
	pthread_cond_signal(&rf->wake);
	pthread_mutex_unlock(&rf->lock);
	return 0;
}

char *refresh_problems(struct refresh *rf)
{
	pthread_mutex_lock(&rf->lock);
	char *p = rf->problems[0] ? strdup(rf->problems) : NULL;
	pthread_mutex_unlock(&rf->lock);
	return p;
}

/* Waits for a sync under way: at most the HTTP timeouts (unmount cancels
 * its transfers first, fs/main.c). */
void refresh_stop(struct refresh *rf)
{
	pthread_mutex_lock(&rf->lock);
	int running = rf->running;
	rf->stop = 1;
	pthread_cond_signal(&rf->wake);
	pthread_mutex_unlock(&rf->lock);
	if (running)
		pthread_join(rf->thread, NULL);
	pthread_mutex_lock(&rf->lock);
	struct asker *left = rf->asked;
	rf->asked = NULL;
	rf->running = 0;
	pthread_mutex_unlock(&rf->lock);
	answer(left, ECANCELED);
	pthread_cond_destroy(&rf->wake);
	pthread_mutex_destroy(&rf->lock);
}
