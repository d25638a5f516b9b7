#!/usr/bin/env bash
# Permissions without POSIX ACLs (issue 11 item 12): a kernel that does not
# grant FUSE_CAP_POSIX_ACL (forced here with OSFS_TEST_NO_POSIX_ACL=1, a
# variable for tests only) must still check permissions: osfs mounts with
# default_permissions itself, even when the options (here allow_other
# alone) do not ask for it.  Two real users.  Also: the folder osfs makes
# for a user's default store is 0700 and the store 0600 (issue 11 item 1).
. "$(dirname "$0")/lib.sh"
two_users sp1 sp2
U1PID=
trap '[ -n "$U1PID" ] && { fusermount3 -u "$WORK/u1mnt" 2>/dev/null; kill "$U1PID" 2>/dev/null; wait "$U1PID" 2>/dev/null; }
	cleanup' EXIT
chmod 0755 "$WORK"
cp "$ARTIFACTS/acme-crm-1.0.0.json" "$ARTIFACTS/acme-crm-1.1.0.json" "$WORK/" && chmod 0644 "$WORK"/*.json

export OSFS_TEST_NO_POSIX_ACL=1
mount_osfs -o allow_other
unset OSFS_TEST_NO_POSIX_ACL
log_has "$WORK/osfs.err" "the kernel does not offer POSIX ACLs to this mount: permissions are checked by default_permissions" \
	"the daemon says it works without POSIX ACLs"
opts=$(grep -F " $MNT " /proc/mounts | awk '{print $4}')
case ",$opts," in
*,default_permissions,*) pass "the mount has default_permissions ($opts)" ;;
*) fail "the mount has default_permissions" "options: $opts" ;;
esac
T=$MNT/tenants/alice
check "$U1 creates a tenant" as "$U1" mkdir "$T"
equal "it is 0750 and owned by $U1" "750 $U1" "$(stat -c '%a %U' "$T")"
check "$U1 installs into it" as "$U1" cp "$WORK/acme-crm-1.0.0.json" "$T/install/"
fails_with EACCES "$U2 cannot list it" as "$U2" ls "$T"
fails_with EACCES "$U2 cannot read its log" as "$U2" cat "$T/log"
fails_with EACCES "$U2 cannot install into it" as "$U2" cp "$WORK/acme-crm-1.1.0.json" "$T/install/"
fails_with EACCES "$U2 cannot uninstall from it" as "$U2" rm "$T/install/com.acme.crm.json"
fails_with EPERM "$U2 cannot chmod it" as "$U2" chmod 0777 "$T"
equal "$U1's package is as it was" "com.acme.crm.json" "$(ls "$T/install")"
unmount_osfs

# A user's default store: ~/.local/share/osfs (0700) and store.db (0600),
# even under umask 000.
H=$WORK/u1home
mkdir -p "$H" "$WORK/u1mnt" && chown "$U1" "$H" "$WORK/u1mnt"
runuser -u "$U1" -- env -u OSFS_STORE -u XDG_DATA_HOME HOME="$H" sh -c 'umask 000; exec "$0" -f "$1"' \
	"$OSFS" "$WORK/u1mnt" 2>>"$WORK/osfs.err" &
U1PID=$!
for _ in $(seq 100); do [ -d "$WORK/u1mnt/tenants" ] && break; sleep 0.05; done
equal "a user's default store is in a 0700 folder, 0600" "700 600" \
	"$(stat -c %a "$H/.local/share/osfs" 2>&1) $(stat -c %a "$H/.local/share/osfs/store.db" 2>&1)"
finish
