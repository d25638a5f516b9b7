/* osfsctl inspect: what an artifact holds, as osfs lays it out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/artifact.h"
#include "tools/ctl.h"

int ctl_inspect(int argc, char **argv)
{
	char *data;
	size_t len;
	struct artifact a;
	struct diag d = DIAG_INIT;
	if (argc != 2) {
		ctl_err("usage: osfsctl inspect FILE");
		return CTL_USAGE;
	}
	int rc = ctl_read_file(argv[1], ARTIFACT_DEFAULT_MAX, &data, &len);
	if (rc < 0) {
		ctl_err("cannot read %s: %s", argv[1], strerror(-rc));
		return CTL_FAIL;
	}
	rc = artifact_load(&a, data, len, ARTIFACT_DEFAULT_MAX, 0, &d);
	if (a.id && a.version_text) {
		/* Fields with nothing to show are left out; "depends on:
		 * nothing" is an answer, so it stays. */
		printf("package:    %s@%s\n", a.id, a.version_text);
		if (a.ns[0])
			printf("namespace:  %s\n", a.ns);
		printf("size:       %zu bytes\nxxh3:       %016llx\n", a.len, (unsigned long long)a.xxh3);
		printf("depends on:%s\n", a.ndeps ? "" : " nothing");
		for (size_t i = 0; i < a.ndeps; i++)
			printf("  %s %s\n", a.deps[i].id, a.deps[i].range_text);
		if (a.nobjects) {
			printf("objects:   ");
			for (size_t i = 0; i < a.nobjects; i++)
				printf(" %s", a.objects[i].name);
			putchar('\n');
		}
		if (a.nexts) {
			printf("extends:   ");
			for (size_t i = 0; i < a.nexts; i++)
				printf(" %s", a.exts[i].target);
			putchar('\n');
		}
		if (a.nkinds)
			printf("folders:\n");
		for (size_t i = 0; i < a.nkinds; i++)
			printf("  %-20s %zu file%s\n", a.kinds[i].dir, a.kinds[i].count, a.kinds[i].count == 1 ? "" : "s");
		size_t recs = 0;
		for (size_t i = 0; i < a.nseeds; i++)
			recs += a.seeds[i].nrecords;
		if (a.nseeds)
			printf("seed data:  %zu dataset%s, %zu record%s\n", a.nseeds, a.nseeds == 1 ? "" : "s", recs,
			       recs == 1 ? "" : "s");
	}
	for (size_t i = 0; i < d.n; i++)
		printf("%s: %s%s%s%s\n", d.v[i].err ? "error" : "warning", d.v[i].msg, d.v[i].err ? " [" : "",
		       d.v[i].err ? diag_errname(d.v[i].err) : "", d.v[i].err ? "]" : "");
	artifact_free(&a);
	diag_free(&d);
	free(data);
	return rc ? CTL_FAIL : CTL_OK;
}
