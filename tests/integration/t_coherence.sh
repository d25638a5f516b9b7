#!/usr/bin/env bash
# Several daemons on one PostgreSQL store (issue 13 item 4; docs/scale-out.md,
# "Coherence"): what one mount changes reaches the kernel cache of the others,
# pushed by NOTIFY and, with the listener's connection killed, by the poll of
# -o sync_poll.  Each wait is a bounded loop (up to 5 s, the promise being
# sync_poll + 1 s = 2 s), never a timed assertion.
#
# What the kernel keeps: names and attributes for entry_timeout (3600 s), file
# pages (keep_cache); listings are read again at each opendir.  So the checks
# that fail without coherence are those of stat (a name removed elsewhere
# still found, the old inode after an upgrade, a folder's old mtime) and of
# cached pages; ls is checked too.
#
# PostgreSQL only (NEED_PG: lib.sh uses make test-pg's server, or starts one
# of its own under make test when PostgreSQL 15 is installed, as in CI).
NEED_PG=1
. "$(dirname "$0")/lib.sh"
PGSH=$(cd "$(dirname "$0")/../pg" && pwd)/server.sh

# More daemons on the same store (the first is lib.sh's, on $MNT): mount_other
# N [options] mounts daemon N on $WORK/mntN, its stderr in $WORK/osfsN.err.
declare -A OTHER_PID=()
mount_other() {
	local n=$1; shift
	mkdir -p "$WORK/mnt$n"
	"$OSFS" -f -o "store=$STORE" "$@" "$WORK/mnt$n" 2>>"$WORK/osfs$n.err" &
	OTHER_PID[$n]=$!
	for _ in $(seq 100); do
		[ "$(stat -f -c %T "$WORK/mnt$n" 2>/dev/null)" = fuseblk ] && [ -d "$WORK/mnt$n/tenants" ] && return 0
		kill -0 "${OTHER_PID[$n]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "FATAL: osfs $n did not mount"; cat "$WORK/osfs$n.err"; exit 1
}
unmount_others() {
	local n p
	for n in "${!OTHER_PID[@]}"; do
		p=${OTHER_PID[$n]}
		fusermount3 -u "$WORK/mnt$n" 2>/dev/null || fusermount3 -u -z "$WORK/mnt$n" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		unset "OTHER_PID[$n]"
	done
}
trap 'unmount_others; cleanup' EXIT

# within "what" command...: the command succeeds within 5 s (tried every 0.1 s).
within() {
	local what=$1; shift
	for i in $(seq 50); do
		if "$@" >/dev/null 2>&1; then pass "$what${VERBOSE:+ (try $i)}"; return; fi
		sleep 0.1
	done
	fail "$what" "command: $* (still failing after 5 s)"
}
has() { grep -qxF -- "$2" <(ls -a "$1" 2>/dev/null); }
same() { [ "$(stat -c "$1" "$A/$2" 2>&1)" = "$(stat -c "$1" "$B/$2" 2>&1)" ]; }
same_c() { [ "$(stat -c "$1" "$A/$2" 2>&1)" = "$(stat -c "$1" "$C/$2" 2>&1)" ]; }
hasnt() { [ -d "$1" ] && ! has "$1" "$2"; }

mount_osfs -o sync_poll=1
mount_other 2 -o sync_poll=1
# The third never listens (a test switch of store/pg/watch.c): what reaches
# it comes by the poll alone.
OSFS_TEST_NO_LISTEN=1 mount_other 3 -o sync_poll=1
A=$MNT/tenants
B=$WORK/mnt2/tenants
C=$WORK/mnt3/tenants

# ------------------------------------------------------------ tenants
check "B stats tenants/ (its mtime now cached in B's kernel)" stat "$B"
check "C too" stat "$C"
sleep 0.01
check "mkdir of a tenant through A" mkdir "$A/acme"
within "... the tenant appears on B" has "$B" acme
within "... and on C, which only polls" has "$C" acme
within "... tenants/ has the same mtime on A and C" same_c %Y .
within "... tenants/ has the same mtime on A and B" same %Y .
check "B lists acme's install/ (empty), which its kernel now caches" ls "$B/acme/install"

# ------------------------------------------------------------ installs
artifact com.acme.base 1.0.0 acb >"$WORK/base.json"
check "install through A" cp "$WORK/base.json" "$A/acme/install/com.acme.base.json"
within "... ls on B shows it" has "$B/acme/install" com.acme.base.json
within "... install/ has the same mtime on A and B" same %Y acme/install
within "... cat on B reads it" grep -q '"com.acme.base"' "$B/acme/install/com.acme.base.json"
within "C stats it (cached)" stat "$C/acme/install/com.acme.base.json"
equal "... stat sizes agree on A and B" "$(stat -c %s "$A/acme/install/com.acme.base.json")" "$(stat -c %s "$B/acme/install/com.acme.base.json")"
equal "... the same inode on A and B" "$(stat -c %i "$A/acme/install/com.acme.base.json")" "$(stat -c %i "$B/acme/install/com.acme.base.json")"
check "B lists packages/, cached" ls "$B/acme/packages"
artifact com.acme.base 1.1.0 acb >"$WORK/base11.json"
check "an upgrade through A" cp "$WORK/base11.json" "$A/acme/install/com.acme.base.json"
within "... B's stat shows the new inode, as A's" same %i acme/install/com.acme.base.json
within "... C's too (by the poll)" same_c %i acme/install/com.acme.base.json
within "... B reads the new version" grep -q '"1.1.0"' "$B/acme/install/com.acme.base.json"
within "... and B's packages/ shows it" has "$B/acme/packages" com.acme.base@1.1.0
equal "... sizes agree" "$(stat -c %s "$A/acme/install/com.acme.base.json")" "$(stat -c %s "$B/acme/install/com.acme.base.json")"

