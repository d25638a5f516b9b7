/* dispatch: the public functions of the store, each a call through the
 * table of the engine that opened the store (store/backend.h), and
 * store_open(), which picks that engine from the store string.
 */
#include "store/backend.h"
#include "store/backup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The engine a struct store or struct db belongs to. */
#define BE(x) (((const struct store_hdr *)(const void *)(x))->be)
#define FIRST(...) FIRST_(__VA_ARGS__, 0)
#define FIRST_(a, ...) a

#define OP(ret, op, params, args) \
	ret op params { return BE(FIRST args)->op args; }
/* A NULL store or connection is a no-op, as free(NULL) is. */
#define VOP(op, params, args) \
	void op params { if (FIRST args) BE(FIRST args)->op args; }
#include "store/ops.def"
#undef OP
#undef VOP

int store_is_pg(const char *where)
{
	if (!strncmp(where, "postgresql://", 13) || !strncmp(where, "postgres://", 11))
		return 1;
	/* libpq's key=value form starts with one of its keywords: a SQLite
	 * file named like that is written "./host=..." */
	static const char *const keys[] = { "host", "hostaddr", "port", "dbname", "user", "service",
					    "sslmode", "connect_timeout", "application_name",
					    "target_session_attrs", "options", "passfile" };
	size_t word = strspn(where, "abcdefghijklmnopqrstuvwxyz_");
	if (where[word] != '=')
		return 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == word && !strncmp(where, keys[i], word))
			return 1;
	return 0;
}

int store_open_pass(struct store **out, const char *where, const char *passfile, int readonly, char *err,
		    size_t errlen)
{
	*out = NULL;
	if (store_is_pg(where))
		return pg_store_open_with(out, where, passfile, readonly, err, errlen);
	if (passfile) {
		snprintf(err, errlen, "store_passfile= is for a PostgreSQL store; %s is a SQLite file, which has no password",
			 where);
		return -EINVAL;
	}
	return sq_store_open(out, where, readonly, err, errlen);
}

int store_set_read(struct store *st, const char *where, const char *passfile, char *err, size_t errlen)
{
	if (BE(st) != &pg_backend || !store_is_pg(where)) {
		snprintf(err, errlen, "store_read= names a PostgreSQL hot standby of a PostgreSQL store (-o store=postgresql://...)");
		return -EINVAL;
	}
	return pg_store_set_standby(st, where, passfile, err, errlen);
}

int store_open(struct store **out, const char *where, int readonly, char *err, size_t errlen)
{
	return store_open_pass(out, where, NULL, readonly, err, errlen);
}

const char *store_engine_version(void)
{
	static char v[96];
	if (!v[0])
		snprintf(v, sizeof(v), "%s; %s", sq_engine_version(), pg_store_engine_version());
	return v;
}

int store_backup(const char *src, const char *dst, char *err, size_t errlen)
{
	if (store_is_pg(src))
		return pg_store_backup(src, dst, err, errlen);
	return sq_store_backup(src, dst, err, errlen);
}

int store_restore(const char *src, const char *dst, char *err, size_t errlen)
{
	if (store_is_pg(src)) {
		snprintf(err, errlen, "%s is a PostgreSQL store, not a backup file: a whole-store restore reads the file "
			 "osfsctl backup wrote", src);
		return -EINVAL;
	}
	if (store_is_pg(dst))
		return pg_store_restore(src, dst, err, errlen);
	return sq_store_backup(src, dst, err, errlen);
}
