/* pq_shim: libpq loaded with dlopen() when a PostgreSQL store is opened.
 *
 * Linking libpq made every daemon, SQLite stores included, map libpq and
 * what it pulls in (TLS, Kerberos, LDAP: some 15 shared objects) and run
 * their constructors, undoing what loading libcurl lazily saved
 * (docs/performance.md, "Memory").  So osfs is not linked with libpq: this
 * file defines the libpq functions store/pg/ calls, each forwarding to the
 * library's own, found by pq_shim_load() with dlopen()/dlsym().  The rest
 * of store/pg/ calls libpq by its documented names, type-checked by
 * <libpq-fe.h>.  As with catalog/curl_shim.c, the executable is not linked
 * with -rdynamic, so libpq's calls to its own functions never land here.
 */
#include "store/pg/pg.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpq's soname since PostgreSQL 8.2; the Debian package libpq5. */
#define PQ_SONAME "libpq.so.5"

/* (return type, name, parameters, arguments): every libpq function
 * store/pg/ calls. */
#define PQ_FUNCS(F, V)                                                                                    \
	V(PQclear, (PGresult * res), (res))                                                                 \
	F(int, PQntuples, (const PGresult *res), (res))                                                     \
	F(ExecStatusType, PQresultStatus, (const PGresult *res), (res))                                     \
	F(PGresult *, PQexec, (PGconn * conn, const char *query), (conn, query))                           \
	F(char *, PQerrorMessage, (const PGconn *conn), (conn))                                             \
	F(char *, PQgetvalue, (const PGresult *res, int tup, int field), (res, tup, field))                 \
	V(PQfinish, (PGconn * conn), (conn))                                                                \
	F(char *, PQresultErrorMessage, (const PGresult *res), (res))                                       \
	F(int, PQgetisnull, (const PGresult *res, int tup, int field), (res, tup, field))                   \
	F(ConnStatusType, PQstatus, (const PGconn *conn), (conn))                                           \
	F(PGTransactionStatusType, PQtransactionStatus, (const PGconn *conn), (conn))                       \
	F(char *, PQresultErrorField, (const PGresult *res, int code), (res, code))                         \
	F(int, PQgetlength, (const PGresult *res, int tup, int field), (res, tup, field))                   \
	V(PQfreemem, (void *ptr), (ptr))                                                                    \
	V(PQconninfoFree, (PQconninfoOption * opts), (opts))                                                \
	F(PQconninfoOption *, PQconninfoParse, (const char *conninfo, char **errmsg), (conninfo, errmsg))   \
	F(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn * conn, PQnoticeProcessor proc, void *arg),     \
	  (conn, proc, arg))                                                                                \
	F(PGresult *, PQprepare,                                                                            \
	  (PGconn * conn, const char *name, const char *query, int n, const Oid *types),                    \
	  (conn, name, query, n, types))                                                                    \
	F(int, PQlibVersion, (void), ())                                                                    \
	F(PGresult *, PQexecPrepared,                                                                       \
	  (PGconn * conn, const char *name, int n, const char *const *vals, const int *lens,                \
	   const int *fmts, int rfmt),                                                                      \
	  (conn, name, n, vals, lens, fmts, rfmt))                                                          \
	F(PGresult *, PQexecParams,                                                                         \
	  (PGconn * conn, const char *cmd, int n, const Oid *types, const char *const *vals,               \
	   const int *lens, const int *fmts, int rfmt),                                                     \
	  (conn, cmd, n, types, vals, lens, fmts, rfmt))                                                    \
	F(char *, PQescapeIdentifier, (PGconn * conn, const char *str, size_t len), (conn, str, len))      \
	F(PGconn *, PQconnectdbParams, (const char *const *keys, const char *const *vals, int expand),     \
	  (keys, vals, expand))                                                                             \
	F(PGconn *, PQconnectdb, (const char *conninfo), (conninfo))                                        \
	F(char *, PQcmdTuples, (PGresult * res), (res))                                                     \
	F(char *, PQcmdStatus, (PGresult * res), (res))                                                     \
	F(int, PQsetnonblocking, (PGconn * conn, int arg), (conn, arg))                                     \
	F(int, PQsocket, (const PGconn *conn), (conn))                                                      \
	F(int, PQconsumeInput, (PGconn * conn), (conn))                                                     \
	F(PGnotify *, PQnotifies, (PGconn * conn), (conn))                                                  \
	F(PGresult *, PQgetResult, (PGconn * conn), (conn))                                                 \
	F(int, PQsendQuery, (PGconn * conn, const char *query), (conn, query))                              \
	F(int, PQisBusy, (PGconn * conn), (conn))                                                           \
	F(PGcancel *, PQgetCancel, (PGconn * conn), (conn))                                                 \
	F(int, PQcancel, (PGcancel * cancel, char *errbuf, int errbufsize), (cancel, errbuf, errbufsize))   \
	V(PQfreeCancel, (PGcancel * cancel), (cancel))

static struct {
#define FIELD(ret, name, params, args) ret(*name) params;
#define VFIELD(name, params, args) void(*name) params;
	PQ_FUNCS(FIELD, VFIELD)
#undef FIELD
#undef VFIELD
} api;

static void *lib;
static char load_err[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym() gives a void *; a function pointer is assigned through memcpy
 * of the same size, which ISO C allows where the cast would not. */
static int resolve(void *field, size_t size, const char *name)
{
	void *sym = dlsym(lib, name);
	if (!sym || size != sizeof(sym)) {
		snprintf(load_err, sizeof(load_err), "%s lacks %s", PQ_SONAME, name);
		return -1;
	}
	memcpy(field, &sym, sizeof(sym));
	return 0;
}

static void load(void)
{
	if (!(lib = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL))) {
		const char *e = dlerror();
		snprintf(load_err, sizeof(load_err), "%s", e ? e : PQ_SONAME " not found");
		return;
	}
#define LOADF(ret, name, params, args) \
	if (resolve(&api.name, sizeof(api.name), #name)) \
		goto fail;
#define LOADV(name, params, args) LOADF(void, name, params, args)
	PQ_FUNCS(LOADF, LOADV)
#undef LOADF
#undef LOADV
	return;
fail:
	dlclose(lib);
	lib = NULL;
	memset(&api, 0, sizeof(api));
}

int pq_shim_load(char *err, size_t errlen)
{
	pthread_once(&once, load);
	if (lib)
		return 0;
	snprintf(err, errlen, "cannot load libpq, which a PostgreSQL store needs: %s (install it: Debian package libpq5)",
		 load_err);
	return -ELIBACC;
}

/* Every entry point loads the library first: store/pg/ opens a store (and
 * so checks the load, with a sentence) before anything else, so a failure
 * here is a call that bypassed it. */
static void need(void)
{
	pthread_once(&once, load);
	if (!lib) {
		fprintf(stderr, "osfs: cannot load libpq: %s\n", load_err);
		abort();
	}
}

#define DEFF(ret, name, params, args) \
	ret name params                  \
	{                                \
		need();                  \
		return api.name args;    \
	}
#define DEFV(name, params, args) \
	void name params         \
	{                        \
		need();          \
		api.name args;   \
	}
PQ_FUNCS(DEFF, DEFV)
#undef DEFF
#undef DEFV
