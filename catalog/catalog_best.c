/* catalog_best: which catalog version a dependency or an update gets.
 * The store lists the versions (catdb_each_version); the semver order is
 * the catalog's business, so store/ needs no semver. */
#include "catalog/catalog.h"

#include <errno.h>
#include <stdio.h>

#include "catalog/semver.h"
#include "store/catalogdb.h"

struct best {
	const struct semver_range *range;
	const struct semver *above;
	struct semver v;
	int found;
	char *out;
	size_t len;
};

static int consider(const char *text, void *ctx)
{
	struct best *b = ctx;
	struct semver v;
	if (semver_parse(text, SEMVER_STRICT, &v) < 0)
		return 0;
	int ok = (!b->range || semver_range_test(b->range, &v)) &&
		 (!b->above || (semver_compare(&v, b->above) > 0 && (!v.pre || b->above->pre)));
	if (ok && (!b->found || semver_compare(&v, &b->v) > 0)) {
		semver_free(&b->v);
		b->v = v;
		b->found = 1;
		snprintf(b->out, b->len, "%s", text);
	} else {
		semver_free(&v);
	}
	return 0;
}

int catalog_best(struct db *db, const char *pkg, const struct semver_range *range, const struct semver *above,
		 char *out, size_t len)
{
	struct best b = { range, above, { 0 }, 0, out, len };
	int rc = catdb_each_version(db, pkg, consider, &b);
	semver_free(&b.v);
	return rc < 0 ? rc : b.found ? 0 : -ENOENT;
}

int catalog_newer(struct db *db, const char *pkg, const char *above, char *out, size_t len)
{
	struct semver base;
	if (semver_parse(above, SEMVER_STRICT, &base) < 0)
		return -EINVAL;
	int rc = catalog_best(db, pkg, NULL, &base, out, len);
	semver_free(&base);
	return rc;
}
