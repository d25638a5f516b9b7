/* startlog: start-up marks (see startlog.h). */
#include "lib/startlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int enabled = -1; /* -1: the environment not read yet */
static struct timespec first;

static double ms(const struct timespec *t)
{
	return (double)t->tv_sec * 1e3 + (double)t->tv_nsec / 1e6;
}

void startlog_mark(const char *what)
{
	if (enabled < 0) {
		const char *v = getenv("OSFS_STARTUP_LOG");
		enabled = v && !strcmp(v, "1");
	}
	if (!enabled)
		return;
	struct timespec now, cpu;
	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	if (!first.tv_sec && !first.tv_nsec)
		first = now;
	fprintf(stderr, "osfs: startup: %-24s CPU %6.2f ms since exec, wall %6.2f ms since main\n", what, ms(&cpu),
		ms(&now) - ms(&first));
}
