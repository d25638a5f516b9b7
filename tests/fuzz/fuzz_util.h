/* fuzz_util: what the fuzz targets share.  Define FUZZ_NAME (the target's
 * name, a string literal) before including it. */
#ifndef OSFS_FUZZ_UTIL_H
#define OSFS_FUZZ_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Stops the run: libFuzzer saves the input that led here. */
__attribute__((noreturn, format(printf, 1, 2)))
static inline void violated(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(FUZZ_NAME ": invariant violated: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			violated(__VA_ARGS__); \
	} while (0)

#endif
