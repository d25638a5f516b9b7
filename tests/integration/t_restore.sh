#!/usr/bin/env bash
# osfsctl restore DIR --tenant T --mount M (issue 12 item 7; docs/restore.md):
# DIR is a copy of a tenant made by tar -x, cp -a, rsync -a, restic
# restore or borg extract.  Its install/*.json are installed in dependency
# order whatever their names (here a-app needs m-mid needs z-base: the
# reverse of name order), its data/ records are put back (those of a
# package uninstalled before the copy included, and none of the seeds the
# user had deleted comes back), all in one transaction, into a new or
# empty tenant; then packages/, objects/, data/ and install/ equal DIR's
# byte for byte, and install/ and data/ keep DIR's mtimes (install/ its
# modes too).  A tenant that is not empty is refused (--force merges); a
# DIR with an invalid artifact, or one whose install fails half-way,
# leaves the tenant as it was.  --store restores into a store no daemon
# serves, and is refused while one does.
. "$(dirname "$0")/lib.sh"
for tool in restic borg rsync tar; do
	command -v "$tool" >/dev/null || { echo "FATAL: $tool is not installed (make deps)"; exit 1; }
done
export HOME=$WORK/home XDG_CACHE_HOME=$WORK/home/.cache XDG_CONFIG_HOME=$WORK/home/.config
export RESTIC_PASSWORD=osfs-test RESTIC_REPOSITORY=$WORK/restic-repo
export BORG_BASE_DIR=$WORK/borg-base BORG_REPO=$WORK/borg-repo BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_PASSPHRASE=
mkdir -p "$HOME"

# Three packages whose names sort against their dependency order, and a
# fourth that is uninstalled before the copy (its records stay).
obj() { printf '{"name": "%s", "label": "%s", "fields": {"name": {"label": "Name", "type": "text", "required": true}%s}}' "$1" "$1" "${2:-}"; }
seed() { printf '{"object": "%s", "externalId": "name", "mode": "upsert", "records": [%s]}' "$1" "$2"; }
artifact com.test.z-base 1.0.0 zb '{}' "\"objects\": [$(obj zb_thing)], \"data\": [$(seed zb_thing '{"name": "one"}, {"name": "two"}, {"name": "three"}')]" >"$WORK/z.json"
artifact com.test.m-mid 1.0.0 mid '{"com.test.z-base": "^1.0.0"}' \
	"\"objects\": [$(obj mid_item ', "thing": {"label": "Thing", "type": "lookup", "reference": "zb_thing", "deleteBehavior": "set_null"}')], \"data\": [$(seed mid_item '{"name": "i1", "thing": "one"}')]" >"$WORK/m.json"
artifact com.test.a-app 1.0.0 aap '{"com.test.m-mid": "^1.0.0"}' "\"objects\": [$(obj aap_note)], \"data\": [$(seed aap_note '{"name": "n1"}')]" >"$WORK/a.json"
artifact com.test.gone 1.0.0 gone '{}' "\"objects\": [$(obj gone_rec)], \"data\": [$(seed gone_rec '{"name": "g1"}, {"name": "g2"}')]" >"$WORK/gone.json"

mount_osfs
TS=$MNT/tenants
S=$TS/src
mkdir "$S"
for p in z m a gone; do
	check "cp installs $p" cp "$WORK/$p.json" "$S/install/"
done
check "a record of the user's own" sh -c "printf '{\"name\": \"four\"}' >'$S/data/zb_thing/four.json'"
check "a seeded record changed" sh -c "printf '{\"name\": \"i1\", \"thing\": \"two\"}' >'$S/data/mid_item/i1.json'"
check "a seeded record removed" rm "$S/data/zb_thing/three.json"
check "the package gone is uninstalled" rm "$S/install/com.test.gone.json"
check "... and its records stay" test -f "$S/data/gone_rec/g1.json"
check "an install file with a mode and time of its own" sh -c "chmod 0600 '$S/install/com.test.m-mid.json' && touch -d '2020-05-06 07:08:09.123456789' '$S/install/com.test.m-mid.json'"
check "a record with a time of its own" touch -d '2021-01-02 03:04:05.5' "$S/data/zb_thing/one.json"
equal "install/ holds the three packages" "com.test.a-app.json com.test.m-mid.json com.test.z-base.json" "$(ls "$S/install" | tr '\n' ' ' | sed 's/ $//')"

