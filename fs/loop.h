/* loop: the session loop.  One thread reads every request from /dev/fuse
 * and answers on the spot those that never wait for an install (reads of
 * installed content, attributes, listings outside the folders where
 * uploads live, xattr names osfs never has, FORGET); everything else goes
 * to a pool of workers, so a long write transaction stalls no reader.
 *
 * Why not fuse_session_loop_mt(): it keeps a thread blocked on the device
 * for every idle worker, so each request wakes a thread of its own even
 * when the one that answered the previous request is about to read again;
 * pinned to one CPU that doubled the daemon's context switches per file
 * (docs/performance.md, "The receiving thread").  Here one thread waits on
 * the device, and a worker is woken only for a request handed to it. */
#ifndef OSFS_FS_LOOP_H
#define OSFS_FS_LOOP_H

#include "fs/fs.h"

/* Serves se until it is unmounted or fuse_session_exit() (a signal).
 * max_workers bounds the pool (0: the default, 10); workers start when
 * a request is handed off and none is idle.  Requests handed off before
 * the end are still processed.  0, or -errno if reading the device
 * failed. */
int loop_run(struct fuse_session *se, unsigned max_workers);

/* idle(ctx) says whether a FLUSH without a handle has nothing to do
 * (nothing staged: fs/stage.c); such FLUSHes are then answered by the
 * reading thread.  NULL (the default): every FLUSH goes to a worker. */
void loop_flush_check(int (*idle)(void *ctx), void *ctx);

/* quick(ctx, opcode, ino, fh, end) says whether a SETATTR (never of a
 * size), FLUSH or WRITE (up to byte end) of inode ino, through handle fh
 * if not 0, only changes a pending file in memory (fs/quick.c); such
 * requests are answered by the reading thread while no worker runs.  NULL
 * (the default): they go to a worker. */
void loop_pending_check(int (*quick)(void *ctx, uint32_t opcode, uint64_t ino, uint64_t fh, uint64_t end), void *ctx);

/* 1 if the raw request (header and arguments, len bytes) is answered by
 * the reading thread, 0 if it goes to a worker. */
int loop_here(const void *req, size_t len);

/* 1 if the raw request is answered by the reading thread when no worker
 * is processing anything (pending files, the folders they are listed in). */
int loop_here_when_idle(const void *req, size_t len);

#endif
