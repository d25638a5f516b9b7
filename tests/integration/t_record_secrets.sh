#!/usr/bin/env bash
# Password and secret values of records (issue 14 item 4; SPEC 13;
# docs/records.md "Passwords and secrets"): a record reads back with the
# mask in their place and its size is that of what reads back; writing the
# read copy back (sed -i of another field, cp, rsync -a of data/) keeps the
# stored value, a new value replaces it; the values are kept apart in the
# store (never the mask), go with their record, stay in osfsctl backup's
# copy, and never reach the log.  Seeds are masked too; a store written
# before (schema 4, values in the body) is masked when it is opened.
. "$(dirname "$0")/lib.sh"
mount_osfs
mkdir "$MNT/tenants/acme"
T=$MNT/tenants/acme
D=$T/data
MASK='********'
# The store read through lib.sh's store_sql (either engine); a body as
# text is $BODY (SQLite casts its blob, PostgreSQL decodes its bytea).
sq() { store_sql "$1"; }
if [ -n "$PG_DB" ]; then BODY="convert_from(body, 'UTF8')"; else BODY="CAST(body AS TEXT)"; fi
secret_of() { sq "SELECT value FROM record_secrets s JOIN tables b ON b.id=s.tbl WHERE b.name='$1' AND s.key='$2' AND s.field='$3'"; }
size_ok() { [ "$(stat -c %s "$1")" = "$(wc -c <"$1")" ]; }

artifact com.test.sx 1.0.0 sx '{}' '"objects": [{"name": "sx_user", "fields": {
 "name": {"type": "text", "externalId": true}, "pin": {"type": "password", "minLength": 4},
 "token": {"type": "secret"}, "note": {"type": "text"}}}],
 "data": [{"object": "sx_user", "externalId": "name", "mode": "upsert",
  "records": [{"name": "seeded", "pin": "seedpin", "note": "from the seed"}]}]' >"$WORK/sx.json"
check "an artifact with password and secret fields installs" cp "$WORK/sx.json" "$T/install/"
check "... its seeded password reads back as the mask" grep -qF "\"pin\": \"$MASK\"" "$D/sx_user/seeded.json"
check "... never in clear" sh -c "! grep -q seedpin '$D/sx_user/seeded.json'"
equal "... its value is in the store's secrets" seedpin "$(secret_of sx_user seeded pin)"

# ------------------------------------------------------------ create, read
check "a record with a password and a secret is written" \
	sh -c "printf '{\"name\": \"u1\", \"pin\": \"hunter2\", \"token\": \"tok-1\", \"note\": \"a\"}' >'$D/sx_user/u1.json'"
check "cat shows the mask for the password" grep -qF "\"pin\": \"$MASK\"" "$D/sx_user/u1.json"
check "... and for the secret" grep -qF "\"token\": \"$MASK\"" "$D/sx_user/u1.json"
check "... never the values" sh -c "! grep -qE 'hunter2|tok-1' '$D/sx_user/u1.json'"
check "stat's size is the size of what reads back" size_ok "$D/sx_user/u1.json"
check "tail -c of the record ends as the file does" sh -c "[ \"\$(tail -c 2 '$D/sx_user/u1.json' | od -An -c | tr -d ' ')\" = '}\\n' ]"
equal "the password is in the store's secrets" hunter2 "$(secret_of sx_user u1 pin)"
equal "... the secret too" tok-1 "$(secret_of sx_user u1 token)"
equal "no record body in the store holds a value" 0 \
	"$(sq "SELECT count(*) FROM records WHERE $BODY LIKE '%hunter2%' OR $BODY LIKE '%tok-1%' OR $BODY LIKE '%seedpin%'")"
printf '{"name": "u2", "pin": "abc"}' >"$WORK/u2.json"
fails_with EINVAL "a password under its minLength is refused" cp "$WORK/u2.json" "$D/sx_user/"

# ------------------------------------------------------------ written back
i1=$(stat -c %i "$D/sx_user/u1.json")
check "sed -i of another field exits 0" sed -i 's/"note": "a"/"note": "b"/' "$D/sx_user/u1.json"
check "... the field changed" grep -q '"note": "b"' "$D/sx_user/u1.json"
equal "... the password is kept, not replaced by the mask" hunter2 "$(secret_of sx_user u1 pin)"
equal "... the secret too" tok-1 "$(secret_of sx_user u1 token)"
check "... and the size is still true" size_ok "$D/sx_user/u1.json"
check "cp of the read copy" cp "$D/sx_user/u1.json" "$WORK/u1.json"
m1=$(stat -c %Y.%i "$D/sx_user/u1.json")
check "... back into the same tenant exits 0" cp "$WORK/u1.json" "$D/sx_user/u1.json"
equal "... changes nothing (same inode and time)" "$m1" "$(stat -c %Y.%i "$D/sx_user/u1.json")"
equal "... the password is kept" hunter2 "$(secret_of sx_user u1 pin)"
check "rsync -a of data/ out" rsync -a "$D/" "$WORK/data/"
check "... and back exits 0" rsync -a --checksum "$WORK/data/" "$D/"
equal "... the password is kept" hunter2 "$(secret_of sx_user u1 pin)"
equal "... the seeded one too" seedpin "$(secret_of sx_user seeded pin)"

