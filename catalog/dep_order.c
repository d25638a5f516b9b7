/* dep_order: repeated passes over the set, placing every artifact whose
 * dependencies in the set are placed.  Sets are small (a tenant's
 * packages), so n^2 passes cost nothing next to an install. */
#include "catalog/dep_order.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* Is package id among the artifacts not placed yet? */
static int pending(const struct artifact *const *a, const char *placed, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!placed[i] && !strcmp(a[i]->id, id))
			return 1;
	return 0;
}

int dep_order(const struct artifact *const *a, const char *const *labels, size_t n, size_t *order, const char *what,
	      struct diag *d)
{
	char *placed = calloc(n + 1, 1);
	size_t done = 0;
	if (!placed)
		return -ENOMEM;
	while (done < n) {
		size_t now = 0;
		for (size_t i = 0; i < n; i++) {
			int ready = !placed[i];
			for (size_t k = 0; ready && k < a[i]->ndeps; k++)
				ready = !pending(a, placed, n, a[i]->deps[k].id);
			if (ready) {
				placed[i] = 1;
				order[done++] = i;
				now++;
			}
		}
		if (!now)
			break;
	}
	if (done < n) {
		struct buf names = BUF_INIT;
		for (size_t i = 0; i < n; i++)
			if (!placed[i])
				buf_printf(&names, "%s%s (%s)", names.len ? ", " : "", a[i]->id, labels[i]);
		diag_add(d, ENOPKG, "%s: these packages depend on each other in a cycle: %s", what, buf_str(&names));
		buf_free(&names);
	}
	free(placed);
	return done < n ? -ENOPKG : 0;
}
