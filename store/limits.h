/* limits: the longest names the store's row structs hold.  The store
 * defines them itself, so that it needs nothing from catalog/; catalog/
 * checks at compile time that its own limits (NAME_MAX_ID,
 * SEMVER_MAX_LENGTH) are the same (catalog/artifact_rows.c). */
#ifndef OSFS_STORE_LIMITS_H
#define OSFS_STORE_LIMITS_H

/* Longest package id (npm's limit for package names). */
#define STORE_PKG_MAX 214
/* Longest version text. */
#define STORE_VERSION_MAX 256

#endif