# A whole-store copy too, to restore the tenant from later.
check "osfsctl backup of the store" "$OSFSCTL" backup --store "$STORE" "$WORK/backup.db"

# The five copies.
mkdir "$WORK/tar" "$WORK/cp" "$WORK/rsync" "$WORK/restic" "$WORK/borg"
check "tar -c of the tenant" tar --format=posix -C "$TS" -cf "$WORK/src.tar" src
check "tar -x of it" tar -C "$WORK/tar" -xf "$WORK/src.tar"
check "cp -a of the tenant" cp -a "$S" "$WORK/cp/"
check "rsync -a of the tenant" rsync -a "$S" "$WORK/rsync/"
check "restic init" restic --cache-dir "$WORK/rcache" init
check "restic backup of the tenant" sh -c "cd '$TS' && restic --cache-dir '$WORK/rcache' backup src"
check "restic restore of it" restic --cache-dir "$WORK/rcache" restore latest --target "$WORK/restic"
check "borg init -e none" borg init -e none
check "borg create of the tenant" sh -c "cd '$TS' && borg create ::one src"
check "borg extract of it" sh -c "cd '$WORK/borg' && borg extract ::one"

# The times of install/ and data/ files, as find prints them.
times() { (cd "$1" && find install data -type f -printf '%p %T@\n' | sort); }
modes() { (cd "$1" && find install -type f -printf '%p %m\n' | sort); }
same_tree() {
	local d
	for d in packages objects data install; do
		diff -r "$1/$d" "$2/$d" || return 1
	done
}

for tool in tar cp rsync restic borg; do
	D=$WORK/$tool/src
	T=$TS/r-$tool
	check "$tool: the copy is the tenant, byte for byte" same_tree "$S" "$D"
	check "$tool: osfsctl restore into a new tenant exits 0" "$OSFSCTL" restore "$D" --tenant "r-$tool" --mount "$MNT"
	check "$tool: packages/, objects/, data/ and install/ equal the copy's byte for byte" same_tree "$D" "$T"
	equal "$tool: install/ and data/ keep the copy's mtimes" "$(times "$D")" "$(times "$T")"
	equal "$tool: install/ keeps the copy's modes" "$(modes "$D")" "$(modes "$T")"
done
T=$TS/r-tar
check "the user's deleted seed did not come back" test ! -e "$T/data/zb_thing/three.json"
check "the records of the uninstalled package are back" test -f "$T/data/gone_rec/g2.json"
fails_with EROFS "... read-only, as in the source" sh -c "echo '{\"name\": \"g3\"}' >'$T/data/gone_rec/g3.json'"
log_has "$T/log" "restored from $WORK/tar/src: 3 packages, 7 records (2 of objects not installed; no seed applied: the records are the copy's)" "the log says what was restored"
equal "the packages went in dependency order" "com.test.z-base com.test.m-mid com.test.a-app" \
	"$(grep -o 'installed com\.test\.[a-z-]*' "$T/log" | sed 's/installed //' | tr '\n' ' ' | sed 's/ $//')"

