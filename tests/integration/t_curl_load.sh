#!/usr/bin/env bash
# libcurl is loaded only where a remote catalog is used (issue 15, item 3;
# catalog/curl_shim.c): a daemon without -o catalog= maps none of it (its
# 30 shared objects were 5 MB of every daemon's RSS and most of its
# start-up), one with a catalog does, and where libcurl cannot be loaded
# a catalog mount and osfsctl's catalog commands fail with a sentence
# naming it, while nothing is mounted.
. "$(dirname "$0")/lib.sh"

maps_curl() { grep -c 'libcurl' "/proc/$OSFS_PID/maps"; }

mount_osfs
equal "without -o catalog=, the daemon maps no libcurl" 0 "$(maps_curl)"
# (libpq, loaded for a PostgreSQL store, brings TLS of its own)
[ -n "$PG_DB" ] || equal "... nor any TLS library" 0 "$(grep -cE 'lib(ssl|crypto|gnutls)' "/proc/$OSFS_PID/maps")"
equal "... nor libpq, on a SQLite store" "$([ -n "$PG_DB" ] && echo 1 || echo 0)" "$(grep -c 'libpq' "/proc/$OSFS_PID/maps" | sed 's/^[1-9][0-9]*$/1/')"
check "... and serves the tree" test -d "$MNT/tenants"
unmount_osfs

# A port nobody listens on: the first sync fails, which does not fail the
# mount (a catalog that is offline serves what it cached).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mount_osfs -o "catalog=http://127.0.0.1:$port/"
if [ "$(maps_curl)" -gt 0 ]; then pass "with -o catalog=, the daemon loads libcurl"
else fail "with -o catalog=, the daemon loads libcurl" "$(grep -c . "/proc/$OSFS_PID/maps") mappings, none of libcurl"; fi
check "... and serves catalog/" test -d "$MNT/catalog"
unmount_osfs

# libcurl made unloadable: /dev/null bound over the library file, in a
# mount namespace of this test's own (gone when its commands end).
lib=$(ldconfig -p | awk '$1 == "libcurl.so.4" && /x86-64/ { print $NF; exit }')
lib=$(readlink -f "${lib:-/nonexistent}")
if [ ! -f "$lib" ] || ! command -v unshare >/dev/null || ! unshare -m true 2>/dev/null; then
	echo "# no libcurl.so.4 found or no mount namespaces: the missing-library case is not checked"
else
	hidden() { unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$lib" "$@"; }
	mkdir -p "$MNT"
	hidden "$OSFS" -f -o "store=$WORK/hidden.db,catalog=http://127.0.0.1:$port/" "$MNT" >"$WORK/hidden.out" 2>&1
	equal "libcurl missing: a catalog mount fails (exit code 1)" 1 "$?"
	log_has "$WORK/hidden.out" "osfs: cannot load libcurl, which the remote catalog needs" "... naming libcurl"
	log_has "$WORK/hidden.out" "libcurl4" "... and the package to install"
	check "... mounts nothing" sh -c "! grep -qF ' $MNT ' /proc/mounts"
	check "... and leaves no store behind" test ! -e "$WORK/hidden.db"
	hidden "$OSFSCTL" catalog list --url "http://127.0.0.1:$port/" >"$WORK/ctl.out" 2>&1
	equal "libcurl missing: osfsctl catalog list fails (exit code 1)" 1 "$?"
	log_has "$WORK/ctl.out" "cannot load libcurl, which the remote catalog needs" "... naming libcurl"
	hidden "$OSFS" --version >"$WORK/version.out" 2>&1
	equal "libcurl missing: osfs itself still runs (--version)" 0 "$?"
fi
finish
