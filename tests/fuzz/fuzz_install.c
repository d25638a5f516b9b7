/* fuzz_install: libFuzzer target that installs each input through the
 * real install code (catalog/install.c) into a private in-memory store,
 * reads the resulting tree back through store/tree.h, installs the same
 * bytes again (which must be a no-op), and removes the package.
 *
 * The store and its tenant "f" are created once.  Failed installs leave
 * only log lines behind, successful ones leave history and any seeded
 * records (which a removal keeps), so the store is recreated after every
 * successful install and every RESET_EVERY inputs: an input then always
 * meets the same state and memory stays bounded.  That state is a fresh
 * tenant, or, for every fourth input (by length, so that a reproducer
 * behaves the same alone), a tenant where com.acme.crm 1.0.0 is installed,
 * so that upgrades, downgrades and dependencies on it are exercised too.
 * A failed install must leave the tree as it was (the log aside).
 * Build and run with `make fuzz` (see the Makefile).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog/artifact.h"
#include "lib/buf.h"
#include "catalog/diag.h"
#include "catalog/install.h"
#include "catalog/json_parse.h"
#include "store/db.h"
#include "store/tree.h"

#define FUZZ_NAME "fuzz_install"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RESET_EVERY 256    /* inputs between two fresh stores */
#define MAX_LIST 64        /* entries read per directory */

/* A store with tenant "f" in a known state, and that state's tree. */
struct world {
	struct store *st;
	int64_t tenant;
	unsigned since_reset;
	int base;             /* com.acme.crm 1.0.0 is installed */
	char *baseline;       /* snapshot() of the state */
};

static struct world worlds[2];

/* tests/artifacts/acme-crm-1.0.0.json, compacted. */
static const char base_artifact[] =
	"{\"manifest\":{\"id\":\"com.acme.crm\",\"namespace\":\"crm\",\"version\":\"1.0.0\",\"type\":\"app"
	"\",\"name\":\"Acme CRM\"},\"objects\":[{\"name\":\"crm_account\",\"label\":\"Account\",\"fields\""
	":{\"name\":{\"label\":\"Name\",\"type\":\"text\",\"required\":true},\"industry\":{\"label\":\"Ind"
	"ustry\",\"type\":\"select\",\"options\":[{\"label\":\"Tech\",\"value\":\"tech\"}]},\"owner\":{\"la"
	"bel\":\"Owner\",\"type\":\"lookup\",\"reference\":\"sys_user\"}}},{\"name\":\"crm_contact\",\"la"
	"bel\":\"Contact\",\"fields\":{\"email\":{\"label\":\"Email\",\"type\":\"email\"},\"account\":{\"la"
	"bel\":\"Account\",\"type\":\"lookup\",\"reference\":\"crm_account\"}}}],\"actions\":[{\"name\":"
	"\"crm_assign_owner\",\"label\":\"Assign owner\",\"type\":\"script\"}],\"views\":[{\"list\":{\"t"
	"ype\":\"grid\",\"data\":{\"provider\":\"object\",\"object\":\"crm_account\"}}}],\"data\":[{\"obj"
	"ect\":\"crm_account\",\"externalId\":\"name\",\"mode\":\"upsert\",\"records\":[{\"name\":\"Acme "
	"Corp\",\"industry\":\"tech\"},{\"name\":\"Globex/West\",\"industry\":\"tech\"}]},{\"object\":\"c"
	"rm_contact\",\"externalId\":\"email\",\"mode\":\"insert\",\"records\":[{\"email\":\"ada@acme.e"
	"xample\",\"account\":\"Acme Corp\"}]}]}";


static void diag_dump(const char *what, const struct diag *d)
{
	fprintf(stderr, "%s:\n", what);
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  [%s] %s\n", d->v[i].err ? diag_errname(d->v[i].err) : "warning", d->v[i].msg);
}

/* ------------------------------------------------------------ the tree */

struct entry {
	char *name;
	struct tree_attr a;
};

struct listing {
	struct entry v[MAX_LIST];
	size_t n;
	size_t total;
};

static int collect(void *ctx, const char *name, const struct tree_attr *a, uint64_t next)
{
	(void)next;
	struct listing *l = ctx;
	CHECK(name != NULL, "readdir gave a NULL name");
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	l->total++;
	CHECK(name[0] && !strchr(name, '/') && strlen(name) <= 255, "readdir gave a bad name \"%.80s\" (%zu bytes)",
	      name, strlen(name));
	if (l->n < MAX_LIST) {
		l->v[l->n].name = strdup(name);
		if (!l->v[l->n].name)
			abort();
		l->v[l->n].a = *a;
		l->n++;
	}
	return 0;
}

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	l->n = 0;
}

