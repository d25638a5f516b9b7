/* record_check: one record checked against its tenant's merged object
 * (SPEC section 13; docs/records.md).
 *
 * A pure function: it reads the object definition and the stored record
 * and rewrites the new record in place (defaults applied on create, the
 * stored value kept for a read-only or computed field left out, the key
 * filled in from the file name), and it tells the caller what only the
 * store can answer: which referenced records must exist, and which unique
 * values must be free.  The store checks those in the same transaction as
 * the write (store/records_write.c).
 */
#ifndef OSFS_RECORD_CHECK_H
#define OSFS_RECORD_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* What a password or secret field reads back as (and, written back, means
 * "keep the stored value"). */
#define RECORD_MASK "********"

/* A record that must exist: field's value names key of object. */
struct record_ref {
	const char *field;   /* in the object definition */
	const char *object;  /* in the object definition, or the checked object */
	const char *key;     /* in the record */
};

/* A value of a unique field that no other record of the object may hold. */
struct record_unique {
	const char *field;
	const cJSON *value;  /* a string or a number, in the record */
};

struct record_check {
	int err;             /* 0 or a positive errno */
	char msg[512];       /* the sentence, naming object, field and rule */
	struct record_ref *refs;
	size_t nrefs, caprefs;
	struct record_unique *uniq;
	size_t nuniq, capuniq;
	size_t nchanged;     /* fields added, changed or removed */
	int secret;          /* the record holds password/secret values */
};

struct record_check_opts {
	const char *object;  /* its name */
	const cJSON *def;    /* the merged object (objects/<name>.json) */
	const cJSON *old;    /* the stored record; NULL for a new one */
	const char *key;     /* the key its file name says, or NULL */
	int64_t now;         /* ns since the epoch, for NOW() defaults */
};

#define RECORD_CHECK_INIT { 0, "", NULL, 0, 0, NULL, 0, 0, 0, 0 }

/* Checks rec (any JSON value) and completes it in place.  Returns 0 or
 * -errno, the same in out->err (positive) with the sentence in out->msg:
 * EINVAL for a value a field does not take, EACCES for a read-only or
 * computed field given a new value, ENOMEM.  out->refs and out->uniq point
 * into rec, opts->def and opts->old: use them while those live. */
int record_check(const struct record_check_opts *opts, cJSON *rec, struct record_check *out);
void record_check_free(struct record_check *c);

/* The kind checks alone, for one value of one field (not null): 0 or
 * -EINVAL with the rule in msg.  Exposed for the unit tests. */
int record_check_value(const cJSON *field, const char *type, const cJSON *v, char *msg, size_t len);

/* The key a record carries: its "id", else its externalId field(s) joined
 * by ','.  Returns 1 and the key in out, 0 if it carries none, -ENAMETOOLONG. */
int record_key_of(const cJSON *def, const cJSON *rec, char *out, size_t len);

#endif
