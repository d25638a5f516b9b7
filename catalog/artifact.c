/* artifact: load an artifact, check its manifest, and lay out its kinds
 * and items (the files of packages/<id>@<version>/).
 *
 * Layout rules (docs/tree.md):
 *  - every top-level array becomes a <kind>/ folder with one file per
 *    element; "sharingRules" is shown as sharing/; "translations" holds
 *    {locale: bundle} objects and becomes translations/<locale>.json;
 *  - every top-level object (such as "functions") becomes a folder with
 *    one file per member, named by the member's key;
 *  - scalars (such as "runtimeModule") stay in objectstack.json only;
 *  - an element is named by its "name"; one without a name is named by
 *    what it is about ("object" for seeds, "extend" for extensions, the
 *    object a view lists), else by its 1-based position; a derived name
 *    already taken in the folder gets "-<position>" appended.
 */
#include "catalog/artifact.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "catalog/artifact_internal.h"
#include "catalog/json_parse.h"
#include "catalog/json_print.h"
#include "catalog/names.h"
#include "catalog/strset.h"

const char *artifact_label(const struct artifact *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s@%s", a->id ? a->id : "(no id)",
		 a->version_text ? a->version_text : "(no version)");
	return buf;
}

const char *artifact_type_name(const cJSON *v)
{
	if (!v)
		return "missing";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "an array";
	return "an object";
}

/* manifest.<key> must be a string if present; returns it or NULL. */
static const char *manifest_string(const struct artifact *a, const char *key, struct diag *d)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(a->manifest, key);
	if (!v)
		return NULL;
	if (!cJSON_IsString(v)) {
		diag_add(d, EINVAL, "manifest.%s must be a string, not %s", key, artifact_type_name(v));
		return NULL;
	}
	return v->valuestring;
}

static void check_id(struct artifact *a, struct diag *d)
{
	const char *id = manifest_string(a, "id", d);
	if (!cJSON_GetObjectItemCaseSensitive(a->manifest, "id")) {
		diag_add(d, EINVAL, "the manifest has no \"id\": add a reverse-DNS id such as \"com.acme.crm\"");
		return;
	}
	if (!id)
		return;
	if (strlen(id) > NAME_MAX_ID) {
		diag_add(d, EINVAL, "manifest id is %zu characters long; ids are at most %d", strlen(id), NAME_MAX_ID);
		return;
	}
	if (!name_is_pkg_id(id)) {
		diag_add(d, EINVAL,
			 "manifest id \"%s\" is not a reverse-DNS id: use lowercase segments of letters, digits and '-', "
			 "separated by dots, such as \"com.acme.crm\"", id);
		return;
	}
	a->id = id;
}

static void check_version(struct artifact *a, struct diag *d)
{
	const char *v = manifest_string(a, "version", d);
	if (!cJSON_GetObjectItemCaseSensitive(a->manifest, "version")) {
		diag_add(d, EINVAL, "the manifest has no \"version\": add a SemVer 2.0.0 version such as \"1.0.0\"");
		return;
	}
	if (!v)
		return;
	if (semver_parse(v, SEMVER_STRICT, &a->version) < 0) {
		diag_add(d, EINVAL,
			 "manifest version \"%.80s\" is not a SemVer 2.0.0 version: use MAJOR.MINOR.PATCH with an "
			 "optional -prerelease and +build, such as \"1.0.0\" or \"2.1.0-rc.1\"", v);
		return;
	}
	a->version_text = v;
	if (a->id && strlen(a->id) + 1 + strlen(v) > 255)
		diag_add(d, EINVAL, "\"%s@%s\" is longer than a file name can be (255 bytes)", a->id, v);
}

static void check_namespace(struct artifact *a, struct diag *d)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(a->manifest, "namespace");
	const char *ns = manifest_string(a, "namespace", d);
	if (v && !ns)
		return;
	if (ns) {
		if (!name_is_namespace(ns)) {
			diag_add(d, EINVAL,
				 "manifest namespace \"%.80s\" is not valid: it must be 2-20 characters of a-z, 0-9 and '_', "
				 "starting with a letter (^[a-z][a-z0-9_]{1,19}$)", ns);
			return;
		}
		snprintf(a->ns, sizeof(a->ns), "%s", ns);
		return;
	}
	if (!a->id)
		return;
	char def[NAME_MAX_ID + 1];
	if (name_default_namespace(a->id, def, sizeof(def)) < 0 || !name_is_namespace(def)) {
		diag_add(d, EINVAL,
			 "the manifest has no namespace, and the one derived from the id (\"%.40s\") is not valid: "
			 "set manifest.namespace (^[a-z][a-z0-9_]{1,19}$)", def);
		return;
	}
	memcpy(a->ns, def, strlen(def) + 1); /* name_is_namespace() bounds it to 20 */
}