check "A lists install/, cached" ls "$A/acme/install"
check "uninstall through B" rm "$B/acme/install/com.acme.base.json"
within "... A's stat no longer finds it (its name was cached)" test ! -e "$A/acme/install/com.acme.base.json"
within "... nor C's (by the poll)" test ! -e "$C/acme/install/com.acme.base.json"
within "... it disappears from A's listing" hasnt "$A/acme/install" com.acme.base.json
check_not "... and A cannot open it" cat "$A/acme/install/com.acme.base.json"

# ------------------------------------------------------------ records
OBJ='"objects": [{"name": "nts_note", "fields": {"title": {"type": "text"}}}]'
artifact com.acme.notes 1.0.0 nts '{}' "$OBJ" >"$WORK/notes.json"
check "install an app with an object through A" cp "$WORK/notes.json" "$A/acme/install/com.acme.notes.json"
within "... its data folder shows on B" test -d "$B/acme/data/nts_note"
check "B lists data/nts_note (empty), cached" ls "$B/acme/data/nts_note"
check "a record written through A" sh -c "echo '{\"title\": \"first\"}' >'$A/acme/data/nts_note/n1.json'"
within "... is read through B" grep -q '"first"' "$B/acme/data/nts_note/n1.json"
check "A stats it (cached)" stat "$A/acme/data/nts_note/n1.json"
check "the record rewritten through A" sh -c "echo '{\"title\": \"second, longer\"}' >'$A/acme/data/nts_note/n1.json'"
within "... B's stat shows the new inode, as A's" same %i acme/data/nts_note/n1.json
within "... B reads the new body" grep -q '"second, longer"' "$B/acme/data/nts_note/n1.json"
equal "... sizes agree" "$(stat -c %s "$A/acme/data/nts_note/n1.json")" "$(stat -c %s "$B/acme/data/nts_note/n1.json")"
check "the record removed through B" rm "$B/acme/data/nts_note/n1.json"
within "... A's stat no longer finds it" test ! -e "$A/acme/data/nts_note/n1.json"
within "... gone from A's listing" hasnt "$A/acme/data/nts_note" n1.json

# ------------------------------------------------------------ the poll
# The listener's connection is killed: changes still arrive, by the poll
# (and by the listener once it has reconnected).
kill_listeners() {
	"$PGSH" psql "$OSFS_TEST_PG_DIR" -qAt -d postgres -c \
		"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		 WHERE datname = '$PG_DB' AND application_name = 'osfs listener'"
}
equal "the two listening daemons listen on a connection of their own" 2 "$(kill_listeners)"
artifact com.acme.poll 1.0.0 pol >"$WORK/poll.json"
check "install through A right after" cp "$WORK/poll.json" "$A/acme/install/com.acme.poll.json"
within "... B shows it" has "$B/acme/install" com.acme.poll.json
check "B stats it (cached)" stat "$B/acme/install/com.acme.poll.json"
within "... B's daemon said it lost its notification connection" \
	grep -qF "the store's notification connection was lost; reconnecting" "$WORK/osfs2.err"
within "... and it listens again" sh -c "[ \"\$(\"$PGSH\" psql \"$OSFS_TEST_PG_DIR\" -qAt -d postgres -c \"SELECT count(*) FROM pg_stat_activity WHERE datname = '$PG_DB' AND application_name = 'osfs listener'\")\" = 2 ]"

# The listeners killed every 50 ms for 3 s: a notification may be lost
# between a kill and the reconnect; the poll and the catch-up at each
# reconnect still bring A's change to B.
( for _ in $(seq 60); do kill_listeners >/dev/null 2>&1; sleep 0.05; done ) &
KILLER=$!
check "B lists install/ again, cached" ls "$B/acme/install"
check "uninstall through A while no listener stays up" rm "$A/acme/install/com.acme.poll.json"
within "... gone from B's stat" test ! -e "$B/acme/install/com.acme.poll.json"
wait "$KILLER"

# ------------------------------------------------------------ the store
equal "each change set is in osfs.changes with its generation" 1 \
	"$(store_sql "SELECT (count(*) > 0)::int FROM changes c JOIN gens g USING (tenant) WHERE c.gen <= g.gen")"
equal "generations: one per domain that changed" \
	"$(store_sql "SELECT count(DISTINCT tenant) FROM changes")" "$(store_sql "SELECT count(*) FROM gens")"

unmount_others
for n in 2 3; do
	if grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$WORK/osfs$n.err" 2>/dev/null; then
		fail "daemon $n's sanitizer report" "$(grep -E -A20 'AddressSanitizer|runtime error|LeakSanitizer' "$WORK/osfs$n.err" | head -40)"
	fi
done
finish
