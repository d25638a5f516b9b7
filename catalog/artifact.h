/* artifact: a compiled ObjectStack artifact (dist/objectstack.json), parsed
 * and checked on its own, before any tenant is involved.
 *
 * artifact_load() runs checks 1-5 of SPEC section 4 (size, JSON, manifest,
 * reserved names, naming) and the structural checks, and builds the model
 * the installer needs: the kinds and items that become
 * packages/<id>@<version>/<kind>/<name>.json, the objects, the extensions,
 * the seed datasets and the dependencies.  Nothing here touches a store.
 */
#ifndef OSFS_ARTIFACT_H
#define OSFS_ARTIFACT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "catalog/diag.h"
#include "catalog/semver.h"
#include "catalog/strset.h"

#define ARTIFACT_DEFAULT_MAX ((size_t)64 << 20)
/* Indentation its pretty files may add, per byte of the artifact (plus 1 MiB). */
#define RENDER_FACTOR 8

/* A folder of the package directory: one top-level collection. */
struct art_kind {
	char *dir;          /* folder name (escaped), e.g. "actions", "sharing" */
	const char *key;    /* the artifact's top-level key, e.g. "sharingRules" */
	size_t first, count;/* its items: items[first .. first+count) */
	int named;          /* items are named definitions that must not collide */
};

/* One file of a kind folder. */
struct art_item {
	size_t kind;        /* index into kinds */
	char *file;         /* escaped file-name stem, unique in its kind */
	const char *name;   /* the definition's own name (for collisions), or NULL */
	const cJSON *json;  /* the content, inside root */
	char *body;         /* rendered pretty JSON, after artifact_render() */
	size_t body_len;
};

struct art_object {
	const char *name;
	const cJSON *json;
	size_t item;        /* its item in the "objects" kind */
};

struct art_ext {
	const char *target; /* objectExtensions[].extend */
	double priority;    /* merge order: lower first, so higher wins */
	const cJSON *json;
	size_t item;
};

enum seed_mode { SEED_INSERT, SEED_UPDATE, SEED_UPSERT, SEED_REPLACE, SEED_IGNORE };

struct art_seed {
	const char *object;
	const char **extid; /* externalId field names (borrowed) */
	size_t nextid;
	enum seed_mode mode;
	const cJSON *records;
	char **keys;        /* escaped record file-name stems, one per record */
	size_t nrecords;
};

struct art_dep {
	const char *id;
	const char *range_text;
	struct semver_range *range;
};

struct artifact {
	const char *bytes;  /* the artifact as written (borrowed) */
	size_t len;
	uint64_t xxh3;      /* XXH3-64 of bytes, as `xxhsum -H3` prints it */
	cJSON *root;        /* read-only: its nodes are in arena (json_parse_arena) */
	struct json_arena *arena;
	const cJSON *manifest;
	const char *id;
	const char *version_text;
	struct semver version;
	char ns[32];
	struct art_dep *deps;
	size_t ndeps;
	struct art_kind *kinds;
	size_t nkinds;
	struct art_item *items;
	size_t nitems;
	struct art_object *objects;
	size_t nobjects;
	struct strset object_index; /* name -> index into objects */
	struct art_ext *exts;
	size_t nexts;
	struct art_seed *seeds;
	size_t nseeds;
	char *manifest_body;
	size_t manifest_len;
};

/* Parses and checks bytes (which must outlive a).  Every problem goes to d,
 * in the order of the checks.  Returns 0 when there is no error (warnings
 * may have been added), else the errno of the first error; a is then
 * still safe to pass to artifact_free(). */
int artifact_load(struct artifact *a, const char *bytes, size_t len, size_t max_size,
		  unsigned flags, struct diag *d);
/* flags: the artifact is one of osfs's own system packages, which may
 * use the reserved names (rule 4). */
#define ARTIFACT_SYSTEM 1u

/* Renders manifest.json and every item's pretty body.  Returns 0 or
 * -ENOMEM.  Only needed when the artifact's files are to be stored. */
int artifact_render(struct artifact *a);

void artifact_free(struct artifact *a);

/* 1 if the artifact, even with problems, has what the tenant checks need
 * (a JSON tree, an id, a version and a namespace), so that they can report
 * their problems too. */
int artifact_usable(const struct artifact *a);

/* "com.acme.crm@1.2.0" into buf. */
const char *artifact_label(const struct artifact *a, char *buf, size_t len);

/* Looks up an object defined by this artifact. */
const struct art_object *artifact_object(const struct artifact *a, const char *name);

/* The lookup/master_detail references of one object's (or extension's)
 * "fields" member: calls fn(field, target, ctx) for each; returns the
 * first non-zero value fn returned. */
int artifact_each_reference(const cJSON *fields,
			    int (*fn)(const char *field, const char *target, void *ctx),
			    void *ctx);

const char *seed_mode_name(enum seed_mode m);

#endif
