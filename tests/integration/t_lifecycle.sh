#!/usr/bin/env bash
# Dependencies, uninstall, re-install, upgrade and downgrade (SPEC 4-5;
# issue 2 points 5, 6 and 7).
. "$(dirname "$0")/lib.sh"
mount_osfs
mkdir "$MNT/tenants/acme"
T=$MNT/tenants/acme

fails_with ENOPKG "helpdesk needs crm ^1.0.0 first" cp "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$T/install/"
log_has "$T/log" "dependency com.acme.crm ^1.0.0 is not installed in tenant acme (no version of com.acme.crm is installed)" "the log names the dependency, its range, and that none is installed"
check "crm 1.0.0 installs" cp "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/"
check "then helpdesk installs" cp "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$T/install/"
check "helpdesk seeds its own records" test -f "$T/data/hd_ticket/Printer on fire.json"
check "and a record into the system object sys_business_unit" test -f "$T/data/sys_business_unit/bu_support.json"
check "record keys with '/' are escaped" test -f "$T/data/crm_account/Globex%2FWest.json"

# Uninstall
fails_with EBUSY "crm cannot be removed while helpdesk depends on it" rm "$T/install/com.acme.crm.json"
log_has "$T/log" "com.acme.helpdesk@0.3.0 depends on com.acme.crm (^1.0.0): remove com.acme.helpdesk first" "the log names the dependent"
check "crm is still installed" test -f "$T/objects/crm_account.json"
check "rm uninstalls helpdesk" rm "$T/install/com.acme.helpdesk.json"
check "its objects leave objects/ at once" test ! -e "$T/objects/hd_ticket.json"
check "its package directory is gone" test ! -e "$T/packages/com.acme.helpdesk@0.3.0"
check "its extension is no longer merged into crm_account" sh -c "! grep -q hd_tier '$T/objects/crm_account.json'"
check "its records stay in data/" test -f "$T/data/hd_ticket/Printer on fire.json"
check "... also those in a system object" test -f "$T/data/sys_business_unit/bu_support.json"
mtime=$(stat -c %Y.%i "$T/data/hd_ticket/Printer on fire.json")
check "the log says it was removed and records kept" grep -q "removed com.acme.helpdesk@0.3.0: its objects are unregistered, its records are kept" "$T/log"
fails_with ENOTEMPTY "a tenant with records cannot be removed" rmdir "$T"

# Re-install resumes
sed 's/"Printer on fire"/"Printer on fire again"/' "$ARTIFACTS/acme-helpdesk-0.3.0.json" >"$WORK/hd.json"
check "re-installing resumes" cp "$WORK/hd.json" "$T/install/"
equal "the kept records are the same files" "$mtime" "$(stat -c %Y.%i "$T/data/hd_ticket/Printer on fire.json")"
check "seed data is not applied again" test ! -e "$T/data/hd_ticket/Printer on fire again.json"
check "the log says so" grep -q "seed data not applied again" "$T/log"
check "its objects are back" test -f "$T/objects/hd_ticket.json"

# Re-installing the identical artifact is a no-op
snap=$(snapshot "$T" | grep -v '^\./install/com.acme.helpdesk.json ')
check "re-installing the identical id@version succeeds" cp "$WORK/hd.json" "$T/install/helpdesk-again.json"
equal "and changes nothing (but the log, and the file's mtime, which cp just wrote)" "$snap" \
	"$(snapshot "$T" | grep -v '^\./install/com.acme.helpdesk.json ')"

# Upgrade
check "crm upgrades to 1.1.0 within helpdesk's ^1.0.0" cp "$ARTIFACTS/acme-crm-1.1.0.json" "$T/install/"
check "packages/ shows 1.1.0" test -d "$T/packages/com.acme.crm@1.1.0"
check "and no longer 1.0.0" test ! -e "$T/packages/com.acme.crm@1.0.0"
check "the new object is registered" test -f "$T/objects/crm_lead.json"
check "the extension is still merged" grep -q hd_tier "$T/objects/crm_account.json"
check "install/com.acme.crm.json is the new artifact" cmp "$T/install/com.acme.crm.json" "$ARTIFACTS/acme-crm-1.1.0.json"
check "the upgrade does not seed again" test ! -e "$T/data/crm_account/Initech.json"
check "the log says upgraded, from which version" grep -q "upgraded com.acme.crm@1.1.0 (was 1.0.0)" "$T/log"
fails_with EBUSY "2.0.0 is refused: it breaks helpdesk's ^1.0.0" cp "$ARTIFACTS/acme-crm-2.0.0.json" "$T/install/"
log_has "$T/log" "com.acme.helpdesk@0.3.0 depends on com.acme.crm ^1.0.0, which 2.0.0 does not satisfy" "the log names the dependent and range"
check "downgrade to 1.0.0 works" cp "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/"
check "the log says downgraded" grep -q "downgraded com.acme.crm@1.0.0 (was 1.1.0)" "$T/log"
check "crm_lead left objects/ with the downgrade" test ! -e "$T/objects/crm_lead.json"
rm "$T/install/com.acme.helpdesk.json"
check "without dependents, 2.0.0 installs" cp "$ARTIFACTS/acme-crm-2.0.0.json" "$T/install/"
check "crm_contact, dropped by 2.0.0, left objects/" test ! -e "$T/objects/crm_contact.json"
check "its records stay" test -f "$T/data/crm_contact/ada@acme.example.json"

# A dropped object still used by a dependent blocks the upgrade
check "crm back to 1.0.0" cp "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/"
artifact com.acme.uses 1.0.0 uses '{"com.acme.crm": "*"}' '"objects": [{"name": "uses_x", "fields": {"c": {"type": "lookup", "reference": "crm_contact"}}}]' >"$WORK/uses.json"
check "a package pointing at crm_contact installs" cp "$WORK/uses.json" "$T/install/"
fails_with EBUSY "an upgrade dropping crm_contact is refused" cp "$ARTIFACTS/acme-crm-2.0.0.json" "$T/install/"
log_has "$T/log" "2.0.0 drops object crm_contact, which com.acme.uses still uses" "the log says which object and which package"

# Staged replacement: opening <id>.json for writing changes nothing until close
exec 3>"$T/install/com.acme.uses.json"
check "while a replacement is being written, the package is untouched" cmp "$T/install/com.acme.uses.json" "$WORK/uses.json"
check "its objects too" test -f "$T/objects/uses_x.json"
exec 3>&-
check "closing it empty refuses the empty file; the package stays" test -f "$T/objects/uses_x.json"
check "the log says the file was empty" grep -q "install/com.acme.uses.json: the file is empty" "$T/log"
finish
