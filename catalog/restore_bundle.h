/* restore_bundle: what `osfsctl restore DIR` hands to the store, in one
 * piece: the artifacts of DIR/install/ with their modes and mtimes, and
 * the records of DIR/data/<object>/ with their mtimes (docs/restore.md).
 *
 * Text header lines, each entry's bytes raw after its line (no escaping,
 * so an artifact or record is carried byte for byte):
 *
 *   osfs-restore 1
 *   source <DIR, for messages>
 *   data <1 if DIR has a data/ folder, else 0>
 *   install <mode, octal> <mtime, ns> <length> <file name>\n<bytes>\n
 *   record <mtime, ns> <length> <object> <file name stem>\n<bytes>\n
 *   end
 *
 * Names are the rest of their line: they may hold spaces, never a newline
 * or a '/'. */
#ifndef OSFS_RESTORE_BUNDLE_H
#define OSFS_RESTORE_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/diag.h"
#include "lib/buf.h"

struct rb_install {
	char *name;          /* its file name in DIR/install/ */
	unsigned mode;
	int64_t mtime;
	const char *bytes;   /* into the bundle */
	size_t len;
};

struct rb_record {
	char *object;        /* DIR/data/<object>/ */
	char *stem;          /* <stem>.json: the escaped key */
	int64_t mtime;
	const char *bytes;
	size_t len;
};

struct restore_bundle {
	char *source;
	int has_data;
	struct rb_install *inst;
	size_t ninst;
	struct rb_record *rec;
	size_t nrec;
};

#define RESTORE_BUNDLE_INIT { NULL, 0, NULL, 0, NULL, 0 }

/* Writing one: begin, then any installs and records, then end.  A name
 * with a newline or a '/' is -EINVAL; else 0 or -ENOMEM (sticky in out). */
int restore_bundle_begin(struct buf *out, const char *source, int has_data);
int restore_bundle_install(struct buf *out, const char *name, unsigned mode, int64_t mtime, const char *bytes,
			   size_t len);
int restore_bundle_record(struct buf *out, const char *object, const char *stem, int64_t mtime, const char *bytes,
			  size_t len);
int restore_bundle_end(struct buf *out);

/* Reads bytes (which must outlive b: entries point into them).  Returns
 * 0, or -EINVAL with a sentence in d saying where the bundle is damaged. */
int restore_bundle_parse(const char *bytes, size_t len, struct restore_bundle *b, struct diag *d);
void restore_bundle_free(struct restore_bundle *b);

#endif
