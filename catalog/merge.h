/* merge: an object with the extensions other packages add to it, as shown
 * in objects/<name>.json.
 *
 * Extensions apply in their merge order (lowest priority first, so the
 * highest priority wins).  Each extension's "fields" are added to the
 * object's, a field the object already has getting the extension's
 * properties over its own; its other array members (validations, indexes,
 * ...) are appended, its other object members are merged key by key, and
 * its other scalars replace the object's.  "extend", "priority", "name" and
 * "label" describe the extension itself and are not merged.
 */
#ifndef OSFS_MERGE_H
#define OSFS_MERGE_H

#include <stddef.h>

#include "lib/buf.h"

/* Merges pretty-JSON bodies; the result (pretty JSON) goes to out.
 * Returns 0, -EINVAL if a body is not a JSON object, or -ENOMEM. */
int merge_object(const char *base, size_t base_len, char *const *exts, const size_t *ext_len, size_t n,
		 struct buf *out);

/* Shallow merge of record `update` over the record body `old` (both
 * JSON objects), for the seed modes update and upsert. */
int merge_record(const char *old, size_t old_len, const void *update_json, struct buf *out);

#endif
