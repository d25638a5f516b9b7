/* sync: other daemons' changes to this mount's kernel cache (fs/sync.c). */
#ifndef OSFS_FS_SYNC_H
#define OSFS_FS_SYNC_H

struct osfs;

/* Starts the store's watcher (after inval_start): poll_ms is how often
 * generations are compared (-o sync_poll).  Returns 0 or -errno. */
int sync_start(struct osfs *fs, unsigned poll_ms);
/* Before inval_stop. */
void sync_stop(struct osfs *fs);

#endif
