/* refresh: the periodic sync of a remote catalog (see refresh.h).  A
 * server that is down is said once, and again once it is back: a mount
 * that stays offline for a week should not fill syslog every 5 minutes. */
#include "fs/refresh.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog.h"
#include "fs/fs.h"

int refresh_once(struct refresh *rf)
{
	struct install_report r = INSTALL_REPORT_INIT;
	int rc = catalog_sync(rf->fs->store, rf->url, &rf->fs->catlim, &r);
	char now[512] = "";
	for (size_t i = 0; i < r.diag.n && !now[0]; i++)
		snprintf(now, sizeof(now), "%s%s", r.diag.v[i].err ? "" : "warning: ", r.diag.v[i].msg);
	if (rc < 0 && !now[0])
		snprintf(now, sizeof(now), "%s", strerror(-rc));
	if (strcmp(now, rf->last)) {
		if (now[0])
			fs_say("catalog %s: %s%s", rf->url, now,
			       rc < 0 ? "; serving what was cached before" : "");
		else if (rf->last[0])
			fs_say("catalog %s: reachable again", rf->url);
		snprintf(rf->last, sizeof(rf->last), "%s", now);
	}
	inval_changes(&rf->fs->inval, &r.changes, 0);
	install_report_free(&r);
	return rc;
}

static void *refresh_main(void *arg)
{
	struct refresh *rf = arg;
	if (rf->now)
		refresh_once(rf);
	pthread_mutex_lock(&rf->lock);
	while (!rf->stop && rf->every) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += rf->every;
		while (!rf->stop && pthread_cond_timedwait(&rf->wake, &rf->lock, &until) != ETIMEDOUT)
			;
		if (rf->stop)
			break;
		pthread_mutex_unlock(&rf->lock);
		refresh_once(rf);
		pthread_mutex_lock(&rf->lock);
	}
	pthread_mutex_unlock(&rf->lock);
	return NULL;
}

int refresh_start(struct refresh *rf)
{
	if (!rf->url || (!rf->every && !rf->now))
		return 0;
	pthread_mutex_init(&rf->lock, NULL);
	pthread_cond_init(&rf->wake, NULL);
	rf->stop = 0;
	int rc = pthread_create(&rf->thread, NULL, refresh_main, rf);
	if (rc) {
		pthread_cond_destroy(&rf->wake);
		pthread_mutex_destroy(&rf->lock);
		return -rc;
	}
	rf->running = 1;
	return 0;
}

/* Waits for a sync under way: at most the HTTP timeouts. */
void refresh_stop(struct refresh *rf)
{
	if (!rf->running)
		return;
	pthread_mutex_lock(&rf->lock);
	rf->stop = 1;
	pthread_cond_signal(&rf->wake);
	pthread_mutex_unlock(&rf->lock);
	pthread_join(rf->thread, NULL);
	pthread_cond_destroy(&rf->wake);
	pthread_mutex_destroy(&rf->lock);
	rf->running = 0;
}
