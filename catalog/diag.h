/* diag: the problems found while checking or installing an artifact.
 *
 * Every problem carries the errno that the triggering system call returns
 * (for cp) and a sentence for the person (for the log and stderr): what is
 * wrong, where, and what to do.  Warnings carry no errno and never fail an
 * install.  The first error added decides the errno of the whole operation,
 * so checks run in the order of SPEC section 4.
 */
#ifndef OSFS_DIAG_H
#define OSFS_DIAG_H

#include <stddef.h>

struct diag_item {
	int err;     /* positive errno; 0 for a warning */
	char *msg;
};

struct diag {
	struct diag_item *v;
	size_t n, cap;
	size_t nerr;  /* number of errors among v */
	int oom;      /* a message could not be recorded */
};

#define DIAG_INIT { NULL, 0, 0, 0, 0 }

/* Record an error (err > 0) or a warning (err == 0).  Never fails: when
 * memory runs out the diag remembers it and diag_errno() reports ENOMEM. */
void diag_add(struct diag *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define diag_warn(d, ...) diag_add((d), 0, __VA_ARGS__)

/* The errno of the first error, ENOMEM if a message was lost, else 0. */
int diag_errno(const struct diag *d);
/* The message of the first error, or NULL. */
const char *diag_first(const struct diag *d);
/* Move every item of src to the end of dst. */
void diag_move(struct diag *dst, struct diag *src);
void diag_free(struct diag *d);

/* Short symbolic name of an errno ("ENOPKG") for messages. */
const char *diag_errname(int err);

#endif
