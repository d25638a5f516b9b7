#!/usr/bin/env bash
# rm -rf tenants/<t> (issue 14 item 3; SPEC 5 and 13; docs/tree.md,
# "Removing a tenant"): GNU rm goes depth-first and gives up on a folder
# as soon as one thing in it cannot be removed.  install/ lists dependents
# first, so rm's unlinks are valid uninstalls in turn; the records of the
# uninstalled objects go; what is derived from the tenant (the system
# packages' files, objects/, log, the fixed folders) then "goes" as a
# no-op, and the rmdir of the tenant removes it.  rm exits 0, the tenant
# is gone, the store is clean, other tenants are untouched; a user who
# does not own the tenant cannot remove it.
. "$(dirname "$0")/lib.sh"
two_users tra trb
chmod 0755 "$WORK"
cp "$ARTIFACTS/acme-crm-1.0.0.json" "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$WORK/"
for a in app-todo app-crm app-showcase; do cp "$FIXTURES/$a/objectstack.json" "$WORK/$a.json"; done
chmod 0644 "$WORK"/*.json

mount_osfs -o allow_other,default_permissions
TS=$MNT/tenants
nrec() { find "$1/data" -type f | wc -l; }

mkdir "$TS/t" "$TS/t2" "$TS/keep"
for a in app-todo app-crm app-showcase; do
	check "$a installs into t" cp "$WORK/$a.json" "$TS/t/install/"
done
check "acme-crm 1.0.0 installs into t2" cp "$WORK/acme-crm-1.0.0.json" "$TS/t2/install/"
check "acme-helpdesk 0.3.0, which depends on it, too" cp "$WORK/acme-helpdesk-0.3.0.json" "$TS/t2/install/"
check "app-todo installs into keep" cp "$WORK/app-todo.json" "$TS/keep/install/"
check "app-crm too" cp "$WORK/app-crm.json" "$TS/keep/install/"
equal "install/ lists dependents first (rm -r goes in that order)" \
	"com.acme.helpdesk.json com.acme.crm.json" "$(ls -U "$TS/t2/install" | tr '\n' ' ' | sed 's/ $//')"
n=$(nrec "$TS/t")
check "t holds the seeds of the three fixtures ($n records)" test "$n" -gt 100
KEEP=$(snapshot "$TS/keep")

# A record keyed by a composite externalId (name "a,b") is removable.
check "rm of a record with a composite key exits 0" rm "$TS/t/data/showcase_project_membership/Platform,Data Platform.json"
check "... it is gone" test ! -e "$TS/t/data/showcase_project_membership/Platform,Data Platform.json"

# Derived files are read-only while the tenant has packages of its own.
fails_with EACCES "rm of the log of a tenant with packages is refused" rm -f "$TS/t/log"
fails_with EACCES "so is rm -r of its packages/" rm -rf "$TS/t/packages"
check "... which is all still there" test -f "$TS/t/packages/com.example.todo@$(jq -r .manifest.version "$WORK/app-todo.json")/objectstack.json"

# Someone else's tenant: not even readable for them, and sticky tenants/.
# rm cannot read t, so it tries rmdir at once: tenants/ is sticky.
fails_with EPERM "a user who does not own t cannot rm -rf it" as "$U2" rm -rf "$TS/t"
chmod 0755 "$TS/t"
check_not "... nor once t is readable to them" as "$U2" rm -rf "$TS/t"
equal "... and t keeps its three packages" 3 "$(ls "$TS/t/install" | wc -l)"
equal "... and its records" "$((n - 1))" "$(nrec "$TS/t")"

# The owner, then root.
# Its owner, not root: packages/, objects/ and data/ are read-only (0555)
# while the tenant has a package of its own, and 0755 once it has none
# (everything in them then goes with the tenant), so the kernel lets the
# owner's rm -rf reach osfs (docs/tree.md).
as "$U1" mkdir "$TS/own" && as "$U1" cp "$WORK/app-todo.json" "$TS/own/install/"
check "the owner uninstalls" as "$U1" rm "$TS/own/install/com.example.todo.json"
check "... removes the records" as "$U1" find "$TS/own/data" -type f -delete
check "... and rmdir removes the tenant" as "$U1" rmdir "$TS/own"
check "... it is gone" test ! -e "$TS/own"
as "$U1" mkdir "$TS/own"
check "the owner installs two packages" as "$U1" sh -c "cp '$WORK/app-todo.json' '$WORK/app-crm.json' '$TS/own/install/'"
check "... and writes a record" as "$U1" sh -c "echo '{\"name\": \"Mine\"}' >'$TS/own/data/crm_account/Mine.json'"
sys=$(ls "$TS/own/packages" | grep -v '^com\.example\.' | head -1)
equal "packages/, a system package's folder, objects/ and data/ are 0555 while it has packages" "555 555 555 555" \
	"$(stat -c %a "$TS/own/packages" "$TS/own/packages/$sys" "$TS/own/objects" "$TS/own/data" | tr '\n' ' ' | sed 's/ $//')"
check_not "... so the owner cannot write in packages/" as "$U1" touch "$TS/own/packages/x"
check "the owner's rm -rf of the tenant exits 0" as "$U1" rm -rf "$TS/own"
check "... it is gone" test ! -e "$TS/own"
log_has "$WORK/osfs.err" "tenant own removed by uid $(id -u "$U1")" "... the daemon's stderr says by whom"
as "$U1" mkdir "$TS/own" && as "$U1" cp "$WORK/app-todo.json" "$TS/own/install/"
stat -c %a "$TS/own/packages/$sys" >/dev/null # cached by the kernel
check "uninstalling the last package of its own" as "$U1" rm "$TS/own/install/com.example.todo.json"
equal "... makes them 0755 (the kernel's cached modes too)" "755 755 755 755" \
	"$(stat -c %a "$TS/own/packages" "$TS/own/packages/$sys" "$TS/own/objects" "$TS/own/data" | tr '\n' ' ' | sed 's/ $//')"
check "... installing one again makes them 0555" as "$U1" cp "$WORK/app-todo.json" "$TS/own/install/"
equal "... 0555" "555 555" "$(stat -c %a "$TS/own/packages/$sys" "$TS/own/data" | tr '\n' ' ' | sed 's/ $//')"
check "... and the owner's rm -rf exits 0" as "$U1" rm -rf "$TS/own"
check "root: rm -rf tenants/t exits 0" rm -rf "$TS/t"
check "rm -rf tenants/t2 (a package and its dependent) exits 0" rm -rf "$TS/t2"
check "ls tenants lacks them" sh -c "! ls '$TS' | grep -qx -e t -e t2"
check "... and so does a lookup" test ! -e "$TS/t"
log_has "$WORK/osfs.err" "tenant t removed by uid 0" "the daemon's stderr says who removed it"
log_has "$WORK/osfs.err" "removed com.acme.helpdesk@0.3.0" "... after each uninstall, dependents first"
equal "the other tenant is untouched" "$KEEP" "$(snapshot "$TS/keep")"
check "mkdir tenants/t makes a new, empty tenant" mkdir "$TS/t"
equal "... with no records" 0 "$(nrec "$TS/t")"
check "an empty tenant: rm -rf exits 0" rm -rf "$TS/t"

# One step fails midway (docs/tree.md, "Removing a tenant"): a package
# upgraded after its dependent is listed before it, so rm's unlink of it is
# refused (EBUSY) and rm exits 1.  Every step that went before is whole (one
# transaction each), so the tenant is left consistent and a second rm -rf
# finishes the job.
mkdir "$TS/t3"
cp "$ARTIFACTS/acme-crm-1.1.0.json" "$WORK/"
check "t3: acme-crm 1.0.0 installs" cp "$WORK/acme-crm-1.0.0.json" "$TS/t3/install/"
check "... acme-helpdesk, which depends on it" cp "$WORK/acme-helpdesk-0.3.0.json" "$TS/t3/install/"
check "... acme-crm is upgraded to 1.1.0 after it" cp "$ARTIFACTS/acme-crm-1.1.0.json" "$TS/t3/install/com.acme.crm.json"
printf '{"name": "Mine"}\n' >"$WORK/mine.json"
check "... and a record is written" cp "$WORK/mine.json" "$TS/t3/data/crm_account/Mine.json"
equal "install/ now lists acme-crm first" "com.acme.crm.json com.acme.helpdesk.json" \
	"$(ls -U "$TS/t3/install" | tr '\n' ' ' | sed 's/ $//')"
check_not "rm -rf of t3 fails at the unlink of acme-crm (its dependent is still installed)" rm -rf "$TS/t3"
check "... the tenant is still there" test -d "$TS/t3"
equal "... acme-helpdesk was uninstalled, acme-crm is kept" "com.acme.crm.json" "$(ls "$TS/t3/install")"
check "... rm went on into data/: the record is deleted (a step of its own)" test ! -e "$TS/t3/data/crm_account/Mine.json"
check "... the folder of the object still installed stays" test -d "$TS/t3/data/crm_account"
check "... a second rm -rf exits 0" rm -rf "$TS/t3"
check "... and the tenant is gone" test ! -e "$TS/t3"
log_has "$WORK/osfs.err" "tenant t3 removed by uid 0" "... which the daemon's stderr says"

unmount_osfs
check "osfsctl fsck --store is clean" "$OSFSCTL" fsck --store "$STORE"
finish
