# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: STATUS, W1T, T_S and the rest are run.sh's variables.)
# The PostgreSQL side of the bench (issue 13, docs/scale-out.md step 8),
# sourced by bench/run.sh: W1's reads and W2's installs on a store in a
# throwaway PostgreSQL 15 (tests/pg/server.sh, loopback, fsync=on and
# synchronous_commit=on, so a commit is durable as SQLite's
# synchronous=FULL is), each figure printed beside SQLite's from the same
# run; and W8, the cross-mount latency of three daemons (bench/coherence.sh).
#
# Without PostgreSQL 15 (or with BENCH_PG=0) the results say the PostgreSQL
# workloads were skipped.

PG_DIR=      # the server's folder while it runs
PG_URI_BASE= # postgresql://osfs@127.0.0.1:PORT
PG_PASSFILE=
PG_BIN=${PGBIN:-/usr/lib/postgresql/15/bin}

pg_available() {
	[ "${BENCH_PG:-1}" != 0 ] && [ -x "$PG_BIN/initdb" ] && id -u postgres >/dev/null 2>&1
}

pg_start() {
	[ -n "$PG_DIR" ] && return 0
	local d
	# Not under $WORK (0700, root's): the server runs as postgres.
	d=$(mktemp -d "${TMPDIR:-/tmp}/osfs-pg.XXXXXX") && rmdir "$d" || return 1
	OSFS_PG_FSYNC=on "$ROOT/tests/pg/server.sh" start "$d" >/dev/null || return 1
	PG_DIR=$d
	# shellcheck disable=SC1091
	. "$d/env"
	PG_URI_BASE=postgresql://osfs@127.0.0.1:$OSFS_PG_PORT
	# The daemons read the osfs role's password from here (not argv).
	PG_PASSFILE=$WORK/pgpass
	cp "$OSFS_PG_PASSFILE" "$PG_PASSFILE" && chmod 600 "$PG_PASSFILE" || return 1
	export PGPASSFILE=$PG_PASSFILE
	result "PostgreSQL: $("$PG_BIN/postgres" --version), tests/pg/server.sh on 127.0.0.1 (TCP, scram): fsync=on, synchronous_commit=on, shared_buffers=16MB, no standby"
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	"$ROOT/tests/pg/server.sh" stop "$PG_DIR" >/dev/null 2>&1
	PG_DIR=
}

pg_sql() { PGOPTIONS='-c client_min_messages=warning' "$ROOT/tests/pg/server.sh" psql "$PG_DIR" -q -v ON_ERROR_STOP=1 -d postgres -c "$1" >/dev/null; }

# pg_store NAME: a fresh database NAME owned by osfs; prints its URI.
pg_store() {
	pg_sql "DROP DATABASE IF EXISTS $1 WITH (FORCE)" && pg_sql "CREATE DATABASE $1 OWNER osfs" || return 1
	echo "$PG_URI_BASE/$1"
}

