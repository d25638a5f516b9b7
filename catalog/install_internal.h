/* Internal to the install module. */
#ifndef OSFS_INSTALL_INTERNAL_H
#define OSFS_INSTALL_INTERNAL_H

#include "catalog/artifact.h"
#include "catalog/install.h"
#include "store/installs.h"
#include "store/tenants.h"

/* The tenant-dependent checks, rules 6 to 8 (install_check.c).  cur is
 * the package's current install in the tenant, or NULL. */
int install_check(struct db *db, const struct tenant_row *t, const struct artifact *a,
		  const struct install_row *cur, struct diag *d);

/* Applies a checked artifact to a tenant (install_apply.c): stores it if
 * new, replaces cur if given, registers objects, claims names, seeds on
 * the first install, records history, and logs.  Inside the transaction.
 * o is NULL for the system packages (no seeds, no log line). */
int install_apply(struct db *db, const struct tenant_row *t, const struct artifact *a, const struct install_row *cur,
		  const struct install_opts *o, int64_t ts, struct install_report *r);

/* Removes an install: claims, registrations, tables left empty
 * (install_apply.c).  Inside the transaction. */
int install_detach(struct db *db, const struct tenant_row *t, const struct install_row *cur, int64_t ts,
		   struct install_report *r);

/* Re-merges objects/<name>.json for every name in names. */
int install_remerge(struct db *db, int64_t tenant, char *const *names, size_t n, int64_t ts,
		    struct changes *ch);

/* Appends a line to the tenant's log, and echoes it once the transaction
 * commits (db_after_commit). */
int install_log(struct db *db, const struct tenant_row *t, int64_t ts, struct changes *ch, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Checks and installs a (loaded; rendered if it is not stored yet) into
 * the tenant o names, inside the caller's write transaction.  Returns 0 or
 * -errno; on failure the caller rolls back. */
int install_in_tx(struct db *db, struct artifact *a, const struct install_opts *o, struct install_report *r);

/* Creates tenant name with its system packages, inside the caller's write
 * transaction. */
int install_tenant_in_tx(struct db *db, const char *name, uid_t uid, gid_t gid, struct install_report *r);

/* The span of store time an install of a needs (see db_now). */
int64_t install_span(const struct artifact *a);

#endif
