#!/usr/bin/env bash
# Seed modes against the records that are there (issue 14 item 6; SPEC 4,
# 5, 13; docs/install.md "Seeds"): seeds apply on a package's first install
# only (not on an upgrade, nor on a reinstall after an uninstall), and a
# seed never overwrites a record a user changed: update, upsert and replace
# overwrite a record only while it is as a seed wrote it; ignore keeps
# every record; insert refuses a key that is there.
. "$(dirname "$0")/lib.sh"
mount_osfs
mkdir "$MNT/tenants/acme"
T=$MNT/tenants/acme
D=$T/data/alpha_item

artifact com.test.alpha 1.0.0 alpha '{}' '"objects": [{"name": "alpha_item", "fields": {
 "name": {"type": "text"}, "v": {"type": "text"}, "w": {"type": "text"}}}],
 "data": [{"object": "alpha_item", "records": [{"name": "r1", "v": "alpha"},
  {"name": "s_update", "v": "alpha"}, {"name": "s_upsert", "v": "alpha"},
  {"name": "s_replace", "v": "alpha"}, {"name": "s_ignore", "v": "alpha"}]}]' >"$WORK/alpha.json"
check "alpha installs with its seed" cp "$WORK/alpha.json" "$T/install/"
check "a user changes r1 with sed -i" sed -i 's/"v": "alpha"/"v": "mine"/' "$D/r1.json"
r1=$(stat -c %i.%Y "$D/r1.json")

# beta_<mode> seeds r1 (the user's), s_<mode> (as alpha's seed wrote it)
# and n_<mode> (new) into alpha's object.
beta() { # mode version [extra record]
	artifact "com.test.beta-$1" "$2" "b$1" '{"com.test.alpha": "*"}' "\"data\": [{\"object\": \"alpha_item\", \"mode\": \"$1\",
	 \"records\": [{\"name\": \"r1\", \"w\": \"$1\"}, {\"name\": \"s_$1\", \"w\": \"$1\"}, {\"name\": \"n_$1\", \"w\": \"$1\"}${3:-}]}]" \
		>"$WORK/beta-$1.json"
}
for mode in update upsert replace ignore; do
	beta $mode 1.0.0
	check "a package seeding alpha's object with mode $mode installs" cp "$WORK/beta-$mode.json" "$T/install/"
	equal "... r1, changed by a user, is kept (same inode and time)" "$r1" "$(stat -c %i.%Y "$D/r1.json")"
	check "... as the user wrote it" grep -q '"v": "mine"' "$D/r1.json"
	[ $mode = ignore ] || log_has "$T/log" "installed com.test.beta-$mode@1.0.0 from install/beta-$mode.json: 0 objects" \
		"... the log line counts it" 
	[ $mode = ignore ] || check "... as kept" sh -c "grep 'com.test.beta-$mode@1.0.0' '$T/log' | grep -q '1 kept as a user changed them'"
done
check "update: the seed's fields over a seeded record" sh -c "grep -q '\"v\": \"alpha\"' '$D/s_update.json' && grep -q '\"w\": \"update\"' '$D/s_update.json'"
check "update: a new key is skipped" test ! -e "$D/n_update.json"
check "upsert: the seed's fields over a seeded record" sh -c "grep -q '\"v\": \"alpha\"' '$D/s_upsert.json' && grep -q '\"w\": \"upsert\"' '$D/s_upsert.json'"
check "upsert: a new key is inserted" test -f "$D/n_upsert.json"
check "replace: the seed record as it is over a seeded record" sh -c "! grep -q '\"v\"' '$D/s_replace.json' && grep -q '\"w\": \"replace\"' '$D/s_replace.json'"
check "replace: a new key is inserted" test -f "$D/n_replace.json"
check "ignore: a seeded record is kept" sh -c "grep -q '\"v\": \"alpha\"' '$D/s_ignore.json' && ! grep -q '\"w\"' '$D/s_ignore.json'"
check "ignore: a new key is inserted" test -f "$D/n_ignore.json"
beta insert 1.0.0
fails_with EEXIST "insert: a key that is there fails the install" cp "$WORK/beta-insert.json" "$T/install/"
check "... nothing of it is left" test ! -e "$D/n_insert.json"
log_has "$T/log" 'record "r1" already exists and the dataset'"'"'s mode is insert' "... the log says why"

# ------------------------------------------------------------ first install only
check "a user removes a seeded record" rm "$D/n_upsert.json"
beta upsert 1.1.0 ', {"name": "n2_upsert"}'
check "an upgrade with a new seed record installs" cp "$WORK/beta-upsert.json" "$T/install/"
check "... its seed is not applied (first install only)" test ! -e "$D/n2_upsert.json"
check "... the removed record is not back" test ! -e "$D/n_upsert.json"
log_has "$T/log" "upgraded com.test.beta-upsert@1.1.0 (was 1.0.0) from install/beta-upsert.json: 0 objects, seed data not applied again" \
	"... the log says so"
check "uninstall of beta-upsert" rm "$T/install/com.test.beta-upsert.json"
check "... its records stay" test -f "$D/s_upsert.json"
beta upsert 1.0.0
check "reinstalling it" cp "$WORK/beta-upsert.json" "$T/install/"
check "... does not seed again" test ! -e "$D/n_upsert.json"
equal "... r1 is still the user's" "$r1" "$(stat -c %i.%Y "$D/r1.json")"

# ------------------------------------------------------------ a copy's time
check "touch -d of a seeded record (a copy's time) exits 0" touch -d 2020-01-01 "$D/s_ignore.json"
beta upsert2 1.0.0
sed -i 's/"mode": "upsert2"/"mode": "upsert"/; s/"s_upsert2"/"s_ignore"/' "$WORK/beta-upsert2.json"
check "a seed after it" cp "$WORK/beta-upsert2.json" "$T/install/"
check "... still merges over it (a time is not a change)" grep -q '"w": "upsert2"' "$D/s_ignore.json"

finish
