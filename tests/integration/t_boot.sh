#!/usr/bin/env bash
# Boot-time mounts and operating osfs as a service (SPEC 7, 2; issue 4):
# preload in dependency order whatever the file names, a reboot that
# changes nothing, a broken preload that fails the mount and changes
# nothing, fstab lines, SIGTERM, backups of a live store, progress.
. "$(dirname "$0")/lib.sh"
BOOT=$WORK/artifacts
mkdir -p "$BOOT"
# A chain whose file names sort against it: c depends on b, b on a.
artifact com.chain.a 1.0.0 cha '{}' '"objects": [{"name": "cha_x", "fields": {"n": {"type": "text"}}}]' >"$BOOT/3-a.json"
artifact com.chain.b 1.0.0 chb '{"com.chain.a": "^1.0.0"}' '"objects": [{"name": "chb_y", "fields": {"x": {"type": "lookup", "reference": "cha_x"}}}]' >"$BOOT/2-b.json"
artifact com.chain.c 1.0.0 chc '{"com.chain.b": "^1.0.0"}' '"data": [{"object": "chb_y", "externalId": "x", "records": [{"x": "hello"}]}]' >"$BOOT/1-c.json"
cp "$FIXTURES/app-todo/objectstack.json" "$BOOT/todo.json"
PRE="preload=$BOOT,preload_tenant=edge"

mount_osfs -o "$PRE"
E=$MNT/tenants/edge
equal "the preload tenant was created, with everything installed" \
	"com.chain.a.json com.chain.b.json com.chain.c.json com.example.todo.json" "$(ls "$E/install" | tr '\n' ' ' | sed 's/ $//')"
check "in dependency order, whatever the file names" \
	sh -c "grep -o 'installed com.chain.[abc]' '$E/log' | tr '\n' ' ' | grep -q 'installed com.chain.a installed com.chain.b installed com.chain.c'"
check "the seed of the last one is there" test -f "$E/data/chb_y/hello.json"
check "the daemon says the preload is in" grep -q "preloaded $BOOT into tenant edge" "$WORK/osfs.err"
snap=$(snapshot "$MNT")
log=$(stat -c %s "$E/log")
remount_osfs -o "$PRE"
equal "a second mount with the same preload changes nothing" "$snap" "$(snapshot "$MNT")"
equal "... not even the log" "$log" "$(stat -c %s "$E/log")"

# Progress on a terminal.
if command -v script >/dev/null; then
	mkdir -p "$WORK/pmnt"
	out=$(script -qec "'$OSFS' -f -o 'store=$WORK/p.db,preload=$BOOT' '$WORK/pmnt' & sleep 1; fusermount3 -u '$WORK/pmnt'" /dev/null 2>&1)
	check "a preload on a terminal shows its progress" sh -c "printf '%s' \"\$1\" | grep -q 'preloading 4/4: com.chain.c'" _ "$out"
fi

# A newer version upgrades; an older one is kept out.
sed 's/"version": "1.0.0"/"version": "1.1.0"/' "$BOOT/3-a.json" >"$BOOT/3-a.json.new" && mv "$BOOT/3-a.json.new" "$BOOT/3-a.json"
remount_osfs -o "$PRE"
check "a newer version in the preload upgrades" test -d "$E/packages/com.chain.a@1.1.0"
sed 's/"version": "1.1.0"/"version": "0.9.0"/' "$BOOT/3-a.json" >"$BOOT/3-a.json.new" && mv "$BOOT/3-a.json.new" "$BOOT/3-a.json"
remount_osfs -o "$PRE"
check "an older one does not downgrade" test -d "$E/packages/com.chain.a@1.1.0"
check "and says so" grep -q "com.chain.a@1.1.0 is installed, newer than 0.9.0: kept" "$WORK/osfs.err"
unmount_osfs

# A broken preload fails the mount and changes nothing.
before=$(store_sql "SELECT count(*), sum(length(line)) FROM log; SELECT count(*) FROM installs; SELECT count(*) FROM records")
cp "$BOOT/3-a.json" "$WORK/a-kept.json"
sed 's/"version": "0.9.0"/"version": "1.2.0"/' "$BOOT/3-a.json" >"$WORK/a2.json" && cp "$WORK/a2.json" "$BOOT/3-a.json"
artifact com.chain.d 1.0.0 chd '{"com.nowhere.z": "^1.0.0"}' >"$BOOT/0-d.json"
out=$("$OSFS" -f -o "store=$STORE,$PRE" "$MNT" 2>&1); rc=$?
equal "a preload that cannot install fails the mount" "1" "$rc"
check "... naming the file and the reason" sh -c "printf '%s' \"\$1\" | grep -q 'preload $BOOT/0-d.json (com.chain.d@1.0.0) cannot be installed: dependency com.nowhere.z ^1.0.0 is not installed'" _ "$out"
check "... and that nothing was installed" sh -c "printf '%s' \"\$1\" | grep -q 'nothing of it was installed and the store is as it was'" _ "$out"
check "nothing is mounted" sh -c "! grep -qF ' $MNT ' /proc/mounts"
equal "the store is as it was (the upgrade of com.chain.a in the same preload too)" "$before" \
	"$(store_sql "SELECT count(*), sum(length(line)) FROM log; SELECT count(*) FROM installs; SELECT count(*) FROM records")"
