#!/usr/bin/env bash
# Records as files (issue 14 items 1-7; SPEC 13; docs/records.md):
# data/<object>/<key>.json created with cp and >, replaced by overwriting,
# sed -i, perl -pi and vim, removed with rm and rm -r, each checked against
# the tenant's merged object; a refusal fails the tool with its errno,
# leaves the record as it was, and is said in the tenant's log; rm of a
# referenced record follows deleteBehavior; autonumbers are assigned.  The real crm fixture's objects
# (lookups, master_detail, formula, read-only) and a small artifact with a
# field of every kind.
. "$(dirname "$0")/lib.sh"
mount_osfs
mkdir "$MNT/tenants/acme"
T=$MNT/tenants/acme
D=$T/data
cp "$FIXTURES/app-crm/objectstack.json" "$T/install/crm.json"

# ------------------------------------------------------------ create
printf '{"name": "Umbrella", "industry": "technology", "annual_revenue": 250000.5, "website": "https://umbrella.example"}\n' >"$WORK/umbrella.json"
check "cp of a new record exits 0" cp "$WORK/umbrella.json" "$D/crm_account/Umbrella.json"
check "the record reads back, its key filled in as id" grep -q '"id": "Umbrella"' "$D/crm_account/Umbrella.json"
log_has "$T/log" "created crm_account/Umbrella: 5 fields" "the log says created, with the number of fields"
check "cp into the folder, the key from the record's id" \
	sh -c "printf '{\"id\": \"Wayne\", \"name\": \"Wayne Ent\"}' >'$WORK/Wayne.json' && cp '$WORK/Wayne.json' '$D/crm_account/'"
check "... it is there" test -f "$D/crm_account/Wayne.json"
check "> of a new record exits 0" sh -c "echo '{\"last_name\": \"Doe\", \"email\": \"jd@umbrella.example\", \"account\": \"Umbrella\"}' >'$D/crm_contact/jd.json'"
check "... and it is a record" grep -q '"account": "Umbrella"' "$D/crm_contact/jd.json"
equal "a created record is 0644" 644 "$(stat -c %a "$D/crm_contact/jd.json")"

# ------------------------------------------------------------ refused
rec() { printf '%s\n' "$1" >"$WORK/r.json"; }
rec '{"name": "X", "website": "javascript:alert(1)"}'
fails_with EINVAL "a javascript: url is refused (cp exits 1)" cp "$WORK/r.json" "$D/crm_account/X.json"
check "... and nothing is left" test ! -e "$D/crm_account/X.json"
log_has "$T/log" "error: cannot write data/crm_account/X.json: crm_account.website must be a url" "... the log names object, field and rule"
log_has "$WORK/osfs.err" "crm_account.website must be a url" "... and stderr says it too"
rec '{"name": "X", "colour": "red"}'
fails_with EINVAL "an unknown field is refused" cp "$WORK/r.json" "$D/crm_account/X.json"
rec '{"industry": "finance"}'
fails_with EINVAL "a missing required field is refused" cp "$WORK/r.json" "$D/crm_account/X.json"
log_has "$T/log" "crm_account.name is required" "... the log says which"
rec '{"name": "X", "annual_revenue": "7"}'
fails_with EINVAL "\"7\" is not a number" cp "$WORK/r.json" "$D/crm_account/X.json"
rec '{"name": "X", "industry": "Technology"}'
fails_with EINVAL "an option is exact (case counts)" cp "$WORK/r.json" "$D/crm_account/X.json"
rec '{"id": "Y", "name": "X"}'
fails_with EINVAL "the key in the name and the id must agree" cp "$WORK/r.json" "$D/crm_account/X.json"
rec '["not", "an", "object"]'
fails_with EINVAL "a record must be a JSON object" cp "$WORK/r.json" "$D/crm_account/X.json"
rec '{"name": '
fails_with EINVAL "bytes that are not JSON are refused" cp "$WORK/r.json" "$D/crm_account/X.json"
rec '{"last_name": "Roe", "account": "Nobody Inc"}'
fails_with EINVAL "a lookup must name an existing record" cp "$WORK/r.json" "$D/crm_contact/roe.json"
log_has "$T/log" 'crm_contact.account names record "Nobody Inc" of crm_account, and there is none' "... the log names the missing record"
rec '{"last_name": "Roe", "full_name": "Richard Roe"}'
fails_with EACCES "a formula field cannot be written" cp "$WORK/r.json" "$D/crm_contact/roe.json"
rec '{"name": "Deal", "account": "Umbrella", "stage": "proposal", "approval_status": "approved"}'
fails_with EACCES "a read-only field cannot be written" cp "$WORK/r.json" "$D/crm_opportunity/Deal.json"
rec '{"opportunity": "No such deal", "product": "P", "quantity": 1}'
fails_with EINVAL "a master_detail must name an existing record" cp "$WORK/r.json" "$D/crm_opportunity_line_item/l1.json"
rec '{"opportunity": "Acme — Q3 Platform Renewal", "product": "P", "quantity": 2, "unit_price": 10.25}'
check "a master_detail naming a seeded record is accepted" cp "$WORK/r.json" "$D/crm_opportunity_line_item/l1.json"
fails_with EPERM "mkdir of an unknown object's folder is EPERM" mkdir "$D/crm_nope"