/* Reads a file node: its size must be what getattr said. */
static void read_file(struct db *db, const struct tree_attr *a, const char *name)
{
	struct buf b = BUF_INIT;
	int rc = tree_read(db, a->node, &b);
	CHECK(rc == 0, "tree_read of %s (%d:%llu) = %d", name, (int)a->node.type, (unsigned long long)a->node.id, rc);
	CHECK(b.len == a->size, "%s: %zu bytes read, its size is %llu", name, b.len, (unsigned long long)a->size);
	if (a->node.type != T_INSTFILE && a->node.type != T_PKGART && b.len) {
		/* Everything osfs renders itself is JSON. */
		struct json_error e;
		cJSON *v = json_parse(b.p, b.len, NULL, &e);
		CHECK(v != NULL, "%s is not valid JSON: %s (line %u col %u)", name, e.msg, e.line, e.col);
		cJSON_Delete(v);
	}
	buf_free(&b);
}

/* Lists dir, looks every listed name up again (it must give the same
 * node), reads the files (when read is set), and descends depth levels.
 * With snap, appends "path type:id size" for each entry to it. */
static void walk(struct db *db, struct tree_node dir, const char *path, int depth, int read, struct buf *snap)
{
	struct listing l = { .n = 0 };
	int rc = tree_readdir(db, dir, 0, collect, &l);
	CHECK(rc == 0, "tree_readdir %s = %d", path, rc);
	if (snap)
		buf_printf(snap, "%s: %zu entries\n", path, l.total);
	for (size_t i = 0; i < l.n; i++) {
		struct tree_attr a;
		char sub[1024];
		snprintf(sub, sizeof(sub), "%s/%s", path, l.v[i].name);
		rc = tree_lookup(db, dir, l.v[i].name, &a);
		CHECK(rc == 0, "tree_lookup %s = %d (it is listed)", sub, rc);
		CHECK(a.node.type == l.v[i].a.node.type && a.node.id == l.v[i].a.node.id,
		      "%s: lookup gives %d:%llu, readdir %d:%llu", sub, (int)a.node.type, (unsigned long long)a.node.id,
		      (int)l.v[i].a.node.type, (unsigned long long)l.v[i].a.node.id);
		if (a.node.type == T_LOG)
			continue;
		if (snap)
			buf_printf(snap, "%s %d:%llu %llu\n", sub, (int)a.node.type, (unsigned long long)a.node.id,
				   (unsigned long long)a.size);
		if (S_ISDIR(a.mode)) {
			if (depth > 0)
				walk(db, a.node, sub, depth - 1, read, snap);
		} else if (read) {
			read_file(db, &a, sub);
		}
	}
	listing_free(&l);
}

/* What a failed install must leave as it was: the names, nodes and sizes
 * of the tenant's install/, packages/ (two levels), objects/ and data/
 * (two levels). */
static char *snapshot(const struct world *w)
{
	struct db *db = store_acquire(w->st);
	struct buf b = BUF_INIT;
	CHECK(db != NULL, "store_acquire failed");
	uint64_t t = (uint64_t)w->tenant;
	walk(db, tree_node(T_INSTDIR, t), "install", 0, 0, &b);
	walk(db, tree_node(T_PKGSDIR, t), "packages", 1, 0, &b);
	walk(db, tree_node(T_OBJSDIR, t), "objects", 0, 0, &b);
	walk(db, tree_node(T_DATADIR, t), "data", 1, 0, &b);
	store_release(db);
	CHECK(!buf_error(&b), "out of memory");
	return buf_detach(&b, NULL);
}

