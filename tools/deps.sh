#!/usr/bin/env bash
# The Debian 12 packages osfs needs to build and to run `make test` (and
# the sanitizer, valgrind and fuzz runs of .ci/run), listed once: used by
# .ci/run, tools/demo.sh and `make deps`.
#   tools/deps.sh           install the missing ones (apt-get update, then install -y)
#   tools/deps.sh --list    print the list
#   tools/deps.sh --missing print those not installed
#   tools/deps.sh --all     apt-get update and install -y every one (CI)
# Runs apt-get through sudo unless run as root; never asks a question
# (DEBIAN_FRONTEND=noninteractive, -y), so it works with no stdin, as in CI.
set -euo pipefail

packages=(
	# build
	build-essential pkg-config libfuse3-dev fuse3 libsqlite3-dev libcjson-dev libcurl4-openssl-dev
	libxxhash-dev xxhash
	# make test: unit tests, and the real tools the integration tests drive
	check rsync attr acl sqlite3 perl util-linux tar python3 vim ed restic borgbackup nginx
	# the PostgreSQL backend: libpq to build, a server for make unit-pg and make test-pg
	libpq-dev postgresql-15
	# make install's man pages are checked by rendering them
	man-db groff-base
	# make check-san, make valgrind, make fuzz
	valgrind clang libclang-rt-14-dev
	# make bench: the same tree in a kernel squashfs and under squashfuse_ll
	squashfs-tools squashfuse
)

missing() {
	local p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
	done
}

case "${1:-}" in
--list) printf '%s\n' "${packages[@]}"; exit 0 ;;
--missing) missing; exit 0 ;;
--all) ;;
"") ;;
*) echo "usage: tools/deps.sh [--list|--missing]" >&2; exit 2 ;;
esac

if [ "${1:-}" = --all ]; then
	need=("${packages[@]}")
else
	mapfile -t need < <(missing)
fi
if [ ${#need[@]} -eq 0 ]; then
	echo "deps: every package is installed"
	exit 0
fi
echo "deps: installing ${need[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" </dev/null