# ------------------------------------------------------------ replace
F="$D/crm_account/Acme Corp.json"
ino=$(stat -c %i "$F")
check "sed -i of a seeded record exits 0" sed -i 's/"industry": "technology"/"industry": "finance"/' "$F"
check "... the change is there" grep -q '"industry": "finance"' "$F"
check "... under a new inode" test "$(stat -c %i "$F")" != "$ino"
equal "... and no temporary file is left" "" "$(ls -A "$D/crm_account" | grep -v '\.json$')"
log_has "$T/log" "updated crm_account/Acme Corp: 1 field" "... the log says updated, 1 field"
fails_with EINVAL "sed -i making it invalid fails" sed -i 's/"industry": "finance"/"industry": "banking"/' "$F"
check "... and the record is unchanged" grep -q '"industry": "finance"' "$F"
check "perl -pi of a record exits 0" perl -pi -e 's/"industry": "finance"/"industry": "retail"/' "$F"
check "... the change is there" grep -q '"industry": "retail"' "$F"
O="$D/crm_opportunity/Acme — Q3 Platform Renewal.json"
check "sed -i of a record with formula, read-only and CEL values exits 0" sed -i 's/"stage": "proposal"/"stage": "closed_won"/' "$O"
check "... the change is there" grep -q '"stage": "closed_won"' "$O"
check "overwriting with > exits 0" sh -c "echo '{\"last_name\": \"Doe\", \"first_name\": \"Jane\", \"account\": \"Umbrella\"}' >'$D/crm_contact/jd.json'"
check "... the record is replaced whole" sh -c "grep -q '\"first_name\": \"Jane\"' '$D/crm_contact/jd.json' && ! grep -q email '$D/crm_contact/jd.json'"
fails_with EINVAL "cp over a record with a bad value fails" sh -c "rec_bad=\$(mktemp) && echo '{\"last_name\": 5}' >\$rec_bad && cp \$rec_bad '$D/crm_contact/jd.json'; rc=\$?; rm -f \$rec_bad; exit \$rc"
check "... and the record is unchanged" grep -q '"first_name": "Jane"' "$D/crm_contact/jd.json"
check "vim -es edits a record and exits 0" vim -N -u NONE -es -c '%s/"Jane"/"Janet"/' -c wq "$D/crm_contact/jd.json"
check "... the edit is there" grep -q '"first_name": "Janet"' "$D/crm_contact/jd.json"
check "vim with Debian's vimrc (backup by rename) exits 0" \
	vim -u /etc/vim/vimrc -es -c 'set backupskip=' -c '%s/"Janet"/"Janis"/' -c wq "$D/crm_contact/jd.json"
