#!/usr/bin/env bash
# The eight checks of SPEC 4, each failing cp with its errno and a clear
# message in the log and on the daemon's stderr, leaving nothing behind
# (issue 2 point 3).
. "$(dirname "$0")/lib.sh"
mount_osfs -o max_artifact=100K
mkdir "$MNT/tenants/acme"
T=$MNT/tenants/acme
A=$WORK/a.json # only a name ending in .json installs at close (docs/tree.md)

# install_fails ERRNO "what" "log text": cp of $A must fail with ERRNO,
# the log and stderr must say text, and the tree must not change.
install_fails() {
	local before after
	before=$(snapshot "$T")
	fails_with "$1" "$2: cp fails with $1" cp "$A" "$T/install/"
	log_has "$T/log" "$3" "$2: the log says why"
	log_has "$WORK/osfs.err" "$3" "$2: so does the daemon's stderr"
	after=$(snapshot "$T")
	equal "$2: nothing of it remains" "$before" "$after"
}

# 1. size
cp "$FIXTURES/app-showcase/objectstack.json" "$A"
install_fails EFBIG "a file over max_artifact" "larger than max_artifact"

# 2. JSON
printf '{"manifest": {"id": "com.acme.x",\n  "version": "1.0.0",}\n}\n' >"$A"
install_fails EINVAL "a syntax error" "not valid JSON: line 2, column 22: expected a string key"
printf '{"manifest": {"id": "com.acme.x", "version": "1.0.0", "name": "\xff"}}' >"$A"
install_fails EINVAL "bytes that are not UTF-8" "invalid UTF-8"
printf '{"manifest": {"id": "com.acme.x", "version": "1.0.0"}, "x": "a\0b"}' >"$A"
install_fails EINVAL "a NUL byte" "NUL byte"
printf '{"manifest": {"id": "com.acme.x", "version": "1.0.0", "id": "com.acme.y"}}' >"$A"
install_fails EINVAL "a duplicate key" 'duplicate key "id"'
{ printf '{"manifest": {"id": "com.acme.x", "version": "1.0.0"}, "deep": '; for _ in $(seq 200); do printf '['; done; for _ in $(seq 200); do printf ']'; done; printf '}'; } >"$A"
install_fails EINVAL "nesting over 128 levels" "nesting deeper than 128 levels"
printf '[{"manifest": {}}]' >"$A"
install_fails EINVAL "a top-level array" "the top level must be a JSON object"
printf '{"objects": []}' >"$A"
install_fails EINVAL "no manifest" 'there is no "manifest" object'
: >"$A"
install_fails EINVAL "an empty file" "the file is empty"

# 3. manifest
artifact Com.Acme.X 1.0.0 >"$A"
install_fails EINVAL "an id that is not reverse-DNS" 'manifest id "Com.Acme.X" is not a reverse-DNS id'
artifact com.acme.x 1.0 >"$A"
install_fails EINVAL "a version that is not semver" 'manifest version "1.0" is not a SemVer 2.0.0 version'
artifact com.acme.x 01.0.0 >"$A"
install_fails EINVAL "a version with a leading zero" 'manifest version "01.0.0" is not a SemVer 2.0.0 version'
artifact com.acme.x 1.0.0 X >"$A"
install_fails EINVAL "a bad namespace" 'manifest namespace "X" is not valid'
artifact com.acme.x 1.0.0 crm '[]' >"$A"
install_fails EINVAL "dependencies that are not a map" "manifest.dependencies must be an object"
artifact com.acme.x 1.0.0 crm '{"com.acme.y": "^1.x.x.x"}' >"$A"
install_fails EINVAL "a dependency range that is not semver" 'dependency com.acme.y: "^1.x.x.x" is not a valid semver range'
artifact com.acme.x 1.0.0 crm '{"com.acme.x": "*"}' >"$A"
install_fails EINVAL "a package that depends on itself" "com.acme.x depends on itself"
artifact com.acme.shop 1.0.0 "" '{}' '"objects": [{"name": "acme_thing", "fields": {}}]' >"$A"
install_fails EINVAL "no namespace: it is the id's last segment" 'object "acme_thing" is not named <namespace>_<name> in snake_case: call it "shop_acme_thing"'
artifact com.acme.a 1.0.0 >"$A"
install_fails EINVAL "no namespace, and the id's last segment is too short for one" 'the manifest has no namespace, and the one derived from the id ("a") is not valid'

# 4. reserved names
artifact sys.mine 1.0.0 mine >"$A"
install_fails EPERM "an id starting with sys." 'package ids starting with "sys." belong to the system packages'
artifact com.acme.x 1.0.0 system >"$A"
install_fails EPERM "the namespace system" 'namespace "system" is reserved'
artifact com.acme.x 1.0.0 base >"$A"
install_fails EPERM "the namespace base" 'namespace "base" is reserved'
artifact com.acme.x 1.0.0 crm '{}' '"objects": [{"name": "sys_thing", "fields": {}}]' >"$A"
install_fails EPERM "an object named sys_*" 'object "sys_thing": names starting with "sys_" belong to the system packages'