# A tenant that is not empty is refused, and stays as it was.
BEFORE=$(snapshot "$T")
out=$("$OSFSCTL" restore "$WORK/cp/src" --tenant r-tar --mount "$MNT" 2>&1)
equal "a restore into a tenant with packages exits 1" 1 "$?"
check "... and says why, naming the tenant and --force" sh -c "printf '%s' '$out' | grep -q 'tenant r-tar is not empty.*--force'"
equal "... and the tenant is unchanged" "$BEFORE" "$(snapshot "$T")"
check "... and no bundle is left in install/" test -z "$(ls -A "$T/install" | grep -v '\.json$')"
check "--force merges: exits 0" "$OSFSCTL" restore "$WORK/cp/src" --tenant r-tar --mount "$MNT" --force
check "... and the tenant equals the copy" same_tree "$WORK/cp/src" "$T"
mkdir "$TS/rec-only"
check "a tenant with a record only (of no installed object) is made" "$OSFSCTL" restore "$WORK/cp/src" --tenant rec-only --mount "$MNT"
check "... emptied of its packages" sh -c "rm '$TS/rec-only/install/com.test.a-app.json' '$TS/rec-only/install/com.test.m-mid.json' '$TS/rec-only/install/com.test.z-base.json'"
fails_with ENOTEMPTY "... is refused too (records count)" "$OSFSCTL" restore "$WORK/cp/src" --tenant rec-only --mount "$MNT"

# Nothing half-restored: an invalid artifact, or an install that fails
# after others went in (a-app asks for m-mid 2).
cp -a "$WORK/cp/src" "$WORK/bad"
printf '{"manifest": nope}\n' >"$WORK/bad/install/com.test.bad.json"
out=$("$OSFSCTL" restore "$WORK/bad" --tenant r-bad --mount "$MNT" 2>&1)
equal "a copy with an invalid artifact: restore exits 1" 1 "$?"
check "... with a sentence naming the file" sh -c "printf '%s' '$out' | grep -q 'install/com.test.bad.json'"
check "... and the new tenant is not left behind" test ! -e "$TS/r-bad"
cp -a "$WORK/cp/src" "$WORK/half"
artifact com.test.a-app 1.0.0 aap '{"com.test.m-mid": "^2.0.0"}' "\"objects\": [$(obj aap_note)]" >"$WORK/half/install/com.test.a-app.json"
mkdir "$TS/empty"
BEFORE=$(snapshot "$TS/empty")
out=$("$OSFSCTL" restore "$WORK/half" --tenant empty --mount "$MNT" 2>&1)
equal "a copy whose last install fails: restore exits 1" 1 "$?"
check "... saying which and why" sh -c "printf '%s' '$out' | grep -q 'com.test.a-app.json.*com.test.m-mid'"
equal "... and the empty tenant is unchanged (z-base and m-mid are not in)" "$BEFORE" "$(snapshot "$TS/empty")"
log_has "$TS/empty/log" "error: cannot restore from $WORK/half" "... its log says why"

# One tenant from a whole-store backup (docs/restore.md): the backup
# mounted read-only elsewhere, the tenant's folder restored from it.  A
# SQLite backup is a store file and mounts as it is; a PostgreSQL backup
# is pg_dump's file, put back first into a database of its own by the
# whole-store restore (osfsctl restore BACKUP --store NEWSTORE), which
# both engines have.
OLD=$WORK/old
OLD_PID=
WHOLE_DB=
stop_old() {
	[ -n "$OLD_PID" ] || return 0
	fusermount3 -u "$OLD" 2>/dev/null || fusermount3 -u -z "$OLD" 2>/dev/null
	wait "$OLD_PID" 2>/dev/null
	OLD_PID=
}
drop_whole() {
	[ -n "$WHOLE_DB" ] && [ "${KEEP_WORK:-0}" != 1 ] || return 0
	"$(dirname "$0")/../pg/server.sh" psql "$OSFS_TEST_PG_DIR" -q -d postgres \
		-c "DROP DATABASE IF EXISTS $WHOLE_DB WITH (FORCE)" >/dev/null 2>&1
}
trap 'stop_old; drop_whole; cleanup' EXIT
if [ -n "$PG_DB" ]; then
	WHOLE_DB=${PG_DB}_whole
	"$(dirname "$0")/../pg/server.sh" psql "$OSFS_TEST_PG_DIR" -q -v ON_ERROR_STOP=1 -d postgres \
		-c "CREATE DATABASE $WHOLE_DB OWNER osfs" >/dev/null || fail "cannot create database $WHOLE_DB"
	WHOLE=postgresql://osfs@127.0.0.1:$OSFS_PG_PORT/$WHOLE_DB
	OLD_STORE=$WHOLE