check "... the edit is there" grep -q '"first_name": "Janis"' "$D/crm_contact/jd.json"
equal "... and no backup or swap file is left" "" "$(ls -A "$D/crm_contact" | grep -v '\.json$')"
m1=$(stat -c %Y.%i "$D/crm_contact/jd.json")
check "writing nothing over a record (cp /dev/null) leaves it as it is" cp /dev/null "$D/crm_contact/jd.json"
equal "... same inode and time" "$m1" "$(stat -c %Y.%i "$D/crm_contact/jd.json")"
check "cp of the same record again exits 0" cp "$D/crm_contact/jd.json" "$WORK/jd.json"
check "... and writing it back exits 0" cp "$WORK/jd.json" "$D/crm_contact/jd.json"
equal "... and changes nothing (same inode and time)" "$m1" "$(stat -c %Y.%i "$D/crm_contact/jd.json")"

# ------------------------------------------------------------ every kind
FZ='"objects": [{"name": "fz_item", "fields": {
 "name": {"type": "text", "required": true, "maxLength": 10},
 "body": {"type": "textarea"}, "mail": {"type": "email", "unique": true}, "site": {"type": "url"},
 "tel": {"type": "phone"}, "pin": {"type": "password"}, "md": {"type": "markdown"}, "colour": {"type": "color"},
 "qty": {"type": "number", "min": 0, "max": 100, "defaultValue": 1}, "price": {"type": "currency", "scale": 2},
 "pct": {"type": "percent", "max": 100}, "stars": {"type": "rating", "max": 5}, "done": {"type": "boolean"},
 "on": {"type": "toggle"}, "day": {"type": "date"}, "at": {"type": "datetime"}, "tm": {"type": "time"},
 "level": {"type": "select", "options": [{"label": "Low", "value": "low"}, {"label": "High", "value": "high"}]},
 "colours": {"type": "multiselect", "options": [{"label": "Red", "value": "red"}, {"label": "Blue", "value": "blue"}]},
 "tags": {"type": "tags"}, "parent": {"type": "lookup", "reference": "fz_item"},
 "doc": {"type": "json"}, "where": {"type": "location"}, "addr": {"type": "address"},
 "dims": {"type": "composite"}, "rows": {"type": "repeater"}, "emb": {"type": "vector", "dimensions": 3},
 "calc": {"type": "formula", "expression": "record.qty * 2"}, "num": {"type": "autonumber"}}}]'
artifact com.test.fz 1.0.0 fz '{}' "$FZ" >"$WORK/fz.json"
check "an artifact with a field of every kind installs" cp "$WORK/fz.json" "$T/install/"
GOOD='"name": "a", "body": "x\ny", "mail": "a@b.co", "site": "/p", "tel": "+1 555 0100", "pin": "s", "md": "# t",
 "colour": "#0af", "price": 9.99, "pct": 50, "stars": 5, "done": true, "on": false, "day": "2024-02-29",
 "at": "2026-06-17T14:30:00+02:00", "tm": "14:30", "level": "high", "colours": ["red"], "tags": ["t"],
 "doc": {"any": [1]}, "where": {"lat": 1, "lng": 2}, "addr": {"city": "X"}, "dims": {"w": 1},
 "rows": [{"a": 1}], "emb": [1, 2, 3]'
