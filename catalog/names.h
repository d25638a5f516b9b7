/* names: the naming rules of SPEC sections 3-5, and the escaping that
 * turns any name or record key into exactly one safe file name and back.
 */
#ifndef OSFS_NAMES_H
#define OSFS_NAMES_H

#include <stddef.h>

#include "lib/buf.h"

/* Longest package id (npm's limit for package names). */
#define NAME_MAX_ID 214
/* Longest escaped name that still fits NAME_MAX with ".json" appended. */
#define NAME_MAX_STEM 250

/* ^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$ and at most NAME_MAX_ID bytes. */
int name_is_pkg_id(const char *s);
/* ^[a-z][a-z0-9_]{1,19}$ */
int name_is_namespace(const char *s);
/* ^[a-z_][a-z0-9_]*$ (the upstream schema's snake_case for fields), at
 * most NAME_MAX_STEM bytes. */
int name_is_snake(const char *s);
/* <namespace>_<short>: snake_case, starts with ns "_", short non-empty. */
int name_is_object(const char *s, const char *ns);
/* ^[a-z0-9][a-z0-9_-]{0,62}$ */
int name_is_tenant(const char *s);
/* 1 if the package id, namespace or object name is reserved for the
 * system packages (SPEC 4, rule 4). */
int name_id_reserved(const char *id);
int name_ns_reserved(const char *ns);
int name_object_reserved(const char *name);

/* The namespace of a manifest that has none: the id's last segment,
 * lowercased, every byte outside [a-z0-9_] replaced by '_'. */
int name_default_namespace(const char *id, char *out, size_t outlen);

/* A snake_case suggestion for a bad name, with prefix "<ns>_" unless ns is
 * NULL or the name already has it: "AccountName" -> "crm_account_name".
 * For messages only: a very long name gives a suggestion that is still
 * too long to be valid. */
int name_suggest(const char *name, const char *ns, struct buf *out);

/* Escape arbitrary bytes into a file-name stem: '%', '/', ',' and bytes
 * below 0x20 or 0x7f become %XX (upper-case hex), and so does a leading
 * '.'; everything else (UTF-8 included) is kept.  Appends to out. */
int name_escape(const char *s, size_t len, struct buf *out);
/* The inverse; -EINVAL if s is not a valid escaped stem (only the
 * canonical form unescapes). */
int name_unescape(const char *s, struct buf *out);

#endif