else
	WHOLE=$WORK/whole.db
	OLD_STORE=$WORK/backup.db
fi
check "osfsctl restore of the whole-store backup into a new store exits 0" "$OSFSCTL" restore "$WORK/backup.db" --store "$WHOLE"
check "... whose fsck is clean" "$OSFSCTL" fsck --store "$WHOLE"
out=$("$OSFSCTL" restore "$WORK/backup.db" --store "$WHOLE" 2>&1)
equal "a whole-store restore into a store that exists is refused: exit 1" 1 "$?"
check "... saying it never overwrites one" sh -c "printf '%s' '$out' | grep -q 'never overwrites'"
mkdir "$OLD"
"$OSFS" -f -o "store=$OLD_STORE" -o ro "$OLD" 2>>"$WORK/osfs.err" &
OLD_PID=$!
for _ in $(seq 100); do [ -d "$OLD/tenants/src" ] && break; sleep 0.05; done
check "the store backup mounts read-only" test -d "$OLD/tenants/src/install"
check "osfsctl restore of its tenant folder into the live store exits 0" "$OSFSCTL" restore "$OLD/tenants/src" --tenant from-backup --mount "$MNT"
check "... and the tenant equals the source tenant" same_tree "$S" "$TS/from-backup"
equal "... with its times" "$(times "$S")" "$(times "$TS/from-backup")"
stop_old

# --store: on a store no daemon serves.  (A PostgreSQL store is shared by
# daemons by design: --store is one more writer there, with no lock file.)
if [ -z "$PG_DB" ]; then
	out=$("$OSFSCTL" restore "$WORK/rsync/src" --tenant st --store "$STORE" 2>&1)
	equal "--store is refused while osfs serves the store: exit 1" 1 "$?"
	check "... saying so" sh -c "printf '%s' '$out' | grep -q 'is served by osfs.*--mount'"
fi
unmount_osfs
check "--store restores into a new tenant of an unmounted store" "$OSFSCTL" restore "$WORK/rsync/src" --tenant st --store "$STORE"
check "... and leaves no lock file" test ! -e "$STORE.lock"
check "... and fsck is clean" "$OSFSCTL" fsck --store "$STORE"
check_not "--store of the copy whose install fails, into a new store file, fails" "$OSFSCTL" restore "$WORK/half" --tenant x --store "$WORK/new.db"
check "... and leaves no store file" sh -c "! ls '$WORK'/new.db*"
mount_osfs
check "mounted, the tenant equals the copy" same_tree "$WORK/rsync/src" "$TS/st"
equal "... with its times" "$(times "$WORK/rsync/src")" "$(times "$TS/st")"
check "every tenant restored by the mount is still the copy after the remount" same_tree "$WORK/borg/src" "$TS/r-borg"

# A user restores into a tenant of their own; another cannot restore into it.
if [ "$(id -u)" -eq 0 ]; then
	two_users rsa rsb
	chmod 0755 "$WORK" && chmod -R a+rX "$WORK/rsync"
	remount_osfs -o allow_other,default_permissions
	check "$U1 restores a copy into a new tenant" as "$U1" "$OSFSCTL" restore "$WORK/rsync/src" --tenant u1 --mount "$MNT"
	equal "... which is theirs" "$U1" "$(stat -c %U "$TS/u1")"
	check "... and equals the copy" same_tree "$WORK/rsync/src" "$TS/u1"
	out=$(as "$U2" "$OSFSCTL" restore "$WORK/rsync/src" --tenant u1 --mount "$MNT" --force 2>&1)
	equal "$U2 cannot restore into $U1's tenant, even with --force: exit 1" 1 "$?"
	check "... refused by the tenant's permissions" sh -c "printf '%s' '$out' | grep -q 'Permission denied'"
else
	echo "# t_restore: the part with two users is skipped (needs root)"
fi
unmount_osfs
check "osfsctl fsck --store is clean" "$OSFSCTL" fsck --store "$STORE"
finish
