#!/usr/bin/env bash
# The daemon's own words (issue 11 items 10-11).
#  - Names with control characters or bytes that are not UTF-8 are
#    escaped (\n, \x1b, \xff) in the tenant log and on stderr: a file
#    named "x<newline><timestamp> installed ..." forges no line.  Valid
#    UTF-8 stays as it is.
#  - An event is told only once it committed: on a full disk (a small
#    tmpfs holding the store) mkdir and an install fail ENOSPC, no
#    "created tenant" or "installed" line appears anywhere, stderr says
#    why, and once there is room again everything works and fsck is clean.
. "$(dirname "$0")/lib.sh"

FORGED='2026-12-05T00:00:00.000Z installed com.evil@1.0.0'
# count FILE: lines that start with the forged timestamp
forged_lines() { grep -c '^2026-12-05T00:00:00\.000Z' "$1"; }
# fails_nospace "what" command...: fails, saying ENOSPC or EIO
fails_nospace() {
	local what=$1; shift
	local out
	if out=$("$@" 2>&1); then
		fail "$what" "command: $* (succeeded)"
	elif printf '%s' "$out" | grep -qE 'No space left on device|Input/output error'; then
		pass "$what"
	else
		fail "$what" "expected ENOSPC or EIO, got: $out"
	fi
}

# --- escaping --------------------------------------------------------------
mount_osfs
T=$MNT/tenants/t
mkdir "$T"
printf '{"manifest": nope}\n' >"$WORK/bad.json"
# Only a name ending in .json installs at close (docs/tree.md): the forged
# line is a whole one, between two newlines.
NAME=$'x\n'"$FORGED"$'\ny.json'
check_not "an invalid artifact named with a newline is refused" cp "$WORK/bad.json" "$T/install/$NAME"
cat "$T/log" >"$WORK/log.txt"
equal "the tenant log holds no forged line" 0 "$(forged_lines "$WORK/log.txt")"
log_has "$WORK/log.txt" 'install/x\n'"$FORGED"'\ny.json' "the log shows the newline as \\n"
equal "stderr holds no forged line" 0 "$(forged_lines "$WORK/osfs.err")"
log_has "$WORK/osfs.err" 'install/x\n'"$FORGED"'\ny.json' "stderr shows the newline as \\n"

check_not "a bad name with C0 bytes, DEL and a byte that is not UTF-8 is refused" \
	cp "$WORK/bad.json" "$T/install/"$'a\x01b\x7fc\xff.json'
log_has "$T/log" 'install/a\x01b\x7fc\xff.json' "the log shows them as \\xHH"
log_has "$WORK/osfs.err" 'install/a\x01b\x7fc\xff.json' "so does stderr"
check_not "a bad artifact named in UTF-8 is refused" cp "$WORK/bad.json" "$T/install/café.json"
log_has "$T/log" "install/café.json" "valid UTF-8 stays as it is in the log"
log_has "$WORK/osfs.err" "install/café.json" "and on stderr"

fails_with EINVAL "a tenant name with ESC is refused" mkdir "$MNT/tenants/"$'\e[31mevil'
equal "stderr holds no ESC byte" 0 "$(grep -c $'\e' "$WORK/osfs.err")"
log_has "$WORK/osfs.err" 'mkdir tenants/\x1b[31mevil' "it shows the ESC as \\x1b"
equal "nor does any tenant log" 0 "$(grep -c $'\e' "$T/log")"
unmount_osfs

# --- an event is told only once committed (needs root for the tmpfs) -------
if [ "$(id -u)" -ne 0 ]; then
	echo "# t_sec_log: the full-disk part skipped (needs root to mount a tmpfs)"
	finish
	exit $?
fi
FULL=$WORK/full
mkdir "$FULL"
trap 'unmount_osfs; umount "$FULL" 2>/dev/null; cleanup' EXIT
mount -t tmpfs -o size=8m,mode=0700 osfs-test "$FULL" || { echo "FATAL: mount tmpfs"; exit 1; }
STORE=$FULL/store.db
: >"$WORK/osfs.err"
mount_osfs
mkdir "$MNT/tenants/a"
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null # until the disk is full
equal "the disk is full" 0 "$(df --output=avail "$FULL" | tail -1 | tr -d ' ')"
fails_nospace "mkdir fails ENOSPC when the commit cannot be written" mkdir "$MNT/tenants/b"
check_not "and the tenant is not there" test -d "$MNT/tenants/b"
fails_nospace "an install fails ENOSPC" cp "$ARTIFACTS/acme-crm-1.0.0.json" "$MNT/tenants/a/install/"
check_not "and the package is not there" test -e "$MNT/tenants/a/install/com.acme.crm.json"
check_not "no 'created tenant b' on stderr" grep -q "created tenant b" "$WORK/osfs.err"
check_not "no 'installed com.acme.crm' on stderr" grep -q "installed com.acme.crm" "$WORK/osfs.err"
check_not "nor in the tenant's log" grep -q "installed com.acme.crm" "$MNT/tenants/a/log"
log_has "$WORK/osfs.err" "mkdir tenants/b: cannot create tenant b: the store failed (No space left on device)" \
	"stderr says why the mkdir failed"
log_has "$WORK/osfs.err" "cannot install com.acme.crm@1.0.0 from install/acme-crm-1.0.0.json: the store failed (No space left on device)" \
	"and why the install failed"
rm -f "$FULL/filler"
check "with room again, mkdir works" mkdir "$MNT/tenants/b"
check "and so does the install" cp "$ARTIFACTS/acme-crm-1.0.0.json" "$MNT/tenants/a/install/"
log_has "$MNT/tenants/a/log" "installed com.acme.crm@1.0.0" "which is logged"
equal "once" 1 "$(grep -c "installed com.acme.crm@1.0.0" "$WORK/osfs.err")"
unmount_osfs
check "the store is sound (osfsctl fsck)" "$OSFSCTL" fsck --store "$STORE"
finish