check "a record with every kind's value is accepted" sh -c "printf '{%s}' '$GOOD' >'$D/fz_item/a.json'"
check "... its defaultValue applied" grep -q '"qty": 1' "$D/fz_item/a.json"
check "... its autonumber assigned" grep -q '"num": "1"' "$D/fz_item/a.json"
kind_bad() { # what ERR json-members
	printf '{"name": "b", %s}\n' "$3" >"$WORK/b.json"
	fails_with "$2" "$1" cp "$WORK/b.json" "$D/fz_item/b.json"
}
kind_bad "text over maxLength" EINVAL '"name": "abcdefghijk"'
kind_bad "email without a domain" EINVAL '"mail": "a@b"'
kind_bad "unique email taken" EEXIST '"mail": "a@b.co"'
kind_bad "url javascript:" EINVAL '"site": "javascript:x"'
kind_bad "phone with letters" EINVAL '"tel": "555-CALL"'
kind_bad "color name" EINVAL '"colour": "red"'
kind_bad "number over max" EINVAL '"qty": 101'
kind_bad "currency with 3 decimals" EINVAL '"price": 1.005'
kind_bad "rating over max" EINVAL '"stars": 6'
kind_bad "boolean as 1" EINVAL '"done": 1'
kind_bad "toggle as a string" EINVAL '"on": "true"'
kind_bad "date 2026-02-30" EINVAL '"day": "2026-02-30"'
kind_bad "datetime without a zone" EINVAL '"at": "2026-06-17T14:30:00"'
kind_bad "time 24:00" EINVAL '"tm": "24:00"'
kind_bad "select not an option" EINVAL '"level": "High"'
kind_bad "multiselect as a bare value" EINVAL '"colours": "red"'
kind_bad "tags with a number" EINVAL '"tags": [1]'
kind_bad "lookup to no record" EINVAL '"parent": "zz"'
kind_bad "location out of range" EINVAL '"where": {"lat": 91, "lng": 0}'
kind_bad "address with a number" EINVAL '"addr": {"zip": 1}'
kind_bad "composite as an array" EINVAL '"dims": [1]'
kind_bad "repeater of numbers" EINVAL '"rows": [1]'
kind_bad "vector of the wrong size" EINVAL '"emb": [1, 2]'
kind_bad "formula written" EACCES '"calc": 4'
kind_bad "autonumber written" EACCES '"num": "N-1"'
kind_bad "password as a number" EINVAL '"pin": 5'
check "a lookup to an existing record is accepted" sh -c "echo '{\"name\": \"c\", \"parent\": \"a\"}' >'$D/fz_item/c.json'"
check "the log never holds a password's value" sh -c "! grep -q '\"s\"' '$T/log'"

# ------------------------------------------------------------ deleteBehavior
fails_with EBUSY "rm of a record that a restrict lookup points at is EBUSY" rm "$D/fz_item/a.json"
log_has "$T/log" "fz_item/a is referenced by fz_item/c (parent), whose deleteBehavior is restrict" "... the log names the referrer"
check "... and the record stays" test -f "$D/fz_item/a.json"
check "rm of an opportunity exits 0" rm "$O"
check "... its line items (master_detail, cascade) are deleted with it" test ! -e "$D/crm_opportunity_line_item/l1.json"
log_has "$T/log" "deleted crm_opportunity_line_item/l1 (cascade: crm_opportunity/Acme — Q3 Platform Renewal was deleted)" "... the log says so"
check "a contact of Umbrella" sh -c "echo '{\"last_name\": \"Poe\", \"account\": \"Umbrella\"}' >'$D/crm_contact/poe.json'"
check "rm of the account exits 0" rm "$D/crm_account/Umbrella.json"
check "... the contact's lookup is cleared (set_null)" grep -q '"account": null' "$D/crm_contact/poe.json"

# ------------------------------------------------------------ delete, not installed
check "rm of a record exits 0" rm "$D/crm_contact/jd.json"
check "... it is gone" test ! -e "$D/crm_contact/jd.json"
log_has "$T/log" "deleted crm_contact/jd" "... the log says deleted"
fails_with ENOENT "rm of a missing record is ENOENT" rm "$D/crm_contact/jd.json"
check "uninstalling fz exits 0" rm "$T/install/com.test.fz.json"
check "its records stay" test -f "$D/fz_item/a.json"
rec '{"name": "d"}'
fails_with EROFS "writing a record of an object no longer installed is EROFS" cp "$WORK/r.json" "$D/fz_item/d.json"
log_has "$T/log" "fz_item is not installed in tenant acme: its records are kept read-only" "... the log says why"
fails_with EROFS "... sed -i of one too" sed -i 's/"a"/"b"/' "$D/fz_item/a.json"
check "... and they are removable" rm "$D/fz_item/c.json"
check "rm -r of the folder of an object no longer installed exits 0" rm -r "$D/fz_item"
check "... and the folder is gone" test ! -e "$D/fz_item"
check "rm -r of an installed object's folder exits 0" rm -r "$D/crm_lead"
equal "... its records are gone" "" "$(ls -A "$D/crm_lead")"
check "... and its folder stays (the object is installed)" test -d "$D/crm_lead"
fails_with ENOTEMPTY "rmdir of a folder with records is ENOTEMPTY" rmdir "$D/crm_account"
finish