pg_drop() { pg_sql "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }

# pg_pin CPUS: the postmaster and every process it forked so far; backends
# forked later inherit the postmaster's affinity.
pg_pin() {
	local pid p
	pid=$(cat "$PG_DIR/pid") || return 1
	for p in "$pid" $(pgrep -P "$pid"); do taskset -p -c "$1" "$p" >/dev/null 2>&1; done
}

# ------------------------------------------------------------ W1 on PostgreSQL

# The W1 tree again (same tenants, same fixtures, by cp) in a PostgreSQL
# store; the three commands timed as W1 does, with the daemon, the command
# and the server pinned to CPU 0 (SQLite runs inside the daemon; here the
# server's backend is a process of its own, on the same CPU).  Cold drops
# the kernel's caches, not the server's shared_buffers (16 MB).
w1pg() {
	pg_available || { result "W1pg: skipped (no PostgreSQL 15 at $PG_BIN, or BENCH_PG=0)"; return 0; }
	pg_start || { ERR="W1pg: the PostgreSQL server did not start"; return 1; }
	local n=$W1_TENANTS i t f store root=$WORK/w1pg.mnt t0
	store=$(pg_store w1) || { ERR="W1pg: cannot create the database"; return 1; }
	pg_pin 0
	say "W1pg: $n tenants x 3 fixtures on PostgreSQL (daemon and server pinned to CPU 0)"
	mount_osfs "$store" "$root" pin || { ERR="W1pg mount failed"; return 1; }
	t0=$(now_us)
	for i in $(seq 1 "$n"); do
		t=$(printf 't%03d' "$i")
		mkdir "$root/tenants/$t" || { ERR="W1pg mkdir tenant $t failed"; return 1; }
		for f in $FIXTURE_NAMES; do
			install_file "$FIXTURES/$f/objectstack.json" "$root/tenants/$t" "$f.json" ||
				{ ERR="W1pg install of $f into $t failed"; return 1; }
		done
	done
	local fill
	fill=$(calc "($(now_us) - $t0) / 1e6")
	local fo bo
	fo=$(find "$root" | wc -l)
	bo=$(tar -C "$root" -cf - tenants | wc -c)
	if [ -n "$W1_FIND" ] && { [ "$fo" != "$W1_FIND" ] || [ "$bo" != "$W1_BYTES" ]; }; then
		result "WARNING: W1pg tree: find $fo entries, tar $bo bytes; the SQLite tree: $W1_FIND, $W1_BYTES"
		STATUS=1
	fi
	local c r k
	declare -gA W1G=()
	for r in $(seq 1 "$RUNS"); do
		say "W1pg: run $r/$RUNS"
		for c in 0 1 2; do
			w1_time "${W1_CMDS[$c]}" "$root" cold || { ERR="W1pg: ${W1_CMDS[$c]} failed"; return 1; }
			W1G[$c,cold]+=" $T_S"
			[ "$c" = 2 ] || [ "$OUT" = "$([ "$c" = 0 ] && echo "$fo" || echo "$bo")" ] ||
				{ result "WARNING: W1pg ${W1_NAMES[$c]} gave $OUT"; STATUS=1; }
			w1_time "${W1_CMDS[$c]}" "$root" warm >/dev/null
			w1_time "${W1_CMDS[$c]}" "$root" warm || { ERR="W1pg: ${W1_CMDS[$c]} failed"; return 1; }
			W1G[$c,warm]+=" $T_S"
		done
	done
	unmount_osfs
	pg_pin 0-$(($(nproc) - 1))
	local p s
	for c in 0 1 2; do
		for k in cold warm; do
			read -ra p <<<"${W1G[$c,$k]}"
			read -ra s <<<"${W1T[$c,osfs,$k]:-}"
			if [ "${#s[@]}" -gt 0 ]; then
				result "W1pg ${W1_NAMES[$c]}, $k, pinned to CPU 0: PostgreSQL $(fmt %.3f "${p[@]}") s, SQLite $(fmt %.3f "${s[@]}") s (W1 above), PostgreSQL/SQLite $(printf %.2f "$(calc "$(median "${p[@]}") / $(median "${s[@]}")")")x (of the medians)"
			else
				result "W1pg ${W1_NAMES[$c]}, $k, pinned to CPU 0: PostgreSQL $(fmt %.3f "${p[@]}") s (W1 did not run: no SQLite figure)"
			fi
		done
	done
	result "W1pg tree: $n tenants x 3 fixtures: $fo entries, $bo bytes of tar; filled by $((3 * n)) cp installs in $(printf %.1f "$fill") s"
	pg_drop w1
}

# ------------------------------------------------------------ W2 on PostgreSQL

# W2a, W2b, W2c of run.sh on PostgreSQL stores: run.sh's functions with
# STORE_OF naming a fresh database instead of a SQLite file, and the
# result lines labelled.  The SQLite lines (W2a..W2c above) are the same
# workloads in the same run.
w2pg() {
	pg_available || { result "W2pg: skipped (no PostgreSQL 15 at $PG_BIN, or BENCH_PG=0)"; return 0; }
	pg_start || { ERR="W2pg: the PostgreSQL server did not start"; return 1; }
	local rc=0
	ENGINE=pg
	w2a && w2b && w2c || rc=1
	ENGINE=sqlite
	return $rc
}

# ------------------------------------------------------------ W8

# Cross-mount latency: bench/coherence.sh (its own server, three daemons).
w8() {
	pg_available || { result "W8: skipped (no PostgreSQL 15 at $PG_BIN, or BENCH_PG=0)"; return 0; }
	local out
	say "W8: cross-mount latency, three daemons, $W8_INSTALLS installs"
	out=$(OSFS=$OSFS bash "$HERE/coherence.sh" "$W8_INSTALLS" 2>"$WORK/w8.err") ||
		{ ERR="W8: bench/coherence.sh failed: $(tail -n 3 "$WORK/w8.err")"; return 1; }
	while IFS= read -r line; do result "W8 $line"; done <<<"$out"
}
