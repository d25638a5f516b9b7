/* ctl_pick: "ID[@RANGE]" and the version it names among those a catalog
 * has: the highest in the range; without a range, the highest release (a
 * prerelease only when there is nothing else), as a catalog's "latest". */
#ifndef OSFS_CTL_PICK_H
#define OSFS_CTL_PICK_H

#include "lib/buf.h"
#include "catalog/names.h"
#include "catalog/semver.h"

struct ctl_pick {
	char id[NAME_MAX_ID + 1];
	const char *range_text;       /* NULL: none given */
	struct semver_range *range;
	struct semver v, v_pre;
	int found, found_pre;
	char best[SEMVER_MAX_LENGTH + 1], best_pre[SEMVER_MAX_LENGTH + 1];
	struct buf all;               /* every version offered, for messages */
};

/* Parses spec; CTL_OK, or CTL_USAGE after saying what is wrong. */
int ctl_pick_init(struct ctl_pick *p, const char *spec);
/* Offers a version (one that is not semver is listed, never picked). */
void ctl_pick_offer(struct ctl_pick *p, const char *version);
/* The version picked, or NULL after saying that none fits. */
const char *ctl_pick_result(struct ctl_pick *p, const char *where);
void ctl_pick_free(struct ctl_pick *p);

#endif
