/* startlog: where the daemon's start-up time goes (docs/performance.md,
 * "Mount-ready").  With OSFS_STARTUP_LOG=1 in its environment, each mark
 * prints to stderr the CPU time the process has used since exec (dynamic
 * loading included) and the wall time since the first mark; without it a
 * mark costs one getenv() the first time and a test after. */
#ifndef OSFS_STARTLOG_H
#define OSFS_STARTLOG_H

void startlog_mark(const char *what);

#endif
