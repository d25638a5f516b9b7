#!/usr/bin/env bash
# Crash safety (issue 3 point 4): the daemon is killed with SIGKILL at
# random moments during installs, upgrades, downgrades and uninstalls of
# large artifacts, then mounted again (which clears the stale mount).
# After every round: the store passes osfsctl fsck (integrity_check,
# foreign keys, every package fully installed or absent, the log's lines
# adding up to its size), every installed package's files are the
# artifact's, and no record is ever lost.
. "$(dirname "$0")/lib.sh"
ROUNDS=${CRASH_ROUNDS:-60}

# big VERSION RECORDS: an artifact with 8 objects and RECORDS seed records.
big() {
	awk -v ver="$1" -v n="$2" 'BEGIN {
		printf "{\"manifest\": {\"id\": \"com.crash.big\", \"namespace\": \"big\", \"version\": \"%s\"},\n", ver
		printf "\"objects\": ["
		for (o = 0; o < 8; o++)
			printf "%s{\"name\": \"big_o%d\", \"fields\": {\"name\": {\"type\": \"text\"}, \"n\": {\"type\": \"number\"}, \"v%s\": {\"type\": \"text\"}}}", (o ? "," : ""), o, ver == "1.0.0" ? "1" : "2"
		printf "],\n\"actions\": ["
		for (a = 0; a < 200; a++)
			printf "%s{\"name\": \"big_action_%d\", \"label\": \"Action %d of %s\"}", (a ? "," : ""), a, a, ver
		printf "],\n\"data\": ["
		for (o = 0; o < 8; o++) {
			printf "%s{\"object\": \"big_o%d\", \"mode\": \"upsert\", \"records\": [", (o ? "," : ""), o
			for (r = 0; r < n / 8; r++)
				printf "%s{\"name\": \"rec-%d-%s\", \"n\": %d, \"note\": \"record %d of object %d, version %s\"}", (r ? "," : ""), r, ver, r, r, o, ver
			printf "]}"
		}
		printf "]}\n"
	}' >"$WORK/big-$1.json"
}
big 1.0.0 16000
big 1.1.0 24000
SHOWCASE=$FIXTURES/app-showcase/objectstack.json

records() { store_sql "SELECT count(*) FROM records" 2>/dev/null | tail -1; }

mount_osfs
mkdir "$MNT/tenants/acme" "$MNT/tenants/beta"
seen=0
killed_mid=0
fsck_fail=0
files_fail=0
lost=0
for round in $(seq "$ROUNDS"); do
	t=$([ $((round % 2)) = 0 ] && echo acme || echo beta)
	T=$MNT/tenants/$t
	case $((RANDOM % 8)) in
	0 | 1 | 2) op=(cp "$WORK/big-1.0.0.json" "$T/install/") ;;
	3 | 4) op=(cp "$WORK/big-1.1.0.json" "$T/install/") ;;
	5) op=(rm -f "$T/install/com.crash.big.json") ;;
	6) op=(cp "$SHOWCASE" "$T/install/") ;;
	*) op=(rm -f "$T/install/com.example.showcase.json") ;;
	esac
	"${op[@]}" >/dev/null 2>&1 &
	opid=$!
	# Installs of the big artifacts take 100-250 ms here: most kills land
	# inside one, some before it starts or after it ends.
	sleep "0.$(printf '%03d' $((RANDOM % 200)))"
	kill -0 "$opid" 2>/dev/null && killed_mid=$((killed_mid + 1))
	kill -KILL "$OSFS_PID"
	wait "$OSFS_PID" 2>/dev/null
	wait "$opid" 2>/dev/null
	OSFS_PID=
	mount_osfs # clears the stale mount left by the killed daemon
	out=$("$OSFSCTL" fsck --store "$STORE" 2>&1) || { fsck_fail=$((fsck_fail + 1)); echo "round $round: $out"; }
	for tt in acme beta; do
		for f in "$MNT/tenants/$tt/install/"*.json; do
			[ -e "$f" ] || continue
			id=$(basename "$f" .json)
			ver=$(ls "$MNT/tenants/$tt/packages" | sed -n "s/^$id@//p")
			case $id@$ver in
			com.crash.big@1.0.0) want=$WORK/big-1.0.0.json ;;
			com.crash.big@1.1.0) want=$WORK/big-1.1.0.json ;;
			*) want=$SHOWCASE ;;
			esac
			cmp -s "$f" "$want" && cmp -s "$MNT/tenants/$tt/packages/$id@$ver/objectstack.json" "$want" &&
				[ "$(ls "$MNT/tenants/$tt/packages/$id@$ver/actions" 2>/dev/null | wc -l)" -gt 0 ] ||
				{ files_fail=$((files_fail + 1)); echo "round $round: $tt/$id@$ver is not whole"; }
		done
	done
	n=$(records)
	[ "$n" -ge "$seen" ] || { lost=$((lost + 1)); echo "round $round: records went from $seen to $n"; }
	seen=$n
done
echo "# $ROUNDS rounds, $killed_mid killed while the operation ran, $seen records at the end"
equal "the store passes fsck after every kill" 0 "$fsck_fail"
equal "every installed package is whole after every kill" 0 "$files_fail"
equal "no record is ever lost" 0 "$lost"
check "some kills hit an operation in flight" test "$killed_mid" -gt $((ROUNDS / 4))
check "the log reads back after all that" grep -q "created tenant acme" "$MNT/tenants/acme/log"

# Stale mounts and second daemons (issue 3 point 7, issue 4 point 3).
check "osfs cleared the stale mount each killed daemon left, and said so" \
	grep -q "was left mounted by an osfs that stopped; it has been unmounted" "$WORK/osfs.err"
equal "no mount was stacked on another" "1" "$(grep -c " $MNT " /proc/mounts)"
# One daemon per SQLite file; a PostgreSQL store is shared by design
# (t_coherence).
if [ -z "$PG_DB" ]; then
	mkdir -p "$WORK/elsewhere"
	out=$("$OSFS" -f -o "store=$STORE" "$WORK/elsewhere" 2>&1); rc=$?
	equal "a second daemon on the same store is refused" "1" "$rc"
	check "... saying which daemon serves it and where" sh -c "printf '%s' \"\$1\" | grep -q 'is already served by osfs (pid $OSFS_PID) on $MNT'" _ "$out"
fi
out=$("$OSFS" -f -o "store=$WORK/other.db" "$MNT" 2>&1); rc=$?
equal "a daemon on a mount point osfs already serves is refused" "1" "$rc"
check "... saying so" sh -c "printf '%s' \"\$1\" | grep -q 'is already an osfs mount: unmount it first'" _ "$out"
finish
