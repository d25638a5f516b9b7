/* rows_free: freeing the rows the store's operations hand out; plain
 * memory, the same whichever engine filled them. */
#include <stdlib.h>
#include <string.h>

#include "store/installs.h"
#include "store/records.h"
#include "store/registry.h"

void installs_edges_free(struct dep_edge *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].pkg);
		free(e[i].range);
		free(e[i].version);
	}
	free(e);
}

void records_hits_free(struct record_hit *hits, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(hits[i].key);
		free(hits[i].value);
	}
	free(hits);
}

void registry_src_free(struct registry_src *s)
{
	free(s->base);
	for (size_t i = 0; i < s->nexts; i++)
		free(s->exts[i]);
	free(s->exts);
	free(s->ext_len);
	memset(s, 0, sizeof(*s));
}

void registry_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
