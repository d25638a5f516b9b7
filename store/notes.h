/* notes: the calls a write transaction defers to its commit
 * (db_after_commit, store/db.h), queued in order on the connection and
 * run at COMMIT or dropped at ROLLBACK.  The same on every engine: each
 * engine's struct db holds one struct store_notes. */
#ifndef OSFS_STORE_NOTES_H
#define OSFS_STORE_NOTES_H

typedef void (*store_note_fn)(const char *a, const char *b);

struct store_note;

/* Empty when zeroed. */
struct store_notes {
	struct store_note *head, *last;
};

/* Queues fn(a, b) with copies of a and b.  0 or -ENOMEM. */
int store_notes_add(struct store_notes *q, store_note_fn fn, const char *a, const char *b);
/* Runs (run) or drops every queued call, in order; the queue is empty after. */
void store_notes_end(struct store_notes *q, int run);

#endif
