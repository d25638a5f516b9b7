/* curl_shim: libcurl loaded with dlopen() when it is first needed.
 *
 * Only the remote catalog (-o catalog=, osfsctl cloud/publish) speaks
 * HTTP, yet linking libcurl made every daemon load 30 shared objects
 * (TLS, Kerberos, LDAP, SSH, ...) and run their constructors: 5 MB of the
 * daemon's RSS and most of its start-up time (docs/performance.md,
 * "Memory" and "Mount-ready").  So osfs is not linked with libcurl: this
 * file defines the few libcurl functions catalog/http.c calls, each
 * forwarding to the library's own, which curl_shim_load() finds with
 * dlopen()/dlsym().  http.c keeps calling libcurl by its documented names,
 * with <curl/curl.h>'s compile-time type checks.
 *
 * The executable is not linked with -rdynamic, so these definitions are
 * not exported: libcurl's calls to its own functions never land here. */
#include "catalog/curl_shim.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The soname of libcurl's ABI since 7.16; the Debian package libcurl4. */
#define CURL_SONAME "libcurl.so.4"

static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} api;

static void *lib;

/* dlsym() gives a void *; a function pointer is assigned through memcpy
 * of the same size, which ISO C allows where the cast would not. */
#define RESOLVE(field, name)                                                            \
	do {                                                                            \
		void *sym = dlsym(lib, name);                                           \
		if (!sym) {                                                             \
			missing = name;                                                 \
			goto fail;                                                      \
		}                                                                       \
		_Static_assert(sizeof(api.field) == sizeof(sym), "a function pointer"); \
		memcpy(&api.field, &sym, sizeof(sym));                                  \
	} while (0)

int curl_shim_load(char *err, size_t errlen)
{
	const char *missing = NULL;
	if (lib)
		return 0;
	lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char *why = dlerror();
		snprintf(err, errlen, "cannot load libcurl, which the remote catalog needs: %s (install it: Debian "
			 "package libcurl4)", why ? why : CURL_SONAME);
		return -ENOENT;
	}
	RESOLVE(global_init, "curl_global_init");
	RESOLVE(easy_init, "curl_easy_init");
	RESOLVE(easy_cleanup, "curl_easy_cleanup");
	RESOLVE(easy_perform, "curl_easy_perform");
	RESOLVE(easy_setopt, "curl_easy_setopt");
	RESOLVE(easy_getinfo, "curl_easy_getinfo");
	RESOLVE(easy_strerror, "curl_easy_strerror");
	RESOLVE(slist_append, "curl_slist_append");
	RESOLVE(slist_free_all, "curl_slist_free_all");
	return 0;
fail:
	snprintf(err, errlen, "the libcurl found (%s) has no %s: it is too old for the remote catalog", CURL_SONAME,
		 missing);
	dlclose(lib);
	lib = NULL;
	memset(&api, 0, sizeof(api));
	return -ENOENT;
}

/* ------------------------------------------------------------ forwarders */

/* Before curl_shim_load() succeeded, each fails as libcurl does when it
 * cannot start (http.c never calls them before http_init() succeeded). */

CURLcode curl_global_init(long flags)
{
	return lib ? api.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
	return lib ? api.easy_init() : NULL;
}

void curl_easy_cleanup(CURL *c)
{
	if (lib)
		api.easy_cleanup(c);
}

CURLcode curl_easy_perform(CURL *c)
{
	return lib ? api.easy_perform(c) : CURLE_FAILED_INIT;
}

/* The value's type follows from the option's number, libcurl's own rule
 * (CURLOPTTYPE_*): read it as that type and pass it on as that type. */
#undef curl_easy_setopt
CURLcode curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	if (!lib)
		return CURLE_FAILED_INIT;
	va_list ap;
	CURLcode rc;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = api.easy_setopt(c, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		rc = api.easy_setopt(c, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = api.easy_setopt(c, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = api.easy_setopt(c, opt, va_arg(ap, curl_off_t));
	else
		rc = api.easy_setopt(c, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* Every CURLINFO_* takes one pointer to where the answer goes. */
#undef curl_easy_getinfo
CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	if (!lib)
		return CURLE_FAILED_INIT;
	va_list ap;
	va_start(ap, info);
	CURLcode rc = api.easy_getinfo(c, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

const char *curl_easy_strerror(CURLcode cc)
{
	return lib ? api.easy_strerror(cc) : "libcurl is not loaded";
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
	return lib ? api.slist_append(l, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *l)
{
	if (lib)
		api.slist_free_all(l);
}
