/* refresh: keeps MOUNT/catalog/ in step with a remote catalog: a sync at
 * mount, then one every `every` seconds on a thread of its own, each
 * followed by the invalidation of what it changed.  A store that has
 * synced before serves its cached catalog at once and syncs on the
 * thread: a mount at boot does not wait for the network.
 *
 * `osfsctl update` asks for a sync now (getxattr of user.osfs.sync on
 * catalog/, docs/catalog.md): the request is handed to the refresh thread,
 * which answers it when a sync that started after the request ends.  No
 * FUSE worker waits for the network, and every request that arrives while
 * a sync runs shares the next one.  getxattr, not setxattr: the kernel
 * holds a directory's lock through a setxattr on it, which would stop every
 * lookup and listing of catalog/ for as long as the sync lasts. */
#ifndef OSFS_REFRESH_H
#define OSFS_REFRESH_H

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stddef.h>

struct osfs;
struct asker;

struct refresh {
	struct osfs *fs;
	const char *url;
	unsigned every;        /* seconds between syncs; 0: only at mount and when asked */
	int now;               /* the thread syncs first thing (mount did not) */
	pthread_t thread;
	pthread_mutex_t lock;  /* guards the fields below, never held across a sync */
	pthread_cond_t wake;
	int running, stop;
	struct asker *asked;   /* requests for the next sync */
	struct asker *syncing; /* requests the sync under way will answer */
	char problems[2048];   /* the last sync's problems, one a line ("" if none) */
	char last[512];        /* the last problem said, so it is said once (thread only) */
};

/* Sets up an idle refresh; url NULL: no remote catalog (or -o ro). */
void refresh_init(struct refresh *rf, struct osfs *fs, const char *url, unsigned every);
/* One sync now; problems go to stderr/syslog.  Returns 0 or -errno (the
 * catalog cached before still serves). */
int refresh_once(struct refresh *rf);
/* Starts the thread (with a remote catalog only). */
int refresh_start(struct refresh *rf);
/* Stops the thread, answering the requests still waiting (ECANCELED). */
void refresh_stop(struct refresh *rf);

/* Takes over a getxattr of user.osfs.sync (size > 0): answered from the
 * refresh thread, with "ok" or the errno of a sync that had problems.
 * Returns 0 when taken over, else -errno for the caller to answer:
 * ENOTSUP without a remote catalog, EROFS on a read-only mount. */
int refresh_ask(struct refresh *rf, fuse_req_t req, size_t size);
/* 0 if refresh_ask would take a request, else its -errno. */
int refresh_can_sync(const struct refresh *rf);
/* The last sync's problems, as a new string; NULL if it had none (or
 * there was none). */
char *refresh_problems(struct refresh *rf);

/* text with the "user:password@" of every URL in it left out: for
 * anything said to stderr, syslog or a reader of catalog/. */
void refresh_without_credentials(char *out, size_t len, const char *text);

#endif
