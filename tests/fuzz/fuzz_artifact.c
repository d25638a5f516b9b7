/* fuzz_artifact: libFuzzer target over JSON parsing and printing and over
 * artifact loading, validation and rendering (catalog/).
 *
 * Per input:
 *  - json_parse(); when it succeeds, the tree prints (pretty and compact)
 *    and the compact text parses back to an equal tree;
 *  - artifact_load() without flags, and with ARTIFACT_SYSTEM on every
 *    other input (chosen by the input's length, so a reproducer behaves
 *    the same when run alone), then artifact_render() when it loaded.
 * Every invariant below aborts when violated, so libFuzzer saves the
 * input as a crash.  Build and run with `make fuzz` (see the Makefile).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog/artifact.h"
#include "lib/buf.h"
#include "catalog/diag.h"
#include "catalog/json_parse.h"
#include "catalog/json_print.h"
#include "catalog/names.h"

#define FUZZ_NAME "fuzz_artifact"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* s (len bytes) is the canonical escape of some name: it unescapes, and
 * escaping that gives s back. */
static void check_canonical(const char *what, const char *s, size_t len)
{
	char *part = strndup(s, len);
	struct buf raw = BUF_INIT, again = BUF_INIT;
	CHECK(part != NULL, "out of memory");
	int rc = name_unescape(part, &raw);
	CHECK(rc == 0, "%s: \"%.80s\" is not a canonical escaped name (%d)", what, part, rc);
	CHECK(name_escape(buf_str(&raw), raw.len, &again) == 0, "out of memory");
	CHECK(again.len == len && !memcmp(again.p, s, len), "%s: \"%.80s\" unescapes and escapes to \"%.80s\"", what,
	      part, buf_str(&again));
	buf_free(&raw);
	buf_free(&again);
	free(part);
}

/* A file-name stem as the tree shows it: <stem>.json must be one valid
 * file name, and the stem a canonical escape (record keys: ','-joined
 * canonical escapes). */
static void check_stem(const char *what, const char *s, int joined)
{
	CHECK(s != NULL, "%s: NULL stem", what);
	size_t n = strlen(s);
	CHECK(n > 0, "%s: empty stem", what);
	CHECK(n <= NAME_MAX_STEM, "%s: stem of %zu bytes (at most %d): \"%.40s...\"", what, n, NAME_MAX_STEM, s);
	CHECK(!strchr(s, '/'), "%s: stem \"%.80s\" contains '/'", what, s);
	CHECK(s[0] != '.', "%s: stem \"%.80s\" starts with '.'", what, s);
	for (const char *p = s;;) {
		size_t k = joined ? strcspn(p, ",") : strlen(p);
		if (k)
			check_canonical(what, p, k);
		if (!p[k])
			break;
		p += k + 1;
	}
}

/* cJSON_Compare() looks every member up by name, which is quadratic in
 * the size of an object (a 1 MB object of short keys takes minutes), so
 * it only runs on inputs up to this size. */
#define CJSON_COMPARE_MAX 16384

/* Equal trees, members in the same order, numbers exactly equal: what a
 * printed tree must parse back to.  Linear, and stricter than
 * cJSON_Compare(), which allows a relative error in numbers. */
static int same_tree(const cJSON *a, const cJSON *b)
{
	if ((a->type & 0xFF) != (b->type & 0xFF))
		return 0;
	switch (a->type & 0xFF) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
		return !strcmp(a->valuestring, b->valuestring);
	case cJSON_Array:
	case cJSON_Object: {
		const cJSON *x = a->child, *y = b->child;
		for (; x && y; x = x->next, y = y->next) {
			if ((x->string || y->string) && (!x->string || !y->string || strcmp(x->string, y->string)))
				return 0;
			if (!same_tree(x, y))
				return 0;
		}
		return !x && !y;
	}
	default:
		return 1;
	}
}

static void check_json_roundtrip(const uint8_t *data, size_t size)
{
	struct json_error e;
	memset(&e, 0, sizeof(e));
	cJSON *a = json_parse((const char *)data, size, NULL, &e);
	if (!a) {
		CHECK(e.err != 0, "json_parse failed without an errno");
		CHECK(e.offset <= size, "json_parse error offset %zu past the end (%zu)", e.offset, size);
		CHECK(e.line >= 1 && e.col >= 1, "json_parse error at line %u col %u", e.line, e.col);
		return;
	}
	struct buf pretty = BUF_INIT, compact = BUF_INIT;
	CHECK(json_print_pretty(a, &pretty) == 0, "json_print_pretty failed");
	CHECK(json_print_compact(a, &compact) == 0, "json_print_compact failed");
	CHECK(pretty.len > 0 && pretty.p[pretty.len - 1] == '\n', "pretty output does not end in a newline");

	struct json_error e2;
	memset(&e2, 0, sizeof(e2));
	cJSON *b = json_parse(compact.p, compact.len, NULL, &e2);
	CHECK(b != NULL, "compact output does not parse back: %s at %zu: %.200s", e2.msg, e2.offset, buf_str(&compact));
	CHECK(same_tree(a, b), "compact output parses to a different tree: %.200s", buf_str(&compact));
	CHECK(size > CJSON_COMPARE_MAX || cJSON_Compare(a, b, 1), "compact output: cJSON_Compare differs");
	cJSON_Delete(b);

	memset(&e2, 0, sizeof(e2));
	b = json_parse(pretty.p, pretty.len, NULL, &e2);
	CHECK(b != NULL, "pretty output does not parse back: %s at %zu", e2.msg, e2.offset);
	CHECK(same_tree(a, b), "pretty output parses to a different tree");
	cJSON_Delete(b);

	buf_free(&pretty);
	buf_free(&compact);
	cJSON_Delete(a);
}

