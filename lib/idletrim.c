/* idletrim: a malloc_trim() after activity stops (see idletrim.h). */
#include "lib/idletrim.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "lib/deadline.h"

/* How long the daemon must be quiet before a trim: long enough that a
 * trim never lands inside a burst of requests, short enough that the
 * memory is back soon after a tar or an install ends. */
#define QUIET_MS 1000

static atomic_int busy;
static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int running, stopping;
static void (*quiet_fn)(void *ctx);
static void *quiet_ctx;

void idletrim_on_quiet(void (*fn)(void *ctx), void *ctx)
{
	quiet_fn = fn;
	quiet_ctx = ctx;
}

void idletrim_setup(void)
{
	mallopt(M_ARENA_MAX, 1);
}

void idletrim_note(void)
{
	atomic_store_explicit(&busy, 1, memory_order_relaxed);
}

static void *trimmer(void *arg)
{
	(void)arg;
	int dirty = 0; /* work since the last trim */
	pthread_mutex_lock(&lock);
	while (!stopping) {
		struct timespec until = deadline_in_us((long long)QUIET_MS * 1000);
		pthread_cond_timedwait(&wake, &lock, &until);
		if (stopping)
			break;
		if (atomic_exchange_explicit(&busy, 0, memory_order_relaxed)) {
			dirty = 1; /* still busy: wait for a quiet period */
		} else if (dirty) {
			dirty = 0;
			pthread_mutex_unlock(&lock);
			if (quiet_fn)
				quiet_fn(quiet_ctx);
			malloc_trim(0);
			pthread_mutex_lock(&lock);
		}
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int idletrim_start(void)
{
	pthread_mutex_lock(&lock);
	int rc = 0;
	if (!running) {
		stopping = 0;
		rc = -pthread_create(&thread, NULL, trimmer, NULL);
		running = rc == 0;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void idletrim_stop(void)
{
	pthread_mutex_lock(&lock);
	if (!running) {
		pthread_mutex_unlock(&lock);
		return;
	}
	stopping = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	pthread_mutex_lock(&lock);
	running = 0;
	pthread_mutex_unlock(&lock);
}
