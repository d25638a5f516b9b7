#!/usr/bin/env bash
# Installing the rsync way (SPEC 4): a '.' name is a pending upload that
# installs nothing until it is renamed; the rename installs it, and its
# errno is the install's (issue 2 point 3).
. "$(dirname "$0")/lib.sh"
mount_osfs
mkdir "$MNT/tenants/acme"
T=$MNT/tenants/acme

check "rsync -a installs a package" rsync -a "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/"
equal "it is listed as <id>.json, not under its own name" "com.acme.crm.json" "$(ls "$T/install")"
check "its objects are registered" test -f "$T/objects/crm_account.json"
check "rsync over the same name again succeeds (re-install, nothing changes)" rsync -a --checksum "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/com.acme.crm.json"
equal "install/<id>.json keeps the mtime rsync gave it" "$(stat -c %Y "$ARTIFACTS/acme-crm-1.0.0.json")" "$(stat -c %Y "$T/install/com.acme.crm.json")"
mkdir -p "$WORK/src" && cp -p "$ARTIFACTS/acme-crm-1.0.0.json" "$WORK/src/com.acme.crm.json"
check "rsync of a folder named like install/ ..." rsync -a "$WORK/src/" "$T/install/"
equal "... a second time transfers nothing" "0" "$(rsync -a --stats "$WORK/src/" "$T/install/" | sed -n 's/^Number of regular files transferred: //p')"
check "rsync of a new version over <id>.json upgrades" rsync -a "$ARTIFACTS/acme-crm-1.1.0.json" "$T/install/com.acme.crm.json"
check "packages/ shows the new version" test -d "$T/packages/com.acme.crm@1.1.0"
check "and not the old one" test ! -e "$T/packages/com.acme.crm@1.0.0"

# A pending upload, step by step, as rsync does it.
P=$T/install/.helpdesk.json.Xy12Ab
check "a '.' name can be created" cp "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$P"
check "it is listed while pending" test -f "$P"
check "it installs nothing" test ! -e "$T/packages/com.acme.helpdesk@0.3.0"
check "it accepts chmod" chmod 0600 "$P"
check "and utimens" touch -d '2020-01-01 00:00' "$P"
equal "which show" "600 1577836800" "$(stat -c '%a %Y' "$P")"
check "and truncate then rewrite" sh -c "truncate -s 0 '$P' && cat '$ARTIFACTS/acme-helpdesk-0.3.0.json' > '$P'"
check "it reads back what was written" cmp "$P" "$ARTIFACTS/acme-helpdesk-0.3.0.json"
check "renaming it to another '.' name keeps it pending" mv "$P" "$T/install/.other"
check "the rename to a final name installs it" mv "$T/install/.other" "$T/install/helpdesk.json"
equal "the pending name is gone; the package is listed by id" "com.acme.crm.json com.acme.helpdesk.json" "$(ls -A "$T/install" | tr '\n' ' ' | sed 's/ $//')"
check "its extension is merged into crm_account" grep -q '"hd_tier"' "$T/objects/crm_account.json"

# A refused rename: the errno comes back, the pending file stays (rsync
# removes it itself), nothing is installed.
artifact com.acme.bad 1.0.0 bad '{"com.acme.nope": "^1.0.0"}' >"$WORK/bad.json"
cp "$WORK/bad.json" "$T/install/.bad.json.1"
fails_with ENOPKG "a rename whose install fails returns its errno" mv "$T/install/.bad.json.1" "$T/install/bad.json"
check "the pending file is still there" test -f "$T/install/.bad.json.1"
check "its xattr user.osfs.error says why" sh -c "getfattr --only-values -n user.osfs.error '$T/install/.bad.json.1' | grep -q 'dependency com.acme.nope'"
check "rm removes a pending file" rm "$T/install/.bad.json.1"
check_not "rsync of a bad artifact fails" rsync -a "$WORK/bad.json" "$T/install/"
equal "and leaves nothing behind" "com.acme.crm.json com.acme.helpdesk.json" "$(ls -A "$T/install" | tr '\n' ' ' | sed 's/ $//')"

# Bytes of another id over <id>.json are refused.
fails_with EINVAL "another package's bytes over install/<id>.json are refused (cp)" cp "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$T/install/com.acme.crm.json"
check "the log says which id the name holds" grep -q 'install/com.acme.crm.json can only hold com.acme.crm, but these bytes are com.acme.helpdesk@0.3.0' "$T/log"
check "the installed artifact is untouched" cmp "$T/install/com.acme.crm.json" "$ARTIFACTS/acme-crm-1.1.0.json"
cp "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$T/install/.x"
check_not "... and by rename (mv reads EINVAL its own way)" mv "$T/install/.x" "$T/install/com.acme.crm.json"
rm -f "$T/install/.x"

# Renaming an installed file away (an editor's backup) copies it: only rm
# uninstalls (docs/tree.md).
check "an installed file renamed to a temporary name ..." mv "$T/install/com.acme.crm.json" "$T/install/.keep"
check "... stays installed" cmp "$T/install/com.acme.crm.json" "$ARTIFACTS/acme-crm-1.1.0.json"
check "... and the new name holds a copy, pending" cmp "$T/install/.keep" "$ARTIFACTS/acme-crm-1.1.0.json"
check "which rm removes" rm "$T/install/.keep"
check "and the package is still there" test -d "$T/packages/com.acme.crm@1.1.0"
fails_with EACCES "an installed file cannot be renamed to another final name" mv "$T/install/com.acme.crm.json" "$T/install/crm.json"
mkdir "$MNT/tenants/other"
cp "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/.p"
fails_with EXDEV "a rename into another tenant's install/ is a cross-device move" \
	perl -e 'rename($ARGV[0], $ARGV[1]) or die "rename: $!\n"' "$T/install/.p" "$MNT/tenants/other/install/p.json"
check "mv falls back to copying, which installs there" mv "$T/install/.p" "$MNT/tenants/other/install/p.json"
check "so the other tenant has it" test -f "$MNT/tenants/other/install/com.acme.crm.json"
finish
