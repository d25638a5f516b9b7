#!/usr/bin/env bash
# A PostgreSQL primary and a streaming hot standby (issue 13 items 6 and 7;
# docs/scale-out.md, "Standby reads" and "Failures"): reads from the standby
# with -o store_read=, a mount reading its own writes while the standby
# lags (replay paused), the primary stopped (reads go on from the standby,
# installs fail at once with EROFS; without a standby EIO, never a hang), the
# primary back (writes resume, no restart), and the standby promoted under
# synchronous replication (a multi-host string finds the new primary; no
# install whose cp exited 0 is lost: counted).
#
# It starts its own two servers (tests/pg/server.sh start, standby), since it
# stops and promotes them: under make test when PostgreSQL 15 is installed
# (.ci/run installs it); skipped under make test-pg, which would run it twice.
. "$(dirname "$0")/lib.sh"
PGSH=$(cd "$(dirname "$0")/../pg" && pwd)/server.sh
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -z "$PG_DB" ] || { echo "skip - runs under make test (it starts its own primary and standby)"; exit 0; }
[ -x "$PGBIN/initdb" ] || { echo "skip - no PostgreSQL 15 (apt-get install postgresql-15)"; exit 0; }
[ "$(id -u)" -eq 0 ] || { echo "skip - needs root (the servers run as the postgres user)"; exit 0; }

# The servers' folders are outside $WORK (0700, root's): the postgres user
# must reach them.
P=$(mktemp -d /tmp/osfs-pgp.XXXXXX) && rmdir "$P"
S=$(mktemp -d /tmp/osfs-pgs.XXXXXX) && rmdir "$S"
declare -A PIDS=()
mount_n() { # mount_n NAME options...: daemon NAME on $WORK/NAME, stderr in $WORK/NAME.err
	local n=$1; shift
	mkdir -p "$WORK/$n"
	"$OSFS" -f "$@" "$WORK/$n" 2>>"$WORK/$n.err" &
	PIDS[$n]=$!
	for _ in $(seq 200); do
		[ "$(stat -f -c %T "$WORK/$n" 2>/dev/null)" = fuseblk ] && [ -d "$WORK/$n/tenants" ] && return 0
		kill -0 "${PIDS[$n]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "FATAL: osfs $n did not mount"; cat "$WORK/$n.err"; exit 1
}
unmount_n() {
	local n=$1 p=${PIDS[$1]:-}
	[ -n "$p" ] || return 0
	fusermount3 -u "$WORK/$n" 2>/dev/null || fusermount3 -u -z "$WORK/$n" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "PIDS[$n]"
}
all_down() {
	local n
	for n in "${!PIDS[@]}"; do unmount_n "$n"; done
	"$PGSH" stop "$S" 2>/dev/null
	"$PGSH" stop "$P" 2>/dev/null
}
trap 'all_down; cleanup' EXIT

"$PGSH" start "$P" >/dev/null || { echo "FATAL: no primary"; exit 1; }
"$PGSH" standby "$P" "$S" >/dev/null || { echo "FATAL: no standby"; exit 1; }
PPORT=$(. "$P/env" && echo "$OSFS_PG_PORT")
SPORT=$(. "$S/env" && echo "$OSFS_PG_PORT")
URI_P=postgresql://osfs@127.0.0.1:$PPORT/osfs
URI_S=postgresql://osfs@127.0.0.1:$SPORT/osfs
PASS=$S/passfile # the role's password on both servers
pg_ctl_as() { runuser -u postgres -- "$PGBIN/pg_ctl" "$@" >/dev/null 2>&1; }
on_s() { "$PGSH" psql "$S" -d osfs -Atc "SET search_path = osfs, pg_catalog" -c "$1" 2>/dev/null | grep -v '^SET$'; }
on_p() { "$PGSH" psql "$P" -d osfs -Atc "SET search_path = osfs, pg_catalog" -c "$1" 2>/dev/null | grep -v '^SET$'; }
within() { # within "what" command...: succeeds within 10 s (tried every 0.1 s)
	local what=$1; shift
	for _ in $(seq 100); do
		if "$@" >/dev/null 2>&1; then pass "$what"; return; fi
		sleep 0.1
	done
	fail "$what" "command: $* (still failing after 10 s)"
}
has() { ls "$1" 2>/dev/null | grep -qxF -- "$2"; }
installed_on_s() { # installed_on_s TENANT N: the standby has N packages of the user's in TENANT
	[ "$(on_s "SELECT count(*) FROM installs i JOIN tenants t ON t.id=i.tenant WHERE t.name='$1' AND i.system=0")" = "$2" ]
}
caught_up() { [ "$(on_p "SELECT count(*) FROM pg_stat_replication WHERE replay_lsn = pg_current_wal_lsn()")" = 1 ]; }
for i in $(seq 1 41); do artifact "com.test.p$i" 1.0.0 >"$WORK/p$i.json"; done

