#!/usr/bin/env bash
# Reads without OPEN are the default (docs/design.md, "Reads without
# OPEN"); OSFS_NO_OPEN=0 in the daemon's environment opens files as before.
# Seen in the requests themselves (osfs -d): by default the first OPEN is
# answered ENOSYS and a second read sends none; with OSFS_NO_OPEN=0 every
# open is answered with a handle, and an open file still keeps its bytes
# across an uninstall (SPEC 9) on that path too.
. "$(dirname "$0")/lib.sh"

opens() { grep -c "opcode: OPEN " "$WORK/osfs.err"; }
# OPENs answered ENOSYS (the reply follows the request's line; OPENDIR is
# answered ENOSYS too, and is not counted).
enosys() { grep -A1 "opcode: OPEN " "$WORK/osfs.err" | grep -c "error: -38 (Function not implemented)"; }

unset OSFS_NO_OPEN
mount_osfs -d
T=$MNT/tenants/acme
mkdir "$T"
cp "$FIXTURES/app-todo/objectstack.json" "$T/install/"
: >"$WORK/osfs.err"
I=$(ls "$T/install/")
check "default: a file reads" cmp "$FIXTURES/app-todo/objectstack.json" "$T/install/$I"
n=$(opens)
check "... OPEN was answered ENOSYS (at most once)" test "$(enosys)" -le 1 -a "$n" -le 1
cat "$T"/objects/*.json >/dev/null
equal "... and no file is opened through the daemon after it" "$n" "$(opens)"
unmount_osfs

: >"$WORK/osfs.err"
export OSFS_NO_OPEN=0
mount_osfs -d
exec 3<"$T/install/$I"
check "OSFS_NO_OPEN=0: OPEN is answered with a handle" test "$(opens)" -ge 1 -a "$(enosys)" -eq 0
rm "$T/install/$I"
check "... an open file keeps its bytes after the uninstall" cmp "$FIXTURES/app-todo/objectstack.json" /dev/fd/3
exec 3<&-
unmount_osfs
finish
