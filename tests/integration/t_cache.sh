#!/usr/bin/env bash
# The kernel caches names, attributes and pages for entry_timeout (an hour
# by default); every change must show at once all the same (SPEC 3, 5:
# "objects/ shows them at once"; "ls never shows stale state").
. "$(dirname "$0")/lib.sh"
mount_osfs
mkdir "$MNT/tenants/acme"
T=$MNT/tenants/acme

# Warm every cache: names, attributes, pages, listings.
warm() { ls -lR "$T" >/dev/null; cat "$T/log" "$T"/objects/*.json >/dev/null; }
warm
nlink=$(stat -c %h "$T/packages")
cp "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/"
check "a new object shows at once" test -f "$T/objects/crm_account.json"
equal "packages/ link count follows at once" "$((nlink + 1))" "$(stat -c %h "$T/packages")"
check "the log's new size shows at once" grep -q "installed com.acme.crm@1.0.0" "$T/log"
check "the name cp wrote is gone at once" test ! -e "$T/install/acme-crm-1.0.0.json"
warm
size1=$(stat -c %s "$T/objects/crm_account.json")
ino1=$(stat -c %i "$T/objects/crm_account.json")
cp "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$T/install/"
check "a merged object's new content shows at once" grep -q hd_tier "$T/objects/crm_account.json"
check "with its new size" test "$(stat -c %s "$T/objects/crm_account.json")" -gt "$size1"
check "as a new inode (contents are immutable per inode)" test "$(stat -c %i "$T/objects/crm_account.json")" != "$ino1"
warm
rm "$T/install/com.acme.helpdesk.json"
check "a removed object is gone at once (stat)" test ! -e "$T/objects/hd_ticket.json"
check "... and from the listing" sh -c "! ls '$T/objects' | grep -q hd_ticket"
check "a removed package directory is gone at once" test ! -e "$T/packages/com.acme.helpdesk@0.3.0"
check "the unmerged object shows at once" sh -c "! grep -q hd_tier '$T/objects/crm_account.json'"
warm
old=$(stat -c %i "$T/install/com.acme.crm.json")
cp "$ARTIFACTS/acme-crm-1.1.0.json" "$T/install/"
check "an upgraded install file shows its new bytes at once" cmp "$T/install/com.acme.crm.json" "$ARTIFACTS/acme-crm-1.1.0.json"
check "under a new inode" test "$(stat -c %i "$T/install/com.acme.crm.json")" != "$old"
check "the old version's directory is gone at once" test ! -e "$T/packages/com.acme.crm@1.0.0"
warm
before=$(stat -c %s "$T/log")
cp /dev/null "$T/install/empty.json" 2>/dev/null
check "a failed install's log line shows at once" test "$(stat -c %s "$T/log")" -gt "$before"
check "its content too" grep -q "install/empty.json: the file is empty" "$T/log"
warm
mkdir "$MNT/tenants/beta"
check "a new tenant shows at once in the listing" sh -c "ls '$MNT/tenants' | grep -qx beta"
rmdir "$MNT/tenants/beta"
check "a removed tenant is gone at once" test ! -e "$MNT/tenants/beta"
chmod 0700 "$T"
equal "chmod shows at once" "700" "$(stat -c %a "$T")"

# Listings are cached by the kernel (readdir of a directory it opens
# itself): every change to one must drop it, whoever made the change.
ls -R "$MNT" >/dev/null
cp "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$T/install/"
check "a cached objects/ listing shows a new object" sh -c "ls '$T/objects' | grep -qx hd_ticket.json"
check "a cached packages/ listing shows a new package" sh -c "ls '$T/packages' | grep -qx com.acme.helpdesk@0.3.0"
check "a cached install/ listing shows its file" sh -c "ls '$T/install' | grep -qx com.acme.helpdesk.json"
check "a cached data/ listing shows a new table" sh -c "ls '$T/data' | grep -qx hd_ticket"
ls -R "$MNT" >/dev/null
cp "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/com.acme.crm.json" 2>/dev/null
check "a cached packages/ listing drops a replaced version" sh -c "! ls '$T/packages' | grep -qx com.acme.crm@1.1.0"
check "... and shows the new one" sh -c "ls '$T/packages' | grep -qx com.acme.crm@1.0.0"
ls -R "$MNT" >/dev/null
exec 4>"$T/install/.pending.json"
check "a cached install/ listing shows a pending upload" sh -c "ls -A '$T/install' | grep -qx .pending.json"
exec 4>&-
rm "$T/install/.pending.json"
check "... and drops it once removed" sh -c "! ls -A '$T/install' | grep -qx .pending.json"
ls -R "$MNT" >/dev/null
cp "$ARTIFACTS/acme-crm-2.0.0.json" "$MNT/catalog/"
check "a cached catalog/ listing shows a new package" sh -c "ls '$MNT/catalog' | grep -qx com.acme.crm"
check "... with its version" sh -c "ls '$MNT/catalog/com.acme.crm' | grep -qx 2.0.0.json"
ls -R "$MNT" >/dev/null
rm "$MNT/catalog/com.acme.crm/2.0.0.json"
check "... and drops it once removed" sh -c "! ls '$MNT/catalog/com.acme.crm' | grep -q 2.0.0"
rm "$T/install/com.acme.helpdesk.json"
check "a cached objects/ listing drops an object" sh -c "! ls '$T/objects' | grep -qx hd_ticket.json"

# ACLs: the kernel caches that there are none (ls -l asks for them).
equal "no file has an ACL" "" "$(getfacl -s -R "$T" 2>/dev/null)"
fails_with ENOTSUP "an ACL cannot be set" setfacl -m u:nobody:r "$T/log"
finish