static void world_fresh(struct world *w, int base)
{
	char err[256];
	struct install_report r = INSTALL_REPORT_INIT;
	if (w->st)
		store_close(w->st);
	free(w->baseline);
	memset(w, 0, sizeof(*w));
	if (store_open(&w->st, ":memory:", 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_install: store_open: %s\n", err);
		abort();
	}
	if (install_tenant_create(w->st, "f", 0, 0, &r) != 0) {
		diag_dump("fuzz_install: install_tenant_create", &r.diag);
		abort();
	}
	w->tenant = r.tenant;
	install_report_free(&r);
	if (base) {
		struct install_opts o = { "f", "base", NULL, ARTIFACT_DEFAULT_MAX, 0, 0 };
		struct install_report rb = INSTALL_REPORT_INIT;
		if (install_artifact(w->st, base_artifact, sizeof(base_artifact) - 1, &o, &rb) != 0) {
			diag_dump("fuzz_install: installing com.acme.crm 1.0.0", &rb.diag);
			abort();
		}
		install_report_free(&rb);
	}
	w->base = base;
	w->baseline = snapshot(w);
}

static void check_installed(const struct world *w, const uint8_t *data, size_t size, const char *id,
			    const char *label)
{
	struct db *db = store_acquire(w->st);
	struct tree_attr a;
	char name[NAME_MAX_ID + 16];
	uint64_t t = (uint64_t)w->tenant;
	CHECK(db != NULL, "store_acquire failed");

	/* install/<id>.json holds exactly the bytes installed */
	snprintf(name, sizeof(name), "%s.json", id);
	int rc = tree_lookup(db, tree_node(T_INSTDIR, t), name, &a);
	CHECK(rc == 0, "install/%s: lookup = %d", name, rc);
	struct buf b = BUF_INIT;
	rc = tree_read(db, a.node, &b);
	CHECK(rc == 0 && b.len == size && (size == 0 || !memcmp(b.p, data, size)),
	      "install/%s does not hold the bytes installed (rc %d, %zu of %zu bytes)", name, rc, b.len, size);
	CHECK(a.size == size, "install/%s: size %llu, %zu bytes installed", name, (unsigned long long)a.size, size);
	buf_free(&b);

	/* packages/<id>@<version>/ and everything under it */
	rc = tree_lookup(db, tree_node(T_PKGSDIR, t), label, &a);
	CHECK(rc == 0, "packages/%s: lookup = %d", label, rc);
	walk(db, a.node, label, 1, 1, NULL);

	/* objects/ and data/ of the tenant */
	walk(db, tree_node(T_OBJSDIR, t), "objects", 0, 1, NULL);
	walk(db, tree_node(T_DATADIR, t), "data", 1, 1, NULL);
	store_release(db);
}

static void check_removed(const struct world *w, const char *id, const char *label, int was_base)
{
	struct db *db = store_acquire(w->st);
	struct tree_attr a;
	char name[NAME_MAX_ID + 16];
	uint64_t t = (uint64_t)w->tenant;
	CHECK(db != NULL, "store_acquire failed");
	snprintf(name, sizeof(name), "%s.json", id);
	int rc = tree_lookup(db, tree_node(T_INSTDIR, t), name, &a);
	CHECK(rc == -ENOENT, "install/%s still there after removal (%d)", name, rc);
	rc = tree_lookup(db, tree_node(T_PKGSDIR, t), label, &a);
	CHECK(rc == -ENOENT, "packages/%s still there after removal (%d)", label, rc);
	if (was_base) {
		rc = tree_lookup(db, tree_node(T_PKGSDIR, t), "com.acme.crm@1.0.0", &a);
		CHECK(rc == -ENOENT, "packages/com.acme.crm@1.0.0 still there after removal (%d)", rc);
	}
	walk(db, tree_node(T_OBJSDIR, t), "objects", 0, 1, NULL);
	store_release(db);
}

static void check_failed(const struct world *w, const char *what, int rc, const struct install_report *r)
{
	CHECK(rc < 0, "%s returned %d (expected 0 or -errno)", what, rc);
	if (diag_errno(&r->diag) == 0 || diag_first(&r->diag) == NULL) {
		diag_dump(what, &r->diag);
		violated("%s failed (%d) without recording a problem", what, rc);
	}
	CHECK(rc == -diag_errno(&r->diag), "%s returned %d, its first problem has errno %d", what, rc,
	      diag_errno(&r->diag));
	char *now = snapshot(w);
	if (strcmp(now, w->baseline)) {
		fprintf(stderr, "before:\n%s\nafter:\n%s\n", w->baseline, now);
		violated("%s failed but changed the tree", what);
	}
	free(now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct install_opts o = { "f", "fuzz", NULL, ARTIFACT_DEFAULT_MAX, 0, 0 };
	struct install_report r = INSTALL_REPORT_INIT;
	int base = (size & 3) == 3;
	struct world *w = &worlds[base];

	if (!w->st || w->since_reset >= RESET_EVERY)
		world_fresh(w, base);
	w->since_reset++;

	int rc = install_artifact(w->st, (const char *)data, size, &o, &r);
	if (rc != 0) {
		check_failed(w, "install_artifact", rc, &r);
		install_report_free(&r);
		return 0;
	}
	CHECK(diag_errno(&r.diag) == 0, "install succeeded with errno %d recorded", diag_errno(&r.diag));
	CHECK(r.tenant == w->tenant, "install reports tenant %lld, not %lld", (long long)r.tenant,
	      (long long)w->tenant);

	/* "<id>@<version>": ids have no '@' */
	char label[sizeof(r.label)], id[sizeof(r.label)];
	snprintf(label, sizeof(label), "%s", r.label);
	const char *at = strchr(label, '@');
	CHECK(at && at > label, "install label \"%s\" is not <id>@<version>", label);
	memcpy(id, label, (size_t)(at - label));
	id[at - label] = '\0';

	check_installed(w, data, size, id, label);

	/* The same bytes again: nothing to do, and no error. */
	struct install_report r1 = INSTALL_REPORT_INIT;
	rc = install_artifact(w->st, (const char *)data, size, &o, &r1);
	if (rc != 0) {
		diag_dump("reinstall", &r1.diag);
		violated("installing the same bytes again failed (%d)", rc);
	}
	install_report_free(&r1);

	/* Nothing depends on it (the tenant has only the system packages and
	 * com.acme.crm, which depends on nothing), so it can always be
	 * removed. */
	struct install_report r2 = INSTALL_REPORT_INIT;
	rc = install_remove(w->st, "f", id, &r2);
	if (rc != 0) {
		diag_dump("install_remove", &r2.diag);
		violated("removing %s failed (%d)", id, rc);
	}
	install_report_free(&r2);
	check_removed(w, id, label, w->base && !strcmp(id, "com.acme.crm"));

	install_report_free(&r);
	w->since_reset = RESET_EVERY; /* history and kept records: start afresh */
	return 0;
}
