/* install: installing, upgrading and removing packages in a tenant, and
 * creating and removing tenants (SPEC sections 4 and 5).
 *
 * Each operation is one write transaction: everything is checked first,
 * then all of it is applied, or nothing is.  Every outcome is written to
 * the tenant's log (failures in a transaction of their own, after the
 * rollback) and echoed through install_echo for the daemon's stderr or
 * syslog.  Functions return 0 or -errno; the problems, with their
 * sentences, are in the report.
 */
#ifndef OSFS_INSTALL_H
#define OSFS_INSTALL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "catalog/diag.h"
#include "catalog/names.h"
#include "store/changes.h"
#include "store/db.h"

struct install_opts {
	const char *tenant;
	const char *source;     /* where the bytes came from, for messages */
	const char *expect_id;  /* written over install/<id>.json: must be <id> */
	size_t max_size;        /* max_artifact */
	mode_t mode;            /* of install/<id>.json as written (0: 0644) */
	int64_t mtime;          /* of install/<id>.json as written (0: install time) */
};

struct install_report {
	struct diag diag;
	struct changes changes; /* tree entries to drop from the kernel's caches */
	int64_t tenant;         /* tenant id, once known */
	char label[NAME_MAX_ID + 300]; /* "<id>@<version>", once known */
	int unchanged;          /* the identical artifact was there already */
};

#define INSTALL_REPORT_INIT { DIAG_INIT, CHANGES_INIT, 0, "", 0 }
void install_report_free(struct install_report *r);

/* Called with every line written to a tenant's log (and, with a NULL
 * tenant, with every change of the catalog). */
extern void (*install_echo)(const char *tenant, const char *line);

int install_artifact(struct store *st, const char *bytes, size_t len, const struct install_opts *o,
		     struct install_report *r);
/* Every check install_artifact makes, against the store as it is now,
 * and nothing else: nothing is written, not even to the log.  The same
 * return and report as install_artifact would give, but for a failure
 * of the apply itself (the store's). */
int install_artifact_check(struct store *st, const char *bytes, size_t len, const struct install_opts *o,
			   struct install_report *r);
int install_remove(struct store *st, const char *tenant, const char *pkg, struct install_report *r);

/* Writes one line to a tenant's log in a transaction of its own (for
 * problems found before any install runs, such as a write past
 * max_artifact). */
int install_note(struct store *st, const char *tenant, const char *line, struct install_report *r);

int install_tenant_create(struct store *st, const char *name, uid_t uid, gid_t gid, struct install_report *r);
/* The same, refused with -EDQUOT if uid (not root) already owns max
 * tenants (0: no limit); the check and the creation are one transaction. */
int install_tenant_create_max(struct store *st, const char *name, uid_t uid, gid_t gid, unsigned max,
			      struct install_report *r);
int install_tenant_remove(struct store *st, const char *name, struct install_report *r);
/* Brings the system packages of every tenant to this release (at mount). */
int install_refresh_system(struct store *st);

#endif
