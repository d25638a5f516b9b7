/* refresh: keeps MOUNT/catalog/ in step with a remote catalog: a sync at
 * mount, then one every `every` seconds on a thread of its own, each
 * followed by the invalidation of what it changed.  A store that has
 * synced before serves its cached catalog at once and syncs on the
 * thread: a mount at boot does not wait for the network. */
#ifndef OSFS_REFRESH_H
#define OSFS_REFRESH_H

#include <pthread.h>

struct osfs;

struct refresh {
	struct osfs *fs;
	const char *url;
	unsigned every;        /* seconds between syncs; 0: only at mount */
	int now;               /* the thread syncs first thing (mount did not) */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int running, stop;
	char last[512];        /* the last problem said, so it is said once */
};

/* One sync now; problems go to stderr/syslog.  Returns 0 or -errno (the
 * catalog cached before still serves). */
int refresh_once(struct refresh *rf);
int refresh_start(struct refresh *rf);
void refresh_stop(struct refresh *rf);

#endif