static void check_dependencies(struct artifact *a, struct diag *d)
{
	const cJSON *deps = cJSON_GetObjectItemCaseSensitive(a->manifest, "dependencies");
	if (!deps)
		return;
	if (!cJSON_IsObject(deps)) {
		diag_add(d, EINVAL, "manifest.dependencies must be an object mapping package ids to semver ranges, "
			 "not %s", artifact_type_name(deps));
		return;
	}
	size_t n = (size_t)cJSON_GetArraySize(deps);
	a->deps = calloc(n ? n : 1, sizeof(*a->deps));
	if (!a->deps) {
		diag_add(d, ENOMEM, "out of memory");
		return;
	}
	for (const cJSON *m = deps->child; m; m = m->next) {
		char err[160] = "";
		if (!name_is_pkg_id(m->string)) {
			diag_add(d, EINVAL, "dependency \"%.80s\" is not a package id (reverse-DNS, such as com.acme.crm)",
				 m->string);
			continue;
		}
		if (a->id && !strcmp(m->string, a->id)) {
			diag_add(d, EINVAL, "%s depends on itself: remove it from manifest.dependencies", a->id);
			continue;
		}
		if (!cJSON_IsString(m)) {
			diag_add(d, EINVAL, "dependency %s: the range must be a string, not %s", m->string, artifact_type_name(m));
			continue;
		}
		struct semver_range *r = semver_range_parse(m->valuestring, err, sizeof(err));
		if (!r) {
			diag_add(d, EINVAL, "dependency %s: \"%.80s\" is not a valid semver range (%s)", m->string,
				 m->valuestring, err);
			continue;
		}
		a->deps[a->ndeps++] = (struct art_dep){ m->string, m->valuestring, r };
	}
}

static void check_manifest(struct artifact *a, struct diag *d)
{
	static const char *strings[] = { "name", "description", "type", "scope", "defaultDatasource" };
	check_id(a, d);
	check_version(a, d);
	check_namespace(a, d);
	check_dependencies(a, d);
	for (size_t i = 0; i < sizeof(strings) / sizeof(*strings); i++)
		manifest_string(a, strings[i], d);
}

static void check_reserved(struct artifact *a, struct diag *d)
{
	if (a->id && name_id_reserved(a->id))
		diag_add(d, EPERM, "package ids starting with \"sys.\" belong to the system packages: choose another id "
			 "than %s", a->id);
	if (a->ns[0] && name_ns_reserved(a->ns))
		diag_add(d, EPERM, "namespace \"%s\" is reserved for the system packages: choose another namespace", a->ns);
	const cJSON *objs = cJSON_GetObjectItemCaseSensitive(a->root, "objects");
	for (const cJSON *el = cJSON_IsArray(objs) ? objs->child : NULL; el; el = el->next) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(el, "name");
		if (cJSON_IsString(nm) && name_object_reserved(nm->valuestring))
			diag_add(d, EPERM, "object \"%.80s\": names starting with \"sys_\" belong to the system packages; "
				 "name it \"%s_%.80s\"", nm->valuestring, a->ns[0] ? a->ns : "<namespace>",
				 nm->valuestring + 4);
	}
}

static int parse_json(struct artifact *a, struct diag *d)
{
	struct json_error e;
	if (a->len == 0) {
		diag_add(d, EINVAL, "the file is empty: expected a compiled artifact (a JSON object with a \"manifest\")");
		return -1;
	}
	a->root = json_parse_arena(a->bytes, a->len, NULL, &e, &a->arena);
	if (!a->root) {
		diag_add(d, e.err, "not valid JSON: line %u, column %u: %s", e.line, e.col, e.msg);
		return -1;
	}
	if (!cJSON_IsObject(a->root)) {
		diag_add(d, EINVAL, "the top level must be a JSON object with a \"manifest\", not %s", artifact_type_name(a->root));
		return -1;
	}
	a->manifest = cJSON_GetObjectItemCaseSensitive(a->root, "manifest");
	if (!cJSON_IsObject(a->manifest)) {
		diag_add(d, EINVAL, a->manifest ? "\"manifest\" must be an object, not %s"
				 : "there is no \"manifest\" object: is this a compiled artifact (dist/objectstack.json)?",
			 artifact_type_name(a->manifest));
		return -1;
	}
	return 0;
}

