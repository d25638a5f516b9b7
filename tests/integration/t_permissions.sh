#!/usr/bin/env bash
# Permissions (SPEC 10; issue 3 point 6): mounted with allow_other and
# default_permissions, a tenant belongs to the user who made it (0750); a
# second user can neither list it nor install into it; its owner and root
# can chmod and chown it.  Two real users, created for the test.
. "$(dirname "$0")/lib.sh"
two_users alice bob
test_group osfs-g "$U1"
chmod 0755 "$WORK"
cp "$ARTIFACTS/acme-crm-1.0.0.json" "$ARTIFACTS/acme-crm-1.1.0.json" "$WORK/" && chmod 0644 "$WORK"/*.json

mount_osfs -o allow_other,default_permissions
T=$MNT/tenants/alice
check "$U1 creates a tenant" as "$U1" mkdir "$T"
equal "it is 0750 and owned by $U1" "750 $U1" "$(stat -c '%a %U' "$T")"
check "$U1 installs into it" as "$U1" cp "$WORK/acme-crm-1.0.0.json" "$T/install/"
equal "its files belong to $U1" "$U1" "$(stat -c %U "$T/objects/crm_account.json")"
fails_with EACCES "$U2 cannot list it" as "$U2" ls "$T"
fails_with EACCES "$U2 cannot read its files" as "$U2" cat "$T/log"
fails_with EACCES "$U2 cannot install into it" as "$U2" cp "$WORK/acme-crm-1.1.0.json" "$T/install/"
fails_with EACCES "$U2 cannot uninstall from it" as "$U2" rm "$T/install/com.acme.crm.json"
check "$U2 makes a tenant of its own" as "$U2" mkdir "$MNT/tenants/bob"
fails_with EPERM "$U2 cannot remove $U1's tenant (tenants/ is sticky)" as "$U2" rmdir "$T"
fails_with EPERM "$U2 cannot chmod $U1's tenant" as "$U2" chmod 0777 "$T"
check "$U1 can chmod it" as "$U1" chmod 0755 "$T"
check "then $U2 can list it" as "$U2" ls "$T/objects"
fails_with EACCES "but still not install into it" as "$U2" cp "$WORK/acme-crm-1.1.0.json" "$T/install/"
fails_with EPERM "$U1 cannot give it away (chown is root's)" as "$U1" chown "$U2" "$T"
check "$U1 can chgrp it to a group of theirs" as "$U1" chgrp "osfs-g-$$" "$T"
equal "which shows" "osfs-g-$$" "$(stat -c %G "$T")"
check "root can chown it" chown "$U2" "$T"
check "then $U2 owns it and can install" as "$U2" cp "$WORK/acme-crm-1.1.0.json" "$T/install/"
check "root can chmod it back" chmod 0750 "$T"
fails_with EACCES "and $U1, no longer the owner nor in its group, cannot list it" as "$U1" ls "$MNT/tenants/bob"
check "the changes are in the tenant's log" grep -q "changed by uid 0" "$T/log"

# catalog/ is the daemon's user's: others read it and install from it.
check "root adds to the catalog" cp "$WORK/acme-crm-1.0.0.json" "$MNT/catalog/"
fails_with EACCES "$U2 cannot add to the catalog" as "$U2" cp "$WORK/acme-crm-1.1.0.json" "$MNT/catalog/"
fails_with EACCES "$U2 cannot remove from it" as "$U2" rm "$MNT/catalog/com.acme.crm/1.0.0.json"
check "$U2 can read it" as "$U2" cmp "$WORK/acme-crm-1.0.0.json" "$MNT/catalog/com.acme.crm/1.0.0.json"
check "$U2 installs from it into a tenant of theirs" as "$U2" cp "$MNT/catalog/com.acme.crm/1.0.0.json" "$MNT/tenants/bob/install/"
finish
