/* curl_shim: libcurl, loaded with dlopen() only by what speaks HTTP (the
 * remote catalog), so that a daemon without one maps none of it
 * (curl_shim.c says how). */
#ifndef OSFS_CURL_SHIM_H
#define OSFS_CURL_SHIM_H

#include <stddef.h>

/* Loads libcurl.so.4 and finds the functions catalog/http.c calls; again
 * after a success, it does nothing.  -ENOENT with a sentence in err (what
 * is missing, the package to install) when it cannot.  Once per process,
 * before any thread uses libcurl. */
int curl_shim_load(char *err, size_t errlen);

#endif