# ------------------------------------------------------------ new values
check "a new password written over the mask" sed -i "s/\"pin\": \"\\*\\{8\\}\"/\"pin\": \"n3wpass\"/" "$D/sx_user/u1.json"
equal "... replaces the stored one" n3wpass "$(secret_of sx_user u1 pin)"
check "... reads back as the mask" grep -qF "\"pin\": \"$MASK\"" "$D/sx_user/u1.json"
check "... the record is a new inode" test "$(stat -c %i "$D/sx_user/u1.json")" != "$i1"
log_has "$T/log" "updated sx_user/u1: 1 field" "... one log line for it"
check "the password set to null" sed -i 's/"pin": "[^"]*"/"pin": null/' "$D/sx_user/u1.json"
equal "... forgets the stored value" "" "$(secret_of sx_user u1 pin)"
equal "... the secret stays" tok-1 "$(secret_of sx_user u1 token)"
printf '{"name": "u3", "pin": "%s"}' "$MASK" >"$WORK/u3.json"
fails_with EINVAL "the mask where no value is stored is refused (a copy holds no value)" cp "$WORK/u3.json" "$D/sx_user/"
equal "the mask is never a stored value" 0 "$(sq "SELECT count(*) FROM record_secrets WHERE value='$MASK'")"
check "the log holds no value" sh -c "! grep -qE 'hunter2|tok-1|n3wpass|seedpin' '$T/log'"
check "... nor does the daemon's stderr" sh -c "! grep -qE 'hunter2|tok-1|n3wpass|seedpin' '$WORK/osfs.err'"

# ------------------------------------------------------------ backup, rm
check "osfsctl backup exits 0" "$OSFSCTL" backup --store "$STORE" "$WORK/backup.db"
# A PostgreSQL store's copy is pg_dump's archive: its record_secrets read
# with pg_restore (rows as COPY text: table, key, field, value).
if [ -n "$PG_DB" ]; then
	equal "... the copy keeps the real value" tok-1 "$(pg_restore -f - -a -n osfs -t record_secrets "$WORK/backup.db" |
		awk -F'\t' '$2 == "u1" && $3 == "token" { print $4 }')"
else
	equal "... the copy keeps the real value" tok-1 "$(sqlite3 -readonly "$WORK/backup.db" \
		"SELECT value FROM record_secrets WHERE key='u1' AND field='token'")"
fi
check "rm of the record exits 0" rm "$D/sx_user/u1.json"
equal "... its values go with it" 0 "$(sq "SELECT count(*) FROM record_secrets WHERE key='u1'")"

check "osfsctl fsck --store is clean" "$OSFSCTL" fsck --store "$STORE"

# ------------------------------------------------------------ the real fixture
mkdir "$MNT/tenants/show"
check "app-showcase installs" cp "$FIXTURES/app-showcase/objectstack.json" "$MNT/tenants/show/install/showcase.json"
check "... its seeded f_password reads back as the mask" \
	grep -rqF "\"f_password\": \"$MASK\"" "$MNT/tenants/show/data/showcase_field_zoo/"
check "... never in clear" sh -c "! grep -rq hunter2 '$MNT/tenants/show/data/showcase_field_zoo/'"

# ------------------------------------------------------------ a store of schema 4
check "a record with a password, before the store is made schema 4" \
	sh -c "printf '{\"name\": \"old\", \"pin\": \"0ldpass\", \"token\": \"0ldtok\"}' >'$D/sx_user/old.json'"
unmount_osfs
if [ -n "$PG_DB" ]; then
	printf '%s\n' 'SET search_path TO osfs;' "UPDATE records SET body=convert_to((convert_from(body, 'UTF8')::jsonb
		|| '{\"pin\": \"0ldpass\", \"token\": \"0ldtok\"}')::text, 'UTF8') WHERE key='old';" \
		'DROP TABLE record_secrets; ALTER TABLE records DROP COLUMN seeded;' \
		'DROP TRIGGER records_keys_add ON records; DROP TRIGGER records_keys_drop ON records;' \
		'DROP FUNCTION records_keys_add(); DROP FUNCTION records_keys_drop(); DROP FUNCTION unique_value(jsonb);' \
		'DROP TABLE record_keys; DROP TABLE unique_fields;' \
		'DROP TABLE changes; DROP TABLE gens;' \
		"UPDATE meta SET value=4 WHERE key='schema_version';" | psql -XAtq -v ON_ERROR_STOP=1 "$STORE" ||
		echo "FATAL: cannot make the store schema 4"
else
	sqlite3 "$STORE" "UPDATE records SET body=CAST(json_set(CAST(body AS TEXT), '\$.pin', '0ldpass', '\$.token', '0ldtok') AS BLOB)
		WHERE key='old'; DROP TABLE record_secrets; ALTER TABLE records DROP COLUMN seeded;
		DROP TRIGGER records_keys_add; DROP TRIGGER records_keys_drop; DROP TABLE record_keys; DROP TABLE unique_fields; PRAGMA user_version=4;"
fi
equal "(the schema 4 store holds the values in the body)" 1 \
	"$(sq "SELECT count(*) FROM records WHERE $BODY LIKE '%0ldpass%0ldtok%'")"
mount_osfs
check "opened by this osfs, the record reads back masked" sh -c "! grep -qE '0ldpass|0ldtok' '$D/sx_user/old.json'"
equal "... both fields" 2 "$(grep -oF "$MASK" "$D/sx_user/old.json" | wc -l)"
check "... its size is true" size_ok "$D/sx_user/old.json"
equal "... the values are in the store's secrets" "0ldpass 0ldtok" "$(secret_of sx_user old pin) $(secret_of sx_user old token)"
equal "... and in no body" 0 "$(sq "SELECT count(*) FROM records WHERE $BODY LIKE '%0ld%'")"
check "... sed -i of it keeps them" sed -i 's/"name": "old"/"name": "old", "note": "x"/' "$D/sx_user/old.json"
equal "... kept" "0ldpass 0ldtok" "$(secret_of sx_user old pin) $(secret_of sx_user old token)"

finish