# 5. naming
artifact com.acme.x 1.0.0 crm '{}' '"objects": [{"name": "Account", "fields": {}}]' >"$A"
install_fails EINVAL "an object without the namespace prefix" 'object "Account" is not named <namespace>_<name> in snake_case: call it "crm_account"'
artifact com.acme.x 1.0.0 crm '{}' '"objects": [{"name": "crm_account", "fields": {"FirstName": {"type": "text"}}}]' >"$A"
install_fails EINVAL "a field that is not snake_case" 'field "FirstName" of object crm_account is not snake_case: call it "first_name"'
artifact com.acme.x 1.0.0 crm '{}' '"objects": [{"name": "crm_account", "fields": {}}], "actions": [{"name": "assign"}]' >"$A"
check "an unprefixed action is only a warning" cp "$A" "$T/install/x.json"
log_has "$T/log" 'warning: com.acme.x@1.0.0: 1 of the 1 actions is not prefixed with "crm_" (assign)' "the warning is in the log"
check "(clean up)" rm "$T/install/com.acme.x.json"

# 6. dependencies
artifact com.acme.hd 1.0.0 hd '{"com.acme.crm": "^1.0.0"}' >"$A"
install_fails ENOPKG "a dependency that is not installed" "dependency com.acme.crm ^1.0.0 is not installed in tenant acme"
cp "$ARTIFACTS/acme-crm-2.0.0.json" "$T/install/"
install_fails ENOPKG "a dependency at a version outside the range" "dependency com.acme.crm ^1.0.0 is not satisfied: com.acme.crm@2.0.0 is installed"
artifact com.acme.hd 1.0.0 hd '{"sys.feeds": "^99.0.0"}' >"$A"
install_fails ENOPKG "a system package at a version outside the range" "dependency sys.feeds ^99.0.0 is not satisfied: sys.feeds is a system package at 0.1.0, part of osfs; no range other than one matching 0.1.0 can be met"
artifact com.acme.hd 1.0.0 hd '{"sys.nothing": "*"}' >"$A"
install_fails ENOPKG "a sys. id that is no system package" "dependency sys.nothing * cannot be met: ids starting with sys. are reserved for the system packages of osfs, and osfs 0.1.0 has no sys.nothing"
artifact com.acme.hd 1.0.0 hd '{"sys.feeds": "*", "com.acme.crm": ">=2.0.0 <3.0.0"}' >"$A"
check "a package whose dependencies are satisfied installs" cp "$A" "$T/install/"
rm "$T/install/com.acme.hd.json"

# 7. merge
artifact com.other.crm 1.0.0 crm >"$A"
install_fails EEXIST "a namespace another package uses" 'namespace "crm" of com.other.crm is already used by com.acme.crm'
artifact com.other.x 1.0.0 ox '{}' '"objects": [{"name": "ox_a", "fields": {}}], "actions": [{"name": "crm_assign_owner"}]' >"$A"
install_fails EEXIST "an item name another package uses" 'actions item "crm_assign_owner" of com.other.x is already defined by com.acme.crm'
artifact com.other.x 1.0.0 ox '{}' '"objects": [{"name": "ox_a", "fields": {"b": {"type": "lookup", "reference": "ox_nope"}}}]' >"$A"
install_fails EINVAL "a lookup to an object that does not exist" "field ox_a.b refers to object ox_nope, which exists neither in com.other.x"
artifact com.other.x 1.0.0 ox '{}' '"objects": [{"name": "ox_a", "fields": {"b": {"type": "master_detail", "reference": "crm_account"}}}]' >"$A"
install_fails EINVAL "a reference to a package that is not a declared dependency" "field ox_a.b refers to object crm_account of com.acme.crm, which com.other.x does not declare as a dependency"
artifact com.other.x 1.0.0 ox '{}' '"objectExtensions": [{"extend": "crm_account", "fields": {"c": {"type": "text"}}}]' >"$A"
install_fails EINVAL "an extension of an object of an undeclared dependency" "objectExtensions[0] extends object crm_account of com.acme.crm"
artifact com.other.x 1.0.0 ox '{}' '"data": [{"object": "ox_gone", "records": [{"name": "a"}]}]' >"$A"
install_fails EINVAL "seed records for an object that does not exist" "data[0] seeds records into object ox_gone"
artifact com.other.x 1.0.0 ox '{"com.acme.crm": "*"}' '"objects": [{"name": "ox_a", "fields": {"b": {"type": "lookup", "reference": "crm_account"}}}], "objectExtensions": [{"extend": "crm_account", "fields": {"ox_c": {"type": "text"}}}], "data": [{"object": "crm_account", "records": [{"name": "Other Co"}]}, {"object": "sys_user", "records": [{"name": "ann"}]}]' >"$A"
check "references into a declared dependency and the system packages are fine" cp "$A" "$T/install/"
check "... and its extension is merged into the dependency's object" grep -q '"ox_c"' "$T/objects/crm_account.json"
check "... and its seed records went into the dependency's object" test -f "$T/data/crm_account/Other Co.json"

# 8. upgrade and downgrade
artifact com.other.y 1.0.0 oy '{"com.acme.crm": "~2.0.0"}' >"$A"
cp "$A" "$T/install/"
A2=$WORK/crm.json
sed 's/"version": "2.0.0"/"version": "2.1.0"/' "$ARTIFACTS/acme-crm-2.0.0.json" >"$A2"
before=$(snapshot "$T")
fails_with EBUSY "an upgrade out of a dependent's range: cp fails with EBUSY" cp "$A2" "$T/install/"
log_has "$T/log" "cannot change com.acme.crm from 2.0.0 to 2.1.0: com.other.y@1.0.0 depends on com.acme.crm ~2.0.0" "the log names the dependent and its range"
equal "the installed version is unchanged" "$before" "$(snapshot "$T")"
fails_with EBUSY "a downgrade out of a dependent's range too" cp "$ARTIFACTS/acme-crm-1.1.0.json" "$T/install/"
finish
