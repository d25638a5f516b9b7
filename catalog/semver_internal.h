/* Internal to the semver module: what versions (semver.c) and ranges
 * (semver_range.c) share. */
#ifndef OSFS_SEMVER_INTERNAL_H
#define OSFS_SEMVER_INTERNAL_H

#include <stddef.h>

#include "catalog/semver.h"

/* <0, 0 or >0 as a < b, a == b or a > b. */
#define SEMVER_CMP(a, b) (((a) > (b)) - ((a) < (b)))

/* Character classes of node-semver's regexes: \d, [a-zA-Z-] and
 * [a-zA-Z0-9-] (semver.c). */
int semver_is_digit(int c);
int semver_is_alhy(int c);
int semver_is_ldn(int c);

/* A growable, always NUL-terminated string with a sticky ENOMEM. */
struct sb { char *p; size_t n, cap; int err; };

/* Trims s and turns each run of (JavaScript) whitespace into one space,
 * like npm's range.trim().replace(/\s+/g, ' ') (semver_range.c). */
void semver_normalize(const char *s, struct sb *o);

/* Exactly "M.m.p[-pre][+build]" over s[0..n), at most SEMVER_MAX_LENGTH
 * long: 0, or -1 with *v all zero (semver.c). */
int semver_parse_core(const char *s, size_t n, struct semver *v);

#endif
