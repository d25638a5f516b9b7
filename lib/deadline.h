/* deadline: the absolute CLOCK_REALTIME time pthread_cond_timedwait()
 * wants, a given number of microseconds from now. */
#ifndef OSFS_LIB_DEADLINE_H
#define OSFS_LIB_DEADLINE_H

#include <time.h>

static inline struct timespec deadline_in_us(long long us)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += (time_t)(us / 1000000);
	t.tv_nsec += (long)(us % 1000000) * 1000;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

#endif