rm "$BOOT/0-d.json"
cp "$WORK/a-kept.json" "$BOOT/3-a.json"
artifact com.chain.e 1.0.0 che '{"com.chain.f": "*"}' >"$BOOT/e.json"
artifact com.chain.f 1.0.0 chf '{"com.chain.e": "*"}' >"$BOOT/f.json"
out=$("$OSFS" -f -o "store=$STORE,$PRE" "$MNT" 2>&1)
check "a dependency cycle in the preload is named" sh -c "printf '%s' \"\$1\" | grep -q 'depend on each other in a cycle: com.chain.e'" _ "$out"
rm "$BOOT/e.json" "$BOOT/f.json"

# fstab and mount(8).
echo "$OSFS#$STORE $MNT fuse defaults,nofail,x-systemd.device-timeout=10,$PRE 0 0" >"$WORK/fstab"
check "an fstab line of the form osfs#STORE mounts (mount -T)" mount -T "$WORK/fstab" "$MNT"
check "... showing the tree" test -f "$E/install/com.chain.c.json"
equal "... as type fuse.osfs with the store as source" "$STORE fuse.osfs" "$(grep -F " $MNT " /proc/mounts | awk '{print $1, $3}')"
check "umount ends it" umount "$MNT"
if [ "$(id -u)" -eq 0 ] && [ ! -e /sbin/mount.fuse.osfs ]; then
	ln -s "$OSFS" /sbin/mount.fuse.osfs # what make install puts there
	trap 'rm -f /sbin/mount.fuse.osfs; cleanup' EXIT
	echo "$STORE $MNT fuse.osfs defaults,nofail,allow_other,$PRE 0 0" >"$WORK/fstab2"
	check "an fstab line of type fuse.osfs mounts" mount -T "$WORK/fstab2" "$MNT"
	check "... showing the tree" test -f "$E/install/com.chain.c.json"
	check "umount ends it" umount "$MNT"
	check "mount -t fuse.osfs STORE MOUNTPOINT -o ro works" mount -t fuse.osfs "$STORE" "$MNT" -o ro
	fails_with EROFS "... read-only" cp "$FIXTURES/app-crm/objectstack.json" "$E/install/"
	umount "$MNT"
	rm -f /sbin/mount.fuse.osfs
fi

# SIGTERM: a clean end with the store checkpointed.
mount_osfs
cp "$FIXTURES/app-crm/objectstack.json" "$E/install/"
kill -TERM "$OSFS_PID"
for _ in $(seq 50); do kill -0 "$OSFS_PID" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM ends the daemon" sh -c "! kill -0 $OSFS_PID 2>/dev/null"
OSFS_PID=
check "... and unmounts" sh -c "! grep -qF ' $MNT ' /proc/mounts"
[ -n "$PG_DB" ] || check "... leaving the WAL checkpointed (no -wal file with pages in it)" sh -c "[ ! -s '$STORE-wal' ]"
check "... and a store that osfsctl fsck passes" "$OSFSCTL" fsck --store "$STORE"

# A backup of a live store, under load, mounts and shows the same tree.
mount_osfs
( for i in $(seq 30); do cp "$ARTIFACTS/acme-crm-1.0.0.json" "$E/install/" 2>/dev/null; rm -f "$E/install/com.acme.crm.json"; done ) &
load=$!
check "osfsctl backup copies a store while it installs" "$OSFSCTL" backup --store "$STORE" "$WORK/copy.db"
wait "$load"
check_not "a backup never overwrites" "$OSFSCTL" backup --store "$STORE" "$WORK/copy.db"
if [ -n "$PG_DB" ]; then
	# A PostgreSQL backup is pg_dump's file of the schema osfs, put back with
	# pg_restore into an empty database (docs/scale-out.md), not mounted.
	check "the copy is pg_dump's custom format, private" sh -c "head -c 5 '$WORK/copy.db' | grep -q PGDMP && [ \$(stat -c %a '$WORK/copy.db') = 600 ]"
	unmount_osfs
	finish
	exit
fi
check "the copy passes fsck" "$OSFSCTL" fsck --store "$WORK/copy.db"
check "a backup of the quiet store" "$OSFSCTL" backup --store "$STORE" "$WORK/copy2.db"
orig=$(snapshot "$MNT")
unmount_osfs
STORE=$WORK/copy2.db mount_osfs
equal "mounted, the backup shows the same tree: names, sizes, inodes, times" "$orig" "$(snapshot "$MNT")"
finish
