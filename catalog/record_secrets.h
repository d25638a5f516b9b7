/* record_secrets: password and secret values kept apart from the record
 * (SPEC section 13: never shown in clear; docs/records.md "Passwords and
 * secrets").  A record's body, what data/<object>/<key>.json reads back
 * and what its size is computed from, holds the mask RECORD_MASK in their
 * place; the values are in the store's secrets (store/records.h), in the
 * same transaction as the body.  The mask written back means "unchanged".
 */
#ifndef OSFS_RECORD_SECRETS_H
#define OSFS_RECORD_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "store/db.h"

struct record_secret {
	char *field;
	char *value;         /* NULL: the field is unset, its value forgotten */
};

struct record_secrets {
	struct record_secret *v;
	size_t n, cap;
};

#define RECORD_SECRETS_INIT { NULL, 0, 0 }

/* Takes the values of def's password and secret fields out of rec, the
 * mask left in their place.  A field holding the mask keeps its stored
 * value (it is not in s); one left out or null is forgotten, unless
 * keep_absent (a seed merged over a stored record, whose fields it does
 * not name stay).  A value that is no string (a seed's) is kept as its
 * JSON text.  0 or -ENOMEM. */
int record_secrets_take(const cJSON *def, cJSON *rec, int keep_absent, struct record_secrets *s);

/* 1 if def has a password or secret field, else 0: a record of an
 * object without any needs no record_secrets_take(). */
int record_secrets_any(const cJSON *def);

/* 1 if s holds a value the store does not have for record key (escaped,
 * as stored) of tbl, or forgets one it has; 0 if not; -errno. */
int record_secrets_differ(struct db *db, int64_t tbl, const char *key, const struct record_secrets *s);

/* Stores s for record key of tbl.  Inside the write transaction. */
int record_secrets_store(struct db *db, int64_t tbl, const char *key, const struct record_secrets *s);

void record_secrets_free(struct record_secrets *s);

#endif
