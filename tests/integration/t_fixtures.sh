#!/usr/bin/env bash
# The three real fixtures install, as they are, into one tenant (issue 2
# point 4): objects, the showcase extension, seed records (into the
# system object sys_business_unit too), byte-exact artifacts, sizes.
. "$(dirname "$0")/lib.sh"
SHARED=$(cd "$(dirname "$0")/../../.." && pwd)/shared/fixtures/real
if [ -d "$SHARED" ]; then
	for app in app-todo app-crm app-showcase; do
		check "tests/fixtures/real/$app is the shared fixture, unmodified" cmp "$FIXTURES/$app/objectstack.json" "$SHARED/$app/objectstack.json"
	done
fi
mount_osfs
mkdir "$MNT/tenants/acme"
T=$MNT/tenants/acme

for app in app-todo app-crm app-showcase; do
	check "cp installs $app" cp "$FIXTURES/$app/objectstack.json" "$T/install/"
done
equal "install/ lists each package as <id>.json" \
	"com.example.crm.json com.example.showcase.json com.example.todo.json" "$(ls "$T/install" | tr '\n' ' ' | sed 's/ $//')"
check "install/<id>.json is the artifact, byte for byte" cmp "$T/install/com.example.showcase.json" "$FIXTURES/app-showcase/objectstack.json"
check "packages/<id>@<version>/objectstack.json too" cmp "$T/packages/com.example.crm@4.0.0/objectstack.json" "$FIXTURES/app-crm/objectstack.json"
check "packages/ has the three packages" test -d "$T/packages/com.example.todo@2.0.0" -a -d "$T/packages/com.example.crm@4.0.0" -a -d "$T/packages/com.example.showcase@0.1.0"

for o in todo_task crm_account crm_contact crm_opportunity crm_lead crm_activity crm_opportunity_line_item \
	showcase_account showcase_project showcase_task showcase_field_zoo; do
	check "objects/$o.json is registered" test -f "$T/objects/$o.json"
done
equal "every object of the three fixtures and the system is registered" "46" "$(ls "$T/objects" | wc -l)"
check "showcase's objectExtensions are merged into showcase_account" grep -q '"loyalty_tier"' "$T/objects/showcase_account.json"
check "the merged object keeps its own fields" grep -q '"annual_revenue"' "$T/objects/showcase_account.json"
check "the package's own copy of the object is not merged" sh -c "! grep -q loyalty_tier '$T/packages/com.example.showcase@0.1.0/objects/showcase_account.json'"

equal "todo seeds 8 records" "8" "$(ls "$T/data/todo_task" | wc -l)"
crm=0; for o in crm_account crm_contact crm_opportunity crm_lead crm_activity; do crm=$((crm + $(ls "$T/data/$o" | wc -l))); done
equal "crm seeds 28 records" "28" "$crm"
equal "showcase seeds 5 records into the system object sys_business_unit" "5" "$(ls "$T/data/sys_business_unit" | wc -l)"
total=$(find "$T/data" -type f | wc -l)
equal "168 records in all (8 + 28 + 132)" "168" "$total"
check "a record is pretty JSON named by its key" grep -q '"name": "Acme Corp"' "$T/data/crm_account/Acme Corp.json"
check "a composite externalId joins the values with ','" test -f "$T/data/showcase_project_membership/Platform,Data Platform.json"
check "records with an id are named by it" test -f "$T/data/sys_business_unit/bu_acme.json"

check "views without a name are named after their object" test -f "$T/packages/com.example.crm@4.0.0/views/crm_lead.json"
check "seed datasets are data/<object>.json" test -f "$T/packages/com.example.crm@4.0.0/data/crm_account.json"
check "translations are translations/<locale>.json" test -f "$T/packages/com.example.crm@4.0.0/translations/zh-CN.json"
check "sharingRules are shown as sharing/" test -d "$T/packages/com.example.showcase@0.1.0/sharing"
check "manifest.json is the manifest block" grep -q '"id": "com.example.todo"' "$T/packages/com.example.todo@2.0.0/manifest.json"
check "items are pretty-printed" grep -q '^  "name": "crm_convert_lead",' "$T/packages/com.example.crm@4.0.0/actions/crm_convert_lead.json"

bad=$(find "$MNT" -type f | while read -r f; do
	[ "$(stat -c %s "$f")" = "$(cat "$f" | wc -c)" ] || echo "$f"
done)
equal "every file's st_size is what cat returns" "" "$bad"
if command -v xxhsum >/dev/null; then
	equal "user.osfs.xxh3 is the artifact's XXH3-64" "$(xxhsum -H3 "$FIXTURES/app-crm/objectstack.json" 2>/dev/null | sed 's/.*= //')" \
		"$(getfattr --only-values -n user.osfs.xxh3 "$T/install/com.example.crm.json" 2>/dev/null)"
fi
check "the log has one line per install" test "$(grep -c '^.* installed com.example' "$T/log")" = 3
check "unprefixed actions are a warning in the log" grep -q 'warning: com.example.todo@2.0.0: 8 of the 8 actions are not prefixed' "$T/log"
check "the daemon echoes installs on stderr" grep -q 'tenant acme: installed com.example.showcase@0.1.0' "$WORK/osfs.err"
finish
