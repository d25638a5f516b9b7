#!/usr/bin/env bash
# Restoring a whole store from `osfsctl backup` (issue 12 point 7; the
# procedure of docs/operations.md, "Restore a whole store"): a backup
# taken under load is consistent; after the store changed and its daemon
# was killed (leaving a -wal with the store's last transactions), the
# store file is replaced by the backup and its -wal/-shm removed, and the
# mounted tree is the tree at backup time, byte for byte, with the same
# inode numbers and times; fsck is clean.  The one-step alternative,
# `flock -n STORE.lock sqlite3 STORE ".restore BACKUP"`, gives the same
# tree and is refused while osfs serves the store.
. "$(dirname "$0")/lib.sh"
sqlite_only "the store file, its -wal and sqlite3 .restore (a PostgreSQL store is restored from its dump: docs/scale-out.md)"
command -v sqlite3 >/dev/null || { echo "FATAL: sqlite3 is not installed (make deps)"; exit 1; }
mount_osfs
A=$MNT/tenants/acme
B=$MNT/tenants/busy
mkdir "$A" "$B"
for app in app-todo app-crm app-showcase; do
	check "cp installs $app" cp "$FIXTURES/$app/objectstack.json" "$A/install/"
done

# A backup under load: installs and uninstalls go on in busy/ while it is
# taken.  acme/ does not change, so the copy must hold it exactly; busy/
# must hold the package whole or not at all.
acme_at=$(cd "$MNT/tenants" && tar -cf - acme | sha256sum)
( for _ in $(seq 30); do cp "$ARTIFACTS/acme-crm-1.0.0.json" "$B/install/" 2>/dev/null; rm -f "$B/install/com.acme.crm.json"; done ) &
load=$!
check "osfsctl backup copies the store while it installs" "$OSFSCTL" backup --store "$STORE" "$WORK/live.db"
wait "$load"
check "the live backup passes fsck" "$OSFSCTL" fsck --store "$WORK/live.db"

# A backup of the quiet store, and the tree as it was then.
cp "$ARTIFACTS/acme-crm-1.0.0.json" "$B/install/"
check "osfsctl backup of the quiet store" "$OSFSCTL" backup --store "$STORE" "$WORK/quiet.db"
tar_at=$(cd "$MNT" && tar -cf - tenants | sha256sum)
snap_at=$(snapshot "$MNT")
mkdir "$WORK/at-backup"
check "a copy of the tree at backup time" cp -a "$MNT/tenants" "$WORK/at-backup/"

# Then the store changes, and its daemon dies with those changes in the
# -wal (nothing has checkpointed them into the store file yet).
check "an uninstall after the backup" rm "$A/install/com.example.showcase.json"
check "a new tenant after the backup" mkdir "$MNT/tenants/later"
check "an install after the backup" cp "$FIXTURES/app-todo/objectstack.json" "$MNT/tenants/later/install/"
kill -KILL "$OSFS_PID"
wait "$OSFS_PID" 2>/dev/null
OSFS_PID=
fusermount3 -u -z "$MNT" 2>/dev/null
check "the killed daemon left a -wal with the changes after the backup" test -s "$STORE-wal"

# The procedure of docs/operations.md.
cp "$STORE" "$WORK/old.db"
cp "$STORE-wal" "$WORK/old.db-wal"
check "the store file is replaced by the backup" sh -c "rm -f '$STORE-wal' '$STORE-shm' && cp '$WORK/quiet.db' '$STORE.new' && mv '$STORE.new' '$STORE'"
check "the restored store passes fsck" "$OSFSCTL" fsck --store "$STORE"
mount_osfs
equal "mounted, the tree is the tree at backup time (tar of tenants/)" "$tar_at" "$(cd "$MNT" && tar -cf - tenants | sha256sum)"
check "... byte for byte (diff -r against a copy taken then)" diff -r "$WORK/at-backup/tenants" "$MNT/tenants"
equal "... with the same names, sizes, inode numbers, times, modes, owners" "$snap_at" "$(snapshot "$MNT")"
check "... so the uninstall after the backup is undone" test -f "$A/install/com.example.showcase.json"
check "... and the tenant made after it is gone" test ! -e "$MNT/tenants/later"
check "the restored store takes installs" cp "$FIXTURES/app-todo/objectstack.json" "$B/install/"
unmount_osfs
check "after use, the restored store passes fsck" "$OSFSCTL" fsck --store "$STORE"

# The live backup restores the same way: acme/ as it was, busy/ whole.
check "the live backup replaces the store" sh -c "rm -f '$STORE-wal' '$STORE-shm' && cp '$WORK/live.db' '$STORE.new' && mv '$STORE.new' '$STORE'"
mount_osfs
equal "mounted, acme/ is as it was while the backup was taken" "$acme_at" "$(cd "$MNT/tenants" && tar -cf - acme | sha256sum)"
if [ -e "$B/install/com.acme.crm.json" ]; then
	check "busy/ holds the package the backup caught, whole" test -f "$B/packages/com.acme.crm@1.0.0/objectstack.json"
else
	check "busy/ holds no trace of the package the backup did not catch" test ! -e "$B/packages/com.acme.crm@1.0.0"
fi

# In one step: SQLite copies the backup into the store as one transaction
# of the store's own, so its -wal is no hazard; flock(1) takes the lock
# osfs holds while it serves the store, so a served store is refused.
check_not "flock + sqlite3 .restore is refused while osfs serves the store" flock -n "$STORE.lock" sqlite3 "$STORE" ".restore '$WORK/quiet.db'"
unmount_osfs
check "flock + sqlite3 .restore of an unmounted store" flock -n "$STORE.lock" sqlite3 "$STORE" ".restore '$WORK/quiet.db'"
check "the store restored in one step passes fsck" "$OSFSCTL" fsck --store "$STORE"
mount_osfs
equal "mounted, it is the tree at backup time" "$snap_at" "$(snapshot "$MNT")"
check "... byte for byte" diff -r "$WORK/at-backup/tenants" "$MNT/tenants"
finish