static int load_one(const uint8_t *data, size_t size, unsigned flags)
{
	struct artifact a;
	struct diag d = DIAG_INIT;
	int rc = artifact_load(&a, (const char *)data, size, ARTIFACT_DEFAULT_MAX, flags, &d);

	CHECK(rc >= 0, "artifact_load returned %d (expected 0 or a positive errno)", rc);
	CHECK(rc == diag_errno(&d), "artifact_load returned %d but diag_errno is %d", rc, diag_errno(&d));
	if (rc != 0) {
		CHECK(diag_first(&d) != NULL, "artifact_load failed (%d) without recording an error", rc);
	} else {
		CHECK(d.nerr == 0, "artifact_load succeeded with %zu errors recorded", d.nerr);
		CHECK(a.id && a.id[0], "loaded without an id");
		CHECK(a.version_text && a.version_text[0], "loaded without a version");
		CHECK(a.ns[0], "loaded without a namespace");
		CHECK(a.root && a.manifest, "loaded without a root or manifest");
	}
	for (size_t i = 0; i < d.n; i++)
		CHECK(d.v[i].msg != NULL, "diag item %zu has no message", i);

	/* Folders and files, whether or not the artifact is refused: the
	 * layout never makes a name the tree cannot show. */
	size_t total = 0;
	for (size_t k = 0; k < a.nkinds; k++) {
		const struct art_kind *kd = &a.kinds[k];
		check_stem("kind folder", kd->dir, 0);
		CHECK(kd->first == total, "kind %zu starts at item %zu, expected %zu", k, kd->first, total);
		total += kd->count;
		for (size_t j = 0; j < k; j++)
			CHECK(strcmp(a.kinds[j].dir, kd->dir), "two kinds share the folder \"%.80s\"", kd->dir);
	}
	CHECK(total == a.nitems, "kinds hold %zu items, the artifact has %zu", total, a.nitems);
	for (size_t i = 0; i < a.nitems; i++) {
		const struct art_item *it = &a.items[i];
		CHECK(it->kind < a.nkinds, "item %zu has kind %zu of %zu", i, it->kind, a.nkinds);
		CHECK(it->json != NULL, "item %zu has no JSON", i);
		check_stem(a.kinds[it->kind].key, it->file, 0);
		CHECK(strlen(it->file) + 5 <= 255, "item %zu: \"%s.json\" is longer than 255 bytes", i, it->file);
	}
	/* Stems are unique in their kind (a quadratic check, on small kinds). */
	for (size_t k = 0; k < a.nkinds; k++) {
		const struct art_kind *kd = &a.kinds[k];
		if (kd->count > 256)
			continue;
		for (size_t i = kd->first; i < kd->first + kd->count; i++)
			for (size_t j = kd->first; j < i; j++)
				CHECK(strcmp(a.items[i].file, a.items[j].file), "%s: two items named \"%.80s\"", kd->key,
				      a.items[i].file);
	}
	for (size_t s = 0; s < a.nseeds && rc == 0; s++)
		for (size_t r = 0; r < a.seeds[s].nrecords; r++)
			check_stem("record key", a.seeds[s].keys[r], 1);
	for (size_t o = 0; o < a.nobjects; o++)
		CHECK(a.objects[o].item < a.nitems, "object %zu points at item %zu of %zu", o, a.objects[o].item,
		      a.nitems);
	for (size_t x = 0; x < a.nexts; x++)
		CHECK(a.exts[x].item < a.nitems, "extension %zu points at item %zu of %zu", x, a.exts[x].item,
		      a.nitems);

	if (rc == 0) {
		CHECK(artifact_render(&a) == 0, "artifact_render failed");
		CHECK(a.manifest_body && a.manifest_len, "no manifest.json after artifact_render");
		for (size_t i = 0; i < a.nitems; i++) {
			const struct art_item *it = &a.items[i];
			CHECK(it->body && it->body_len == strlen(it->body), "item %zu: bad body after render", i);
			struct json_error e;
			cJSON *v = json_parse(it->body, it->body_len, NULL, &e);
			CHECK(v != NULL, "item %s/%s.json is not valid JSON: %s", a.kinds[it->kind].dir, it->file, e.msg);
			CHECK(same_tree(v, it->json), "item %s/%s.json does not read back as its definition",
			      a.kinds[it->kind].dir, it->file);
			cJSON_Delete(v);
		}
		char label[NAME_MAX_ID + 300];
		artifact_label(&a, label, sizeof(label));
		CHECK(strlen(label) <= 255, "package folder \"%.80s...\" is longer than 255 bytes", label);
		CHECK(!strchr(label, '/'), "package folder \"%s\" contains '/'", label);
	}
	artifact_free(&a);
	diag_free(&d);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_json_roundtrip(data, size);
	int rc = load_one(data, size, 0);
	if (size & 1) {
		int rs = load_one(data, size, ARTIFACT_SYSTEM);
		/* Rule 4 only adds errors: what loads as a user package loads
		 * as a system one. */
		CHECK(rc != 0 || rs == 0, "loads without ARTIFACT_SYSTEM but fails with it (%d)", rs);
	}
	return 0;
}
