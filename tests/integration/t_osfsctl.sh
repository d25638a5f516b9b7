#!/usr/bin/env bash
# osfsctl: validate without a mount, install through one (issue 2 point
# 10), and the semver commands (point 5).
. "$(dirname "$0")/lib.sh"

out=$("$OSFSCTL" validate "$FIXTURES"/*/objectstack.json 2>&1)
equal "validate accepts the three real fixtures" "0" "$?"
check "... and lists their warnings" sh -c "printf '%s' \"\$1\" | grep -q 'warning: 8 of the 8 actions are not prefixed'" _ "$out"
check "validate resolves dependencies among the files given, in any order" \
	"$OSFSCTL" validate "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$ARTIFACTS/acme-crm-1.0.0.json"
out=$("$OSFSCTL" validate "$ARTIFACTS/acme-helpdesk-0.3.0.json" 2>&1); rc=$?
equal "validate fails (exit 1) on a missing dependency" "1" "$rc"
check "and says which" sh -c "printf '%s' \"\$1\" | grep -q 'dependency com.acme.crm ^1.0.0 is not installed.*\[ENOPKG\]'" _ "$out"
printf '{"manifest": {"id": "Bad", "version": "x"}, "objects": [{"name": "Thing", "fields": {"A b": {}}}]}' >"$WORK/bad.json"
out=$("$OSFSCTL" validate "$WORK/bad.json" 2>&1)
check "validate reports every problem, not just the first" sh -c "[ \$(printf '%s\n' \"\$1\" | grep -c 'error:') -ge 2 ]" _ "$out"
# Each file is checked alone and named on every line (issue 12 point 10).
artifact com.acme.good 1.0.0 good >"$WORK/A.json"
artifact com.acme.other 1.0.0 good >"$WORK/C.json" # the same namespace: no matter, each is alone
artifact com.acme.bad 1.0.0 bad '{"com.acme.nowhere": "^1.0.0"}' >"$WORK/B.json"
out=$("$OSFSCTL" validate "$WORK/A.json" "$WORK/B.json" "$WORK/C.json" 2>&1); rc=$?
equal "validate A B C: exit 1 when one of them fails" "1" "$rc"
equal "... A is ok, named" "$WORK/A.json: com.acme.good@1.0.0: ok" "$(printf '%s\n' "$out" | grep -F "$WORK/A.json")"
equal "... C, with A's namespace, is ok too: each file is checked alone" "$WORK/C.json: com.acme.other@1.0.0: ok" \
	"$(printf '%s\n' "$out" | grep -F "$WORK/C.json")"
check "... B's error names B" sh -c "printf '%s\n' \"\$1\" | grep -qxF '$WORK/B.json: error: dependency com.acme.nowhere ^1.0.0 is not installed (no version of com.acme.nowhere is installed): install com.acme.nowhere first [ENOPKG]'" _ "$out"
equal "... every line names its file" "" "$(printf '%s\n' "$out" | grep -vE "^$WORK/[ABC].json: ")"
check "... and none a scratch tenant" sh -c "! printf '%s' \"\$1\" | grep -q 'tenant'" _ "$out"
out=$("$OSFSCTL" validate "$WORK/A.json" "$WORK/A.json" 2>&1)
equal "validate A A: both ok (the second is not a reinstall of the first)" "0" "$?"
check "... with line and column for JSON errors" sh -c "printf '{\"a\": [1,,2]}' > '$WORK/syn.json'; '$OSFSCTL' validate '$WORK/syn.json' | grep -q 'line 1, column 10'"
check "inspect shows a package" sh -c "'$OSFSCTL' inspect '$FIXTURES/app-crm/objectstack.json' | grep -q 'package:    com.example.crm@4.0.0'"

check "semver satisfies: in range, exit 0" "$OSFSCTL" semver satisfies 1.2.3 '^1.0.0'
check_not "semver satisfies: out of range, exit 1" "$OSFSCTL" semver satisfies 2.0.0 '^1.0.0'
check_not "semver satisfies: prereleases need a comparator on their tuple" "$OSFSCTL" semver satisfies 1.3.0-beta '>=1.0.0'
check "semver satisfies: ... like this one" "$OSFSCTL" semver satisfies 1.3.0-beta '>=1.3.0-alpha'
check "semver satisfies: hyphen ranges" "$OSFSCTL" semver satisfies 2.3.9 '1.2 - 2.3'
check "semver satisfies: || unions" "$OSFSCTL" semver satisfies 3.0.0 '^1.0.0 || >=3'
check "semver satisfies: x-ranges" "$OSFSCTL" semver satisfies 1.9.9 '1.x'
check "semver satisfies: tilde" "$OSFSCTL" semver satisfies 1.2.9 '~1.2.3'
check_not "semver satisfies: an invalid range satisfies nothing" "$OSFSCTL" semver satisfies 1.0.0 '>>1'
equal "semver sort orders by precedence" "0.9.0 1.0.0-alpha 1.0.0-alpha.1 1.0.0-beta.2 1.0.0-beta.11 1.0.0" \
	"$("$OSFSCTL" semver sort 1.0.0 1.0.0-beta.11 0.9.0 1.0.0-alpha.1 1.0.0-beta.2 1.0.0-alpha | tr '\n' ' ' | sed 's/ $//')"
"$OSFSCTL" semver frobnicate >/dev/null 2>&1
equal "a usage error exits 2" "2" "$?"

mount_osfs
mkdir "$MNT/tenants/acme"
check "osfsctl install installs through the mount" "$OSFSCTL" install "$ARTIFACTS/acme-crm-1.0.0.json" --tenant acme --mount "$MNT"
check "... as <id>.json" test -f "$MNT/tenants/acme/install/com.acme.crm.json"
out=$("$OSFSCTL" install "$ARTIFACTS/acme-crm-2.0.0.json" --tenant acme --mount "$MNT" 2>&1); rc=$?
equal "an install that succeeds exits 0 (upgrade)" "0" "$rc"
cp "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$WORK/hd.json"
out=$("$OSFSCTL" install "$WORK/hd.json" --tenant acme --mount "$MNT" 2>&1); rc=$?
equal "a refused install exits 1" "1" "$rc"
check "and prints the install's message" sh -c "printf '%s' \"\$1\" | grep -q 'dependency com.acme.crm ^1.0.0 is not satisfied: com.acme.crm@2.0.0 is installed'" _ "$out"
check "and its errno" sh -c "printf '%s' \"\$1\" | grep -q 'Package not installed'" _ "$out"
equal "and leaves no pending file behind" "com.acme.crm.json" "$(ls -A "$MNT/tenants/acme/install")"
check "status lists tenants and packages" sh -c "'$OSFSCTL' status --mount '$MNT' | grep -q 'com.acme.crm  *2.0.0'"

# status --tenant, and no update offered that the install would refuse
# (issue 12 point 12).  beta: crm 1.0.0 and helpdesk 0.3.0, which needs
# crm ^1.0.0; the catalog has crm 1.1.0 and 2.0.0, and x 2.0.0 needing a
# package beta does not have.
mkdir "$MNT/tenants/beta"
cp "$ARTIFACTS/acme-crm-1.0.0.json" "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$MNT/tenants/beta/install/"
artifact com.acme.x 1.0.0 xx >"$WORK/x1.json"
artifact com.acme.x 2.0.0 xx '{"com.acme.missing": "^1.0.0"}' >"$WORK/x2.json"
cp "$WORK/x1.json" "$MNT/tenants/beta/install/"
cp "$ARTIFACTS/acme-crm-1.1.0.json" "$ARTIFACTS/acme-crm-2.0.0.json" "$WORK/x2.json" "$MNT/catalog/"
out=$("$OSFSCTL" status --mount "$MNT" --tenant beta 2>&1); rc=$?
equal "status --tenant beta exits 0" "0" "$rc"
check "... and shows beta alone" sh -c "printf '%s\n' \"\$1\" | grep -qx beta && ! printf '%s\n' \"\$1\" | grep -qx acme" _ "$out"
equal "... offers crm 1.1.0, not 2.0.0, which would break helpdesk's range" \
	"  com.acme.crm                             1.0.0  (update: 1.1.0 in the catalog; 2.0.0 is not offered: com.acme.helpdesk@0.3.0 depends on com.acme.crm ^1.0.0)" \
	"$(printf '%s\n' "$out" | grep 'com.acme.crm ')"
equal "... and not x 2.0.0, whose dependency is not installed" \
	"  com.acme.x                               1.0.0  (2.0.0 in the catalog is not offered: it needs com.acme.missing ^1.0.0, which is not installed)" \
	"$(printf '%s\n' "$out" | grep 'com.acme.x ')"
check "... and counts one update" sh -c "printf '%s\n' \"\$1\" | grep -q '^1 package can be updated'" _ "$out"
check "the update it offers installs" "$OSFSCTL" install com.acme.crm@1.1.0 --tenant beta --mount "$MNT"
"$OSFSCTL" status --mount "$MNT" --tenant nobody >/dev/null 2>&1
equal "status --tenant of a tenant that does not exist exits 1" "1" "$?"

# inspect leaves out what is empty (an artifact that extends nothing has no extends: line)
out=$("$OSFSCTL" inspect "$WORK/x1.json" 2>&1)
check "inspect of a package without objects or extensions has no empty field" \
	sh -c "! printf '%s\n' \"\$1\" | grep -E '^(extends|objects|folders): *\$'" _ "$out"
check "... and still its id" sh -c "printf '%s\n' \"\$1\" | grep -q '^package: *com.acme.x@1.0.0'" _ "$out"
out=$("$OSFSCTL" inspect "$FIXTURES/app-crm/objectstack.json" 2>&1)
check "inspect of a package with objects lists them" sh -c "printf '%s\n' \"\$1\" | grep -q '^objects: .*crm_'" _ "$out"
finish
