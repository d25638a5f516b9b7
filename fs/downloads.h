/* downloads: remote catalog artifacts fetched on threads of their own.
 *
 * The open() of a catalog file whose bytes are not in the store yet is not
 * answered on the FUSE worker that received it: the request joins the
 * download of that entry (one per entry, however many readers wait for
 * it) and the worker is free at once.  A server that crawls therefore
 * ties up neither libfuse's workers (ten by default: ten crawling readers
 * used to stall every operation of the mount) nor any lock: the store is
 * only touched before and after the transfer (catalog_fetch).
 *
 * When the download ends its thread answers every waiting open: the
 * error (EIO, the reason on stderr/syslog, said once) or, with the bytes
 * now in the store, the open itself, replayed through fs_open().
 */
#ifndef OSFS_DOWNLOADS_H
#define OSFS_DOWNLOADS_H

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many downloads run at once; more wait their turn. */
#define DOWNLOADS_THREADS 16

struct osfs;
struct dl;

/* A download that failed, for the readers that were already waiting
 * (downloads_read). */
struct dl_failed {
	uint64_t id;             /* the catalog entry; 0: a free slot */
	uint64_t tick;           /* when it failed, in /proc's clock ticks since boot */
};
#define DOWNLOADS_FAILED 8

struct downloads {
	struct osfs *fs;
	pthread_mutex_t lock;
	pthread_cond_t idle;     /* signalled when a thread ends */
	struct dl *list;         /* every download, running or queued */
	unsigned running;        /* threads alive */
	volatile int stop;       /* set at unmount: transfers are cancelled */
	struct dl_failed failed[DOWNLOADS_FAILED]; /* the latest failures */
	unsigned nextfail;
};

void downloads_init(struct downloads *d, struct osfs *fs);
/* Cancels the transfers under way, answers their openers, and waits
 * for the threads. */
void downloads_stop(struct downloads *d);

/* Takes over the open of catalog entry ino (T_CATFILE) whose bytes are
 * not in the store yet: 0 when the request will be answered by a
 * download's thread (the caller must not answer it), -errno when it
 * could not be (the caller answers).  A replayed open (see above) is
 * never taken over again: -EIO. */
int downloads_open(struct downloads *d, fuse_req_t req, fuse_ino_t ino, const struct fuse_file_info *fi);

/* The same for a READ without OPEN (fs/keep.h) of such an entry: answered
 * once the bytes are in the store, replayed through fs_read().  -EIO at
 * once, with no new download, for a reader (the request's thread) that
 * already ran when the entry's last download failed, within 10 s of it:
 * without OPEN the kernel sends a READ per reader that waited on the
 * failed page (the first reader's READ fails; each one blocked behind it
 * on the page lock then reads the page itself), and each would otherwise
 * start its own download, one after another (twelve crawling readers:
 * twelve stalls in a row, t_sec_stall).  A process started after the
 * failure is a new reader: it tries again, as its open() used to. */
int downloads_read(struct downloads *d, fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   const struct fuse_file_info *fi);

#endif
