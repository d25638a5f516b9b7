/* idletrim: hands freed heap back to the system once the daemon is quiet.
 *
 * glibc keeps freed memory in each thread's malloc arena (and raises its
 * mmap threshold to the largest block freed, so later content copies land
 * there too): after a warm tar, a few MB per worker thread stay resident
 * for good.  Trimming on the hot paths (fixed malloc thresholds, a
 * malloc_trim per commit) measured 2-3x the CPU of an install; a thread that trims once,
 * after a burst of work has been followed by a quiet second, costs
 * nothing while requests flow (docs/performance.md, "Memory"). */
#ifndef OSFS_LIB_IDLETRIM_H
#define OSFS_LIB_IDLETRIM_H

/* One malloc arena for the process, set before any thread starts:
 * malloc_trim() returns the top of the main arena only, so memory freed
 * at the end of a per-thread arena (about 1.5 MB per worker after a tar)
 * would stay resident; with a handful of threads on two CPUs one arena
 * measured no slower (docs/performance.md, "Memory"). */
void idletrim_setup(void);

/* Work happened (called per request: one relaxed atomic store). */
void idletrim_note(void);

/* fn(ctx) runs on the trimming thread before each trim, to let go of
 * what is only worth keeping while requests flow (fs/keep.c: the files
 * being read in several READs).  One hook; set before idletrim_start(). */
void idletrim_on_quiet(void (*fn)(void *ctx), void *ctx);

/* Starts / stops the trimming thread; 0 or -errno.  Without it (tools,
 * tests), idletrim_note() does nothing useful and costs nothing. */
int idletrim_start(void);
void idletrim_stop(void);

#endif
