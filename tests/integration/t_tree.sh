#!/usr/bin/env bash
# The tree of SPEC 3: tenants, their folders, system packages, read-only
# places, missing names (SPEC 3, 5, 6; issue 2 points 2 and 8).
. "$(dirname "$0")/lib.sh"
mount_osfs

equal "root lists catalog/ and tenants/" "catalog tenants" "$(ls "$MNT" | tr "\n" " " | sed "s/ $//")"
equal "no tenants yet" "" "$(ls "$MNT/tenants")"
check "mkdir creates a tenant" mkdir "$MNT/tenants/acme"
equal "a tenant has its five entries" "data install log objects packages" "$(ls "$MNT/tenants/acme" | tr '\n' ' ' | sed 's/ $//')"
equal "a tenant is mode 0750, owned by its creator" "750 $(id -u) $(id -g)" "$(stat -c '%a %u %g' "$MNT/tenants/acme")"
equal "tenants/ is sticky and writable by all" "1777" "$(stat -c '%a' "$MNT/tenants")"
fails_with EINVAL "tenant names are checked" mkdir "$MNT/tenants/Bad_Name"
fails_with EINVAL "tenant names cannot have spaces" mkdir "$MNT/tenants/a b"
fails_with EEXIST "a tenant cannot be created twice" mkdir "$MNT/tenants/acme"

T=$MNT/tenants/acme
for p in sys.identity sys.feeds sys.audit sys.files sys.ai sys.settings; do
	check "system package $p is in packages/" test -d "$T/packages/$p@0.1.0"
done
for o in sys_user sys_organization sys_member sys_session sys_api_key sys_business_unit sys_team \
	sys_comment sys_activity sys_attachment sys_audit_log sys_file ai_conversations ai_pending_actions sys_setting; do
	check "system object $o is registered" test -f "$T/objects/$o.json"
done
check "system package directories hold objectstack.json and manifest.json" \
	test -f "$T/packages/sys.identity@0.1.0/objectstack.json" -a -f "$T/packages/sys.identity@0.1.0/manifest.json"
check "system objects are files of their package" test -f "$T/packages/sys.identity@0.1.0/objects/sys_user.json"
equal "system packages are not in install/" "" "$(ls "$T/install")"
check "objects/ files are JSON with the object's name" grep -q '"name": "sys_user"' "$T/objects/sys_user.json"
check "the log says the tenant was created" grep -q "created tenant acme" "$T/log"

fails_with EACCES "packages/ is read-only" touch "$T/packages/x"
fails_with EACCES "objects/ is read-only" cp "$T/objects/sys_user.json" "$T/objects/crm_x.json"
fails_with EPERM "mkdir data/<object> of an unknown object is EPERM (SPEC 13)" mkdir "$T/data/x"
fails_with EACCES "no files directly in data/" touch "$T/data/x"
fails_with EACCES "a system package cannot be changed" sh -c "echo x > '$T/packages/sys.identity@0.1.0/manifest.json'"
# bash, not sh: dash's echo says "I/O error" whatever the write's errno.
# Without OPEN (fs/keep.h) the kernel lets root open the 0444 log for
# appending (root passes the mode check) and the refusal is write()'s
# EACCES; with OPEN it is open()'s.  Either way EACCES, and nothing added.
loglen=$(wc -c <"$T/log")
fails_with EACCES "the log is read-only" bash -c "echo x >> '$T/log'"
equal "... and nothing was appended" "$loglen" "$(wc -c <"$T/log")"
fails_with EACCES "no folders in install/" mkdir "$T/install/x"
fails_with EACCES "no files at the top" touch "$MNT/x"
fails_with EACCES "no plain files in tenants/" touch "$MNT/tenants/x"
fails_with ENOENT "missing tenant" ls "$MNT/tenants/nope"
fails_with ENOENT "missing package" ls "$T/packages/com.x.y@1.0.0"
fails_with ENOENT "missing object" cat "$T/objects/crm_nope.json"
fails_with ENOENT "missing record folder" ls "$T/data/crm_nope"
fails_with ENOENT "missing file in a package" cat "$T/packages/sys.identity@0.1.0/nope.json"
# A tenant without packages of its own: rm of a derived file is one step
# of rm -rf and changes nothing (docs/tree.md, "Removing a tenant";
# t_tenant_rm checks the EACCES once a package is installed).
check "rm of a file of packages/ of a tenant without packages changes nothing" rm "$T/packages/sys.identity@0.1.0/objectstack.json"
check "... it is still there" test -f "$T/packages/sys.identity@0.1.0/objectstack.json"

check "chmod of a tenant by its owner" chmod 0700 "$T"
equal "the new mode shows" "700" "$(stat -c %a "$T")"
check "the change is in the log" grep -q "mode 0700" "$T/log"
check "an empty tenant can be removed" rmdir "$T"
equal "and it is gone" "" "$(ls "$MNT/tenants")"
fails_with ENOENT "removing it twice" rmdir "$T"

# -o ro: the same tree, and every write refused with EROFS.
mkdir "$MNT/tenants/ro"
cp "$ARTIFACTS/acme-crm-1.0.0.json" "$MNT/tenants/ro/install/"
remount_osfs -o ro
check "a read-only mount shows the tree" test -f "$MNT/tenants/ro/objects/crm_account.json"
fails_with EROFS "a read-only mount refuses installs" cp "$ARTIFACTS/acme-crm-1.1.0.json" "$MNT/tenants/ro/install/"
fails_with EROFS "... uninstalls" rm "$MNT/tenants/ro/install/com.acme.crm.json"
fails_with EROFS "... and new tenants" mkdir "$MNT/tenants/other"
# statfs (df) tells the space of the file system that holds the store
# (store_statvfs), and names up to 255 bytes.
if [ -n "$PG_DB" ]; then # the server's disk is not visible to a client
	equal "statfs of a PostgreSQL store names up to 255 bytes" 255 "$(stat -f -c '%l' "$MNT")"
else
	equal "statfs of the mount is that of the store's folder" "$(stat -f -c '%b %S' "$(dirname "$STORE")") 255" \
		"$(stat -f -c '%b %S %l' "$MNT")"
fi
finish