/* Bytes of indentation in v's pretty form, whose lines are at depth. */
static size_t indent_bytes(const cJSON *v, size_t depth)
{
	size_t n = 0;
	for (const cJSON *c = v->child; c; c = c->next)
		n += 2 * (depth + 1) + indent_bytes(c, depth + 1);
	return v->child ? n + 2 * depth : 0;
}

/* The files are pretty JSON, every line indented by its depth: 1 MB of
 * arrays nested 120 deep would render to 96 MB.  Real artifacts render to
 * about their own size. */
static void check_render_size(struct artifact *a, struct diag *d)
{
	size_t total = indent_bytes(a->manifest, 0), limit = RENDER_FACTOR * a->len + ((size_t)1 << 20);
	for (size_t i = 0; i < a->nitems && total <= limit; i++)
		total += indent_bytes(a->items[i].json, 0);
	if (total > limit)
		diag_add(d, EFBIG, "the files of this artifact would take more than %zu MB once indented (it nests too "
			 "deeply for its size): nest it less deeply", limit >> 20);
}

int artifact_load(struct artifact *a, const char *bytes, size_t len, size_t max_size, unsigned flags,
		  struct diag *d)
{
	memset(a, 0, sizeof(*a));
	a->bytes = bytes;
	a->len = len;
	if (len > max_size) {
		diag_add(d, EFBIG, "the file is %zu bytes; the limit is %zu (option max_artifact)", len, max_size);
		return EFBIG;
	}
	a->xxh3 = XXH3_64bits(bytes, len);
	if (parse_json(a, d) < 0)
		return diag_errno(d);
	check_manifest(a, d);
	if (!(flags & ARTIFACT_SYSTEM))
		check_reserved(a, d);
	artifact_check_naming(a, d);
	if (artifact_layout(a, d) == 0) {
		artifact_check_defs(a, d);
		check_render_size(a, d);
	}
	return diag_errno(d);
}

int artifact_render(struct artifact *a)
{
	struct buf b = BUF_INIT;
	if (json_print_pretty(a->manifest, &b) < 0)
		goto oom;
	free(a->manifest_body);
	a->manifest_body = buf_detach(&b, &a->manifest_len);
	for (size_t i = 0; i < a->nitems; i++) {
		struct art_item *it = &a->items[i];
		if (it->body)
			continue;
		if (json_print_pretty(it->json, &b) < 0)
			goto oom;
		it->body = buf_detach(&b, &it->body_len);
	}
	return 0;
oom:
	buf_free(&b);
	return -ENOMEM;
}

int artifact_usable(const struct artifact *a)
{
	return a->root && a->id && a->version_text && a->ns[0];
}

const struct art_object *artifact_object(const struct artifact *a, const char *name)
{
	size_t i;
	return strset_get(&a->object_index, name, &i) ? &a->objects[i] : NULL;
}

void artifact_free(struct artifact *a)
{
	for (size_t i = 0; i < a->ndeps; i++)
		semver_range_free(a->deps[i].range);
	free(a->deps);
	for (size_t i = 0; i < a->nkinds; i++)
		free(a->kinds[i].dir);
	free(a->kinds);
	for (size_t i = 0; i < a->nitems; i++) {
		free(a->items[i].file);
		free(a->items[i].body);
	}
	free(a->items);
	free(a->objects);
	strset_free(&a->object_index);
	free(a->exts);
	for (size_t i = 0; i < a->nseeds; i++) {
		free(a->seeds[i].extid);
		for (size_t j = 0; j < a->seeds[i].nrecords; j++)
			free(a->seeds[i].keys[j]);
		free(a->seeds[i].keys);
	}
	free(a->seeds);
	free(a->manifest_body);
	semver_free(&a->version);
	json_arena_free(a->arena);
	memset(a, 0, sizeof(*a));
}
