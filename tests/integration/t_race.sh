#!/usr/bin/env bash
# Concurrent writers on two daemons of one PostgreSQL store (issue 13 item 5;
# docs/scale-out.md, "Serializing concurrent writers"): daemon A removes
# `base` while daemon B installs `app`, which depends on it, at the same
# moment, 50 times.  Each round ends with exactly one of them refused (rm
# EBUSY: app needs base; or cp ENOPKG: base is gone), never both done and
# never both refused, and the store holds what the winner left.
#
# PostgreSQL only (NEED_PG: lib.sh uses make test-pg's server, or starts one
# of its own under make test when PostgreSQL 15 is installed, as in CI).
NEED_PG=1
. "$(dirname "$0")/lib.sh"

B_PID=
unmount_b() {
	[ -n "$B_PID" ] || return 0
	fusermount3 -u "$WORK/mntb" 2>/dev/null || fusermount3 -u -z "$WORK/mntb" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$B_PID" 2>/dev/null || break; sleep 0.1; done
	kill "$B_PID" 2>/dev/null
	wait "$B_PID" 2>/dev/null
	B_PID=
}
trap 'unmount_b; cleanup' EXIT

mount_osfs -o sync_poll=1
mkdir -p "$WORK/mntb"
"$OSFS" -f -o "store=$STORE,sync_poll=1" "$WORK/mntb" 2>>"$WORK/osfsb.err" &
B_PID=$!
for _ in $(seq 100); do
	[ "$(stat -f -c %T "$WORK/mntb" 2>/dev/null)" = fuseblk ] && [ -d "$WORK/mntb/tenants" ] && break
	sleep 0.05
done
A=$MNT/tenants/race
B=$WORK/mntb/tenants/race

artifact com.test.base 1.0.0 rbase >"$WORK/base.json"
artifact com.test.app 1.0.0 rapp '{"com.test.base": "^1.0.0"}' >"$WORK/app.json"
check "mkdir of the tenant through A" mkdir "$A"
for _ in $(seq 50); do [ -d "$B/install" ] && break; sleep 0.1; done

# user_pkgs: the tenant's packages of its own, from the store itself.
user_pkgs() {
	store_sql "SELECT i.pkg FROM installs i JOIN tenants t ON t.id = i.tenant
	           WHERE t.name = 'race' AND i.system = 0 ORDER BY i.pkg" | tr '\n' ' '
}

rounds=50 rm_won=0 cp_won=0 both=0 neither=0 bad_state=0 setup=0
for r in $(seq "$rounds"); do
	# base installed, app not: through A, which then sees its own write
	if ! cp "$WORK/base.json" "$A/install/com.test.base.json" 2>>"$WORK/setup.err"; then
		setup=$((setup + 1))
		continue
	fi
	# B's kernel may still cache install/ without base for the few ms the
	# notification takes; the install checks the store, not the cache.
	rm "$A/install/com.test.base.json" 2>"$WORK/rm.err" &
	rmp=$!
	cp "$WORK/app.json" "$B/install/com.test.app.json" 2>"$WORK/cp.err" &
	cpp=$!
	wait "$rmp"; rmrc=$?
	wait "$cpp"; cprc=$?
	state=$(user_pkgs)
	if [ "$rmrc" -eq 0 ] && [ "$cprc" -ne 0 ]; then
		rm_won=$((rm_won + 1))
		grep -qF "Package not installed" "$WORK/cp.err" || { bad_state=$((bad_state + 1)); echo "# round $r: cp: $(cat "$WORK/cp.err")"; }
		[ "$state" = "" ] || { bad_state=$((bad_state + 1)); echo "# round $r: rm won, store has: $state"; }
	elif [ "$rmrc" -ne 0 ] && [ "$cprc" -eq 0 ]; then
		cp_won=$((cp_won + 1))
		grep -qF "Device or resource busy" "$WORK/rm.err" || { bad_state=$((bad_state + 1)); echo "# round $r: rm: $(cat "$WORK/rm.err")"; }
		[ "$state" = "com.test.app com.test.base " ] || { bad_state=$((bad_state + 1)); echo "# round $r: cp won, store has: $state"; }
		# back to nothing: app first (through B), then base
		rm "$B/install/com.test.app.json" 2>>"$WORK/setup.err" || setup=$((setup + 1))
		rm "$B/install/com.test.base.json" 2>>"$WORK/setup.err" || setup=$((setup + 1))
	elif [ "$rmrc" -eq 0 ]; then
		both=$((both + 1)); echo "# round $r: both done; store has: $state"
	else
		neither=$((neither + 1)); echo "# round $r: both refused: rm: $(cat "$WORK/rm.err") cp: $(cat "$WORK/cp.err")"
	fi
	for _ in $(seq 50); do
		[ -z "$(user_pkgs)" ] && [ ! -e "$A/install/com.test.base.json" ] && [ ! -e "$B/install/com.test.app.json" ] && break
		sleep 0.1
	done
done
echo "# $rounds rounds: rm won $rm_won, cp won $cp_won, both done $both, both refused $neither"
equal "never both done" 0 "$both"
equal "never both refused" 0 "$neither"
equal "the loser's errno and the store's state agree with the winner, every round" 0 "$bad_state"
equal "every round's setup worked" 0 "$setup"
check "both daemons still serve" sh -c "ls '$A/install' >/dev/null && ls '$B/install' >/dev/null"
finish
