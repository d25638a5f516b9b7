#!/usr/bin/env bash
# The store on disk (issue 11 items 1-2, issue 12 item 14): every file
# osfs and osfsctl make for a store is 0600 whatever the umask, a store
# found readable by others is tightened at mount (and said so), a symbolic
# or hard link at the lock's or the store's path is refused and its target
# never written, a clean stop leaves no lock, and a failed preload no new
# store.
. "$(dirname "$0")/lib.sh"
sqlite_only "the modes of the store file, its -wal and -shm, and its lock (a PostgreSQL store is the server's; its passfile rules are tested by check_pg_store)"

modes() { # the octal modes of the files given, those that exist
	local out=
	for f in "$@"; do [ -e "$f" ] && out="$out $(basename "$f"):$(stat -c %a "$f")"; done
	echo "${out# }"
}

# fails_to_mount "what" PATTERN osfs-args...: osfs exits non-zero without
# mounting, its stderr naming PATTERN.  An osfs that mounts anyway (the
# bug) is stopped after a while so the test ends.
fails_to_mount() {
	local what=$1 pattern=$2; shift 2
	local out rc
	out=$(timeout 20 "$OSFS" -f "$@" "$MNT" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && printf '%s' "$out" | grep -qF -- "$pattern"; then
		pass "$what"
	else
		fail "$what" "exit $rc (expected a refusal naming '$pattern')" "output: $out"
	fi
}

A=$ARTIFACTS/acme-crm-1.0.0.json

# --- 0600 whatever the umask ---------------------------------------------
for um in 022 000; do
	STORE=$WORK/store-$um.db
	umask $um
	mount_osfs
	umask 022
	mkdir "$MNT/tenants/t" && cp "$A" "$MNT/tenants/t/install/" || fail "umask $um: install" "$(tail -3 "$WORK/osfs.err")"
	equal "umask $um: the store, its -wal, -shm and lock are 0600" \
		"store-$um.db:600 store-$um.db-wal:600 store-$um.db-shm:600 store-$um.db.lock:600" \
		"$(modes "$STORE" "$STORE-wal" "$STORE-shm" "$STORE.lock")"
	(umask $um; "$OSFSCTL" backup --store "$STORE" "$WORK/backup-$um.db" >/dev/null 2>&1)
	equal "umask $um: osfsctl backup writes 0600" "backup-$um.db:600" "$(modes "$WORK/backup-$um.db")"
	unmount_osfs
done

# --- a store readable by others is tightened at mount ---------------------
STORE=$WORK/store-022.db
chmod 0644 "$STORE"
: >"$WORK/osfs.err"
mount_osfs
equal "a 0644 store is made 0600 at mount" "store-022.db:600" "$(modes "$STORE")"
log_has "$WORK/osfs.err" "the store file $STORE was mode 0644, readable by other users: made 0600" \
	"and the daemon says which file and its old mode"
check "the tightened store still serves" test -s "$MNT/tenants/t/install/com.acme.crm.json"

# --- a clean stop leaves no lock (issue 12 item 14) -----------------------
fusermount3 -u "$MNT"
for _ in $(seq 100); do kill -0 "$OSFS_PID" 2>/dev/null || break; sleep 0.05; done
wait "$OSFS_PID" 2>/dev/null
OSFS_PID=
check_not "fusermount3 -u leaves no .lock" test -e "$STORE.lock"
mount_osfs
kill -TERM "$OSFS_PID"
wait "$OSFS_PID" 2>/dev/null
OSFS_PID=
check_not "SIGTERM leaves no .lock" test -e "$STORE.lock"
mount_osfs
pass "and the store mounts again"
unmount_osfs

# --- a failed preload leaves no new store (issue 12 item 14) --------------
echo '{"manifest": ' >"$WORK/bad.json"
fails_to_mount "a preload of a bad file fails the mount" "failed" -o "store=$WORK/new.db,preload=$WORK/bad.json"
equal "and leaves no new store, -wal, -shm or lock" "" \
	"$(modes "$WORK/new.db" "$WORK/new.db-wal" "$WORK/new.db-shm" "$WORK/new.db.lock")"
fails_to_mount "a bad preload on an existing store fails too" "failed" -o "store=$STORE,preload=$WORK/bad.json"
check "and leaves that store where it was" test -s "$STORE"

# --- links at the lock's and the store's path are refused ----------------
printf 'precious\n' >"$WORK/target"
rm -f "$STORE.lock"
ln -s "$WORK/target" "$STORE.lock"
fails_to_mount "a symbolic link as the lock is refused (ELOOP)" "is a symbolic link; refusing to follow it" \
	-o "store=$STORE"
equal "and its target is not written" "precious" "$(cat "$WORK/target")"
rm -f "$STORE.lock"
ln -s "$WORK/nowhere" "$STORE.lock"
fails_to_mount "a dangling symbolic link as the lock is refused" "is a symbolic link; refusing to follow it" \
	-o "store=$STORE"
check_not "and its target is not created" test -e "$WORK/nowhere"
rm -f "$STORE.lock"
ln "$WORK/target" "$STORE.lock"
fails_to_mount "a hard link as the lock is refused" "hard link" -o "store=$STORE"
equal "and the linked file is not written" "precious" "$(cat "$WORK/target")"
rm -f "$STORE.lock"
ln -s "$WORK/target" "$WORK/link.db"
fails_to_mount "a symbolic link as the store is refused" "is a symbolic link; refusing to follow it" \
	-o "store=$WORK/link.db"
equal "and its target is not written" "precious" "$(cat "$WORK/target")"
check_not "nor a lock left for it" test -e "$WORK/link.db.lock"
finish