# ------------------------------------------------------------ standby reads
mount_n A -o "store=$URI_P,store_read=$URI_S,store_passfile=$PASS,sync_poll=1"
mount_n B -o "store=$URI_P,store_passfile=$PASS,sync_poll=1"
A=$WORK/A/tenants
B=$WORK/B/tenants
check "mkdir of a tenant through A" mkdir "$A/acme"
check "cp installs app-todo through A" cp "$FIXTURES/app-todo/objectstack.json" "$A/acme/install/app-todo.json"
check "... A shows it at once (its own write)" has "$A/acme/packages" com.example.todo@2.0.0
within "the standby has replayed it" installed_on_s acme 1
equal "A reads through a connection to the standby" \
	1 "$("$PGSH" psql "$S" -d postgres -Atc "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname='osfs' AND application_name='osfs'" | sed 's/t/1/;s/f/0/')"

# Read-your-writes while the standby lags: its replay paused, an install
# through A shows on A at once (read from the primary), though the standby
# has not got it.
on_s "SELECT pg_wal_replay_pause()" >/dev/null
check "with the standby's replay paused, cp installs p1 through A" cp "$WORK/p1.json" "$A/acme/install/com.test.p1.json"
check "... A lists it at once" has "$A/acme/install" com.test.p1.json
check "... and reads it" grep -q com.test.p1 "$A/acme/install/com.test.p1.json"
check "... the standby does not have it (the test is meaningful)" installed_on_s acme 1
# What another daemon changes: A is told (NOTIFY) and must read it from a
# server that has it, not cache the standby's older answer.
check "B (no standby) makes a tenant and installs p2 into it" \
	sh -c "mkdir '$B/other' && cp '$WORK/p2.json' '$B/other/install/com.test.p2.json'"
within "... A shows B's tenant" has "$A" other
within "... and its install" has "$A/other/install" com.test.p2.json
on_s "SELECT pg_wal_replay_resume()" >/dev/null
within "replay resumed: the standby catches up" caught_up

# ------------------------------------------------------------ the primary stops
mount_n C -o "store=$URI_P,store_passfile=$PASS,sync_poll=1"
C=$WORK/C/tenants
check "the primary stops" pg_ctl_as -D "$P/data" -m fast -w stop
t0=$(date +%s)
check "A still reads what it never read before (from the standby)" \
	sh -c "tar -cf - -C '$A/acme' objects packages | wc -c | grep -qv '^0$'"
check "... and lists tenants" has "$A" other
fails_with EROFS "an install through A fails (read-only while the primary is away)" \
	cp "$WORK/p3.json" "$A/acme/install/com.test.p3.json"
t1=$(date +%s)
# Not a timed assertion of speed: a hang would be minutes (the connect
# timeout is 5 s per try, TCP's 20 s per statement).
check "... at once, not after a timeout (under 10 s: $((t1 - t0)) s)" test $((t1 - t0)) -lt 10
log_has "$WORK/A.err" "the store's primary at 127.0.0.1:$PPORT cannot be reached; installs resume when it is back" \
	"... A's daemon says why, naming the primary"
fails_with EROFS "mkdir of a tenant through A fails the same way" mkdir "$A/late"
t0=$(date +%s)
out=$(timeout 60 ls "$C/acme/objects" 2>&1); rc=$?
t1=$(date +%s)
check "C (no standby): a listing it never cached fails, it does not hang (exit $rc, $((t1 - t0)) s)" \
	test "$rc" -ne 0 -a "$rc" -ne 124
check "... with EIO" sh -c "printf '%s' '$out' | grep -qF 'Input/output error'"
log_has "$WORK/C.err" "the store at 127.0.0.1:$PPORT cannot be reached; osfs retries every second" \
	"... C's daemon says why"

