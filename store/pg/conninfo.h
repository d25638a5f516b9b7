/* conninfo: which -o store= values are PostgreSQL connection strings, and
 * the checks on them (docs/scale-out.md, "Selecting the backend at run
 * time", "Passwords").  Needs no libpq header, so that the code choosing a
 * backend may include it. */
#ifndef OSFS_STORE_PG_CONNINFO_H
#define OSFS_STORE_PG_CONNINFO_H

#include <stddef.h>

/* 1 if s is a libpq connection string: it starts with postgresql:// or
 * postgres://, or its first word is a key=value pair (host=... dbname=...).
 * Anything else (a path: /var/lib/osfs/store.db, ./a=b.db) is SQLite's. */
int pg_is_conninfo(const char *s);

/* Checks the string libpq would be given: it parses, and it holds no
 * password (refused with docs/scale-out.md's sentence).  Returns 0, or
 * -EINVAL with a sentence in err. */
int pg_check_conninfo(const char *s, char *err, size_t errlen);

/* A passfile must be a regular file owned by the daemon's user with no
 * group or other bits (like ssh's keys: a password readable by others is
 * no secret).  what names where it came from in the sentence
 * ("-o store_passfile").  Returns 0, or -errno with a sentence in err. */
int pg_check_passfile(const char *path, const char *what, char *err, size_t errlen);

#endif
