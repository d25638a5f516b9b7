#!/usr/bin/env bash
# Unique fields checked on an index (issue 14 item 4; docs/records.md
# "What is checked"; docs/performance.md): a unique check is a lookup on
# record_keys, which holds the values of a unique field of an object from
# its first check on (the records there read once) and is kept right by
# the store on every write, whoever makes it: records created, replaced
# (the old value freed), removed, seeded after the index exists; numbers
# compare as numbers; a field made unique by an upgrade; a tenant's
# removal takes its index with it.
. "$(dirname "$0")/lib.sh"
mount_osfs
mkdir "$MNT/tenants/acme"
T=$MNT/tenants/acme
D=$T/data/uq_item
# The store read through lib.sh's store_sql (either engine), written by
# store_write (the test's own damage, for fsck).  record_keys.value is
# SQLite's json_extract value there, a jsonb scalar on PostgreSQL
# (store/pg/schema.c): $VAL is it as text, $CODE a record's code.
sq() { store_sql "$1"; }
if [ -n "$PG_DB" ]; then
	store_write() { printf 'SET search_path TO osfs;\n%s\n' "$1" | psql -XAtq -v ON_ERROR_STOP=1 "$STORE"; }
	VAL="(value #>> '{}')" CODE="(json_of(r.body) ->> 'code')" ZZ="'\"ZZ\"'::jsonb"
else
	store_write() { sqlite3 "$STORE" "PRAGMA busy_timeout=5000; $1" >/dev/null; }
	VAL=value CODE="json_extract(CAST(r.body AS TEXT), '\$.code')" ZZ="'ZZ'"
fi
put() { printf '%s\n' "$2" >"$WORK/$1.json" && cp "$WORK/$1.json" "$D/$1.json"; }

uq() { # version label-unique
	artifact com.test.uq "$1" uq '{}' "\"objects\": [{\"name\": \"uq_item\", \"fields\": {
	 \"name\": {\"type\": \"text\"}, \"code\": {\"type\": \"text\", \"unique\": true},
	 \"num\": {\"type\": \"number\", \"unique\": true}, \"label\": {\"type\": \"text\", \"unique\": $2}}}],
	 \"data\": [{\"object\": \"uq_item\", \"records\": [{\"name\": \"s1\", \"code\": \"A\", \"num\": 1, \"label\": \"same\"},
	  {\"name\": \"s2\", \"code\": \"B\", \"num\": 2, \"label\": \"same\"}]}]" >"$WORK/uq.json"
}
uq 1.0.0 false
check "an object with unique fields and two seeded records installs" cp "$WORK/uq.json" "$T/install/"
fails_with EEXIST "a seeded record's code is taken (the first check indexes the records there)" \
	put n1 '{"name": "n1", "code": "A"}'
if [ -n "$PG_DB" ]; then
	# With sequential scans off: on a table this small the planner would
	# rather read it all, which says nothing of what the index allows.
	equal "... the unique check is a lookup on its primary key" "Index Only Scan using record_keys_pkey on record_keys" \
		"$(sq "SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT key FROM record_keys WHERE tbl=1 AND field='code' AND value='\"A\"'::jsonb AND key<>'x' ORDER BY key LIMIT 1" | grep -o 'Index[A-Za-z ]* Scan using record_keys_pkey on record_keys' | head -1)"
else
	equal "... the unique check is a lookup on its primary key" "SEARCH record_keys USING PRIMARY KEY (tbl=? AND field=? AND value=?)" \
		"$(sqlite3 -readonly "$STORE" "EXPLAIN QUERY PLAN SELECT key FROM record_keys WHERE tbl=1 AND field='code' AND value='A' AND key<>'x' LIMIT 1" | sed -n 's/^[^A-Z]*//p' | tail -1)"
fi
check "a free code is accepted" put n1 '{"name": "n1", "code": "C"}'
equal "... the index holds the seeded values and it" "A B C" "$(sq "SELECT $VAL FROM record_keys WHERE field='code' ORDER BY 1" | paste -sd' ')"
fails_with EEXIST "... and is then taken" put n2 '{"name": "n2", "code": "C"}'
log_has "$T/log" "uq_item.code is unique, and record n1.json already holds this value" "... the log names the holder"
check "sed -i changes n1's code" sed -i 's/"code": "C"/"code": "D"/' "$D/n1.json"
check "... its old value is free" put n2 '{"name": "n2", "code": "C"}'
fails_with EEXIST "... its new value is taken" put n3 '{"name": "n3", "code": "D"}'
check "rm of n1" rm "$D/n1.json"
check "... frees its value" put n3 '{"name": "n3", "code": "D"}'
check "writing a record back as it is exits 0 (its own value is no conflict)" cp "$D/n3.json" "$WORK/n3copy.json"
check "..." cp "$WORK/n3copy.json" "$D/n3.json"
fails_with EEXIST "numbers compare as numbers: 2.0 is the seeded 2" put n4 '{"name": "n4", "num": 2.0}'
check "... 2.5 is free" put n4 '{"name": "n4", "num": 2.5}'
fails_with EEXIST "... and then taken" put n5 '{"name": "n5", "num": 2.5}'
check "a string \"2\" is not the number 2" put n5 '{"name": "n5", "code": "2"}'
equal "every record's code is in the index, once" "$(sq "SELECT count(*) FROM records r JOIN tables b ON b.id=r.tbl WHERE b.name='uq_item' AND $CODE IS NOT NULL")" \
	"$(sq "SELECT count(*) FROM record_keys WHERE field='code'")"

# ------------------------------------------------------------ made unique by an upgrade
uq 1.1.0 true
check "an upgrade makes label unique" cp "$WORK/uq.json" "$T/install/"
fails_with EEXIST "a label that records hold is taken" put n6 '{"name": "n6", "label": "same"}'
check "a record holding a duplicate stays editable in its other fields" sed -i 's/"code": "A"/"code": "A2"/' "$D/s1.json"
check "a free label is accepted" put n6 '{"name": "n6", "label": "other"}'

check "osfsctl fsck --store is clean (the index holds what the records hold)" "$OSFSCTL" fsck --store "$STORE"
store_write "INSERT INTO record_keys(tbl, field, value, key) SELECT tbl, 'code', $ZZ, 'n3' FROM record_keys LIMIT 1"
check_not "... and finds an index row that no record holds" "$OSFSCTL" fsck --store "$STORE"
store_write "DELETE FROM record_keys WHERE value=$ZZ; DELETE FROM record_keys WHERE key='n3'"
check_not "... and a record's value missing from it" "$OSFSCTL" fsck --store "$STORE"
check "writing that record again puts it back" sed -i 's/"code": "D"/"code": "E"/' "$D/n3.json"
check "... clean" "$OSFSCTL" fsck --store "$STORE"

# ------------------------------------------------------------ the tenant goes
check "rm -rf of the tenant exits 0" rm -rf "$T"
equal "... its index goes with it" "0 0" "$(sq "SELECT count(*) FROM record_keys") $(sq "SELECT count(*) FROM unique_fields")" 
finish