# ------------------------------------------------------------ the primary returns
check "the primary starts again" pg_ctl_as -D "$P/data" -l "$P/log" -w -t 60 start
try_install() { cp "$WORK/$1.json" "$A/acme/install/com.test.$1.json"; }
within "installs through A resume, no restart" try_install p3
within "C reads again by itself" ls "$C/acme/objects"
log_has "$WORK/A.err" "the store's primary at 127.0.0.1:$PPORT answers again" "... A's daemon says it is back"
unmount_n C
unmount_n B
unmount_n A

# ------------------------------------------------------------ promotion
# Synchronous replication: a commit returns once the standby has flushed it.
on_p "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
on_p "SELECT pg_reload_conf()" >/dev/null
sync_on() { [ "$(on_p "SELECT sync_state FROM pg_stat_replication")" = sync ]; }
within "the standby is synchronous" sync_on
# -o splits on commas: a multi-host string's are written \, (docs/scale-out.md)
MULTI="postgresql://osfs@127.0.0.1:$PPORT\,127.0.0.1:$SPORT/osfs?target_session_attrs=read-write"
mount_n D -o "store=$MULTI,store_passfile=$PASS,sync_poll=1"
D=$WORK/D/tenants
check "mkdir of a tenant through D (a multi-host string)" mkdir "$D/sync"

# The synchronous standby gone: a commit would wait for it for ever (and
# hold every daemon's write lock); osfs gives up after 10 s with EIO and
# says why.  The install is then on the primary, unconfirmed.
check "the synchronous standby stops" pg_ctl_as -D "$S/data" -m fast -w stop
t0=$(date +%s)
out=$(timeout 120 cp "$WORK/p41.json" "$D/sync/install/com.test.p41.json" 2>&1); rc=$?
t1=$(date +%s)
check "an install waiting for the missing standby fails, it does not hang (exit $rc, $((t1 - t0)) s)" \
	test "$rc" -ne 0 -a "$rc" -ne 124 -a $((t1 - t0)) -lt 60
check "... with EIO" sh -c "printf '%s' '$out' | grep -qF 'Input/output error'"
log_has "$WORK/D.err" "did not confirm a commit within 10 s (is its synchronous standby reachable?)" \
	"... D's daemon says why"
check "the standby starts again" pg_ctl_as -D "$S/data" -l "$S/log" -w -t 60 start
within "... and is synchronous again" sync_on
check "the unconfirmed install is gone from D's tenant" rm "$D/sync/install/com.test.p41.json"
: >"$WORK/ok"
(
	for i in $(seq 4 40); do
		if cp "$WORK/p$i.json" "$D/sync/install/com.test.p$i.json" 2>>"$WORK/cp.err"; then
			echo "com.test.p$i" >>"$WORK/ok"
		fi
		sleep 0.2
	done
) &
loop=$!
for _ in $(seq 100); do [ "$(wc -l <"$WORK/ok")" -ge 5 ] && break; sleep 0.1; done
check "the old primary stops (immediate: as a crash)" pg_ctl_as -D "$P/data" -m immediate -w stop
check "the standby is promoted" pg_ctl_as -D "$S/data" -w promote
wait "$loop"
okn=$(wc -l <"$WORK/ok")
echo "# $okn of 37 installs through D returned 0 across the promotion"
check "installs before the stop returned 0" test "$okn" -ge 5
check "installs after the promotion returned 0 (D found the new primary)" \
	grep -qx com.test.p40 "$WORK/ok"
have=$(on_s "SELECT i.pkg FROM installs i JOIN tenants t ON t.id = i.tenant WHERE t.name = 'sync' AND i.system = 0" | sort)
lost=$(comm -23 <(sort "$WORK/ok") <(printf '%s\n' "$have"))
equal "no install whose cp returned 0 is lost ($okn counted)" "" "$lost"
check "D lists them all" sh -c "for p in \$(cat '$WORK/ok'); do ls '$D/sync/install' | grep -qx \"\$p.json\" || exit 1; done"
# A switch quicker than D's next install costs nothing (a broken connection
# is replaced and its statement run again); one that an install met is said.
if [ "$okn" -lt 37 ]; then
	log_has "$WORK/D.err" "cannot be reached" "D's daemon said the store could not be reached during the switch"
fi
finish
