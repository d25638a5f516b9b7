#!/usr/bin/env bash
# Persistence and a tree backup tools can trust (SPEC 7, 9; issue 2
# point 9): the same tree after a remount, byte for byte, with the same
# inode numbers and times; identical tar archives; rsync finding nothing
# to do the second time; open files keeping their content.
. "$(dirname "$0")/lib.sh"
mount_osfs
for t in acme beta; do
	mkdir "$MNT/tenants/$t"
	for app in app-todo app-crm app-showcase; do cp "$FIXTURES/$app/objectstack.json" "$MNT/tenants/$t/install/"; done
done
cp "$ARTIFACTS/acme-crm-1.0.0.json" "$WORK/crm.json"
rm "$MNT/tenants/beta/install/com.example.todo.json"

tar1=$(tar -cf - -C "$MNT" . | sha256sum)
tar2=$(tar -cf - -C "$MNT" . | sha256sum)
equal "tar of an unchanged tree twice gives identical archives" "$tar1" "$tar2"
snap1=$(snapshot "$MNT")
ls1=$(ls -lRi --time-style=full-iso "$MNT")
check "find works on the whole tree" find "$MNT" -type f -name '*.json'
check "du works on the whole tree" du -s "$MNT"
check "ls -lR works on the whole tree" ls -lR "$MNT"
mkdir "$WORK/copy"
check "rsync -a copies the whole tree" rsync -a "$MNT/" "$WORK/copy/"
equal "a second rsync -a transfers nothing" "0" "$(rsync -a --stats "$MNT/" "$WORK/copy/" | sed -n 's/^Number of regular files transferred: //p')"
check "the copy is the tree" diff -r "$MNT" "$WORK/copy"
ctimes=$(find "$MNT" -type f -printf '%C@\n' | sort | uniq -d | wc -l)
equal "every file has a ctime of its own (borg caches by it)" "0" "$ctimes"

remount_osfs
equal "after a remount: the same paths, sizes, inodes, times, modes, owners" "$snap1" "$(snapshot "$MNT")"
equal "after a remount: ls -lRi shows the same" "$ls1" "$(ls -lRi --time-style=full-iso "$MNT")"
equal "after a remount: tar gives the same archive" "$tar1" "$(tar -cf - -C "$MNT" . | sha256sum)"
check "after a remount: the content is the same, byte for byte" diff -r "$MNT" "$WORK/copy"
equal "after a remount: rsync still finds nothing to do" "0" "$(rsync -a --stats "$MNT/" "$WORK/copy/" | sed -n 's/^Number of regular files transferred: //p')"

T=$MNT/tenants/acme
cp "$T/objects/showcase_account.json" "$WORK/before.json"
exec 3<"$T/objects/showcase_account.json"
artifact com.acme.ext 1.0.0 ext '{"com.example.showcase": "*"}' '"objectExtensions": [{"extend": "showcase_account", "fields": {"ext_flag": {"type": "boolean"}}}]' >"$WORK/ext.json"
check "an install changes the merged object" cp "$WORK/ext.json" "$T/install/"
check "the file shows the change" grep -q ext_flag "$T/objects/showcase_account.json"
check "a descriptor opened before keeps the content it had at open()" sh -c "cat <&3 | cmp - '$WORK/before.json'"
exec 3<&-
exec 3<"$T/install/com.example.todo.json"
rm "$T/install/com.example.todo.json"
check "a file removed by an uninstall stays readable through an open descriptor" sh -c "cat <&3 | cmp - '$FIXTURES/app-todo/objectstack.json'"
exec 3<&-

stats=$(stat -c '%s' "$T/log")
[ -n "$PG_DB" ] || check "writes are durable: the store is consistent after unmount" sqlite3 "$STORE" 'PRAGMA integrity_check' 2>/dev/null || true
unmount_osfs
check "a second daemon can open the store after the first ended" true
mount_osfs
equal "the log kept every byte" "$stats" "$(stat -c '%s' "$T/log")"
finish
