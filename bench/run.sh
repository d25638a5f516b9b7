#!/usr/bin/env bash
# The osfs benchmark (make bench): workloads W1-W7 of bench/README.md on
# real mounts, the figures as medians of BENCH_RUNS runs (with min-max),
# written to bench/results.txt (overwritten) and printed.
#
#   OSFS=build/osfs OSFSCTL=build/osfsctl bench/run.sh
#   BENCH_QUICK=1 bench/run.sh          a smoke run of about a minute
#
# Knobs (environment): BENCH_RUNS (5; 2 with BENCH_QUICK), BENCH_QUICK,
# BENCH_DIR (where the work dir is made; default $TMPDIR or /tmp),
# BENCH_RESULTS (default bench/results.txt), BENCH_KEEP=1 (keep the work
# dir), BENCH_ONLY="W1 W4" (a subset; W4 needs W1's store),
# BENCH_W1_TENANTS (the W1/W4 tree's tenants: 100; 10 with BENCH_QUICK).
#
# Needs root (drop_caches, the tmpfs mount), fusermount3, taskset, python3.

set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OSFS_SRC=${OSFS:-$ROOT/build/osfs}
OSFSCTL_SRC=${OSFSCTL:-$ROOT/build/osfsctl}
FIXTURES=$ROOT/tests/fixtures/real
FIXTURE_NAMES="app-crm app-showcase app-todo"
RESULTS=${BENCH_RESULTS:-$HERE/results.txt}
QUICK=${BENCH_QUICK:-0}
ONLY=${BENCH_ONLY:-W1 W2 W3 W4 W5 W6 W7 W8}
W8_INSTALLS=${BENCH_W8_INSTALLS:-100}

if [ "$QUICK" = 1 ]; then
	RUNS=${BENCH_RUNS:-2}
	W1_TENANTS=10     # W1/W4 tree: tenants x the three fixtures
	W2A_PER_RUN=3     # W2a: installs per run (their median is the run's)
	W2B_PKGS=100      # W2b: packages installed into one tenant
	W2C_RECORDS=10000 # W2c: seed records of the one big artifact
	W3_TENANTS=10     # W3 large: tenants x 10 packages
else
	RUNS=${BENCH_RUNS:-5}
	W1_TENANTS=100
	W2A_PER_RUN=11
	W2B_PKGS=1000
	W2C_RECORDS=100000
	W3_TENANTS=100
fi
W1_TENANTS=${BENCH_W1_TENANTS:-$W1_TENANTS} # issue 15's table used 30
W3_PER_TENANT=10
W3_SMALL=10   # W3 small: this many tenants x 1 package

BENCH_START=$(date +%s)
WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/osfs-bench.XXXXXX") || exit 1
ERRFILE=$WORK/osfs.err
CUR_MNT= # the one osfs mount up at a time, and its daemon
CUR_PID=
TMPFS_DIR= # the tmpfs copy of the W1 tree, while mounted
STATUS=0

say() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

# shellcheck source=bench/peers.sh
. "$HERE/peers.sh"
# shellcheck source=bench/records.sh
. "$HERE/records.sh"
# shellcheck source=bench/pg.sh
. "$HERE/pg.sh"

# W2 runs on SQLite files, then (W2pg) on PostgreSQL databases.
ENGINE=sqlite
# store_of NAME: a fresh store of the engine; store_done NAME: removed.
store_of() {
	if [ "$ENGINE" = pg ]; then pg_store "${1//[-.]/_}"; else echo "$WORK/$1.db"; fi
}
store_done() {
	if [ "$ENGINE" = pg ]; then pg_drop "${1//[-.]/_}"; else rm -f "$WORK/$1.db"*; fi
}
# engine_label: what the W2 lines are called on this engine.
w2_label() { [ "$ENGINE" = pg ] && echo "$1pg" || echo "$1"; }

# ------------------------------------------------------------ mounts

unmount_osfs() {
	[ -n "$CUR_PID" ] || return 0
	local i
	for i in 1 2 3; do
		fusermount3 -u "$CUR_MNT" 2>/dev/null && break
		sleep 0.5
	done
	for _ in $(seq 100); do kill -0 "$CUR_PID" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$CUR_PID" 2>/dev/null; then
		say "osfs $CUR_PID did not exit 5 s after the unmount: killing it"
		kill "$CUR_PID" 2>/dev/null
		sleep 0.5
		grep -qF " $CUR_MNT " /proc/mounts && fusermount3 -u -z "$CUR_MNT" 2>/dev/null
	fi
	wait "$CUR_PID" 2>/dev/null
	CUR_PID=
	CUR_MNT=
}

# mount_osfs STORE MNT [pin]: starts osfs in the foreground (in the
# background of this shell), pinned to CPU 0 if asked.
mount_osfs() {
	local store=$1 mnt=$2 pin=${3:-}
	unmount_osfs
	mkdir -p "$mnt" || return 1
	if [ "$pin" = pin ]; then
		taskset -c 0 "$OSFS" -f -o "store=$store" "$mnt" 2>>"$ERRFILE" &
	else
		"$OSFS" -f -o "store=$store" "$mnt" 2>>"$ERRFILE" &
	fi
	CUR_PID=$!
	CUR_MNT=$mnt
	for _ in $(seq 600); do
		[ "$(stat -f -c %T "$mnt" 2>/dev/null)" = fuseblk ] && [ -d "$mnt/tenants" ] && return 0
		kill -0 "$CUR_PID" 2>/dev/null || break
		sleep 0.05
	done
	say "osfs did not mount on $mnt; its stderr:"
	tail -n 20 "$ERRFILE" >&2
	unmount_osfs
	return 1
}

umount_tmpfs() {
	[ -n "$TMPFS_DIR" ] || return 0
	umount "$TMPFS_DIR" 2>/dev/null || umount -l "$TMPFS_DIR" 2>/dev/null
	TMPFS_DIR=
}

cleanup() {
	unmount_osfs
	peers_cleanup
	pg_stop
	umount_tmpfs
	# Never rm -rf into a mount: unmounted above; keep the dir if any is left.
	if grep -qF " $WORK/" /proc/mounts 2>/dev/null; then
		say "something is still mounted under $WORK: kept"
	elif [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ helpers

now_us() { echo "${EPOCHREALTIME/./}"; }

# stats V...: "median min max" of the values (median of an even count:
# the mean of the middle two).
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) { print "nan nan nan"; exit }
		      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.10g %.10g %.10g\n", m, v[1], v[NR] }'
}

# fmt FORMAT V...: "MEDIAN (MIN-MAX)" of the values, each with FORMAT.
fmt() {
	local f=$1; shift
	local m lo hi
	read -r m lo hi < <(stats "$@")
	# shellcheck disable=SC2059
	printf "$f ($f-$f)" "$m" "$lo" "$hi"
}

median() { local m; read -r m _ < <(stats "$@"); echo "$m"; }

# calc EXPR: floating point arithmetic.
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }

result() { printf '%s\n' "$*" >>"$RESULTS"; }

drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# The daemon's time on CPU in ns: its threads' schedstat (ns-precise).
daemon_cpu_ns() {
	local s=0 f v
	for f in /proc/"$1"/task/*/schedstat; do
		read -r v _ <"$f" 2>/dev/null && s=$((s + v))
	done
	echo "$s"
}

# Status field (VmHWM, VmRSS) of a pid, in kB.
vm_kb() { awk -v k="$2:" '$1 == k { print $2 }' /proc/"$1"/status; }

# install_file FILE TENANT_DIR [NAME]: cp into install/; the reason of a
# refusal is in the tenant's log.
install_file() {
	local f=$1 t=$2 name=${3:-$(basename "$1")}
	if ! cp "$f" "$t/install/$name" 2>>"$WORK/cp.err"; then
		say "install of $f into $t refused:"
		tail -n 5 "$t/log" >&2
		return 1
	fi
}

# count_pkgs TENANT_DIR PREFIX: how many of its packages/ start so.
count_pkgs() { ls -1 "$1/packages" 2>/dev/null | grep -c "^$2" ; }

# ------------------------------------------------------------ setup

setup() {
	local f
	for f in "$OSFS_SRC" "$OSFSCTL_SRC"; do
		[ -x "$f" ] || { echo "bench: $f: not built (make)" >&2; return 1; }
	done
	[ "$(id -u)" = 0 ] || { echo "bench: needs root (drop_caches, tmpfs)" >&2; return 1; }
	for f in fusermount3 taskset python3 tar find; do
		command -v "$f" >/dev/null || { echo "bench: needs $f" >&2; return 1; }
	done
	# Private copies: the build may be replaced while the bench runs.
	mkdir -p "$WORK/bin" "$WORK/gen" || return 1
	cp "$OSFS_SRC" "$WORK/bin/osfs" && cp "$OSFSCTL_SRC" "$WORK/bin/osfsctl" || return 1
	OSFS=$WORK/bin/osfs
	OSFSCTL=$WORK/bin/osfsctl
	local pkgs=$W2B_PKGS
	[ $((W3_PER_TENANT)) -gt "$pkgs" ] && pkgs=$W3_PER_TENANT
	say "generating $pkgs small packages and one of $W2C_RECORDS records in $WORK/gen"
	python3 "$HERE/gen.py" small "$WORK/gen/small" "$pkgs" || return 1
	python3 "$HERE/gen.py" big "$WORK/gen/big.json" "$W2C_RECORDS" || return 1
	if ! "$OSFSCTL" validate "$WORK/gen/small"/*.json "$WORK/gen/big.json" >"$WORK/validate.out" 2>&1; then
		grep -v ': ok$' "$WORK/validate.out" | head >&2
		echo "bench: the generated artifacts do not validate" >&2
		return 1
	fi
}

header() {
	local rev dirty=
	rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
	git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || dirty=-dirty
	: >"$RESULTS"
	result "osfs benchmark (make bench)$([ "$QUICK" = 1 ] && echo ', QUICK run')"
	result "date:     $(date -Is)"
	result "commit:   $rev$dirty"
	result "nproc:    $(nproc) ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo))"
	result "kernel:   $(uname -sr)"
	result "osfs:     $("$OSFS" --version 2>&1 | head -n 1)"
	result "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start"
	result "runs:     $RUNS per figure; figures are 'median (min-max)' over the runs"
	local others
	others=$(pgrep -x osfs | wc -l)
	[ "$others" -gt 0 ] && result "note:     $others other osfs daemon(s) were running when the bench started"
	result ""
}

# ------------------------------------------------------------ W1

W1_ROOT=
W1_STORE=
W1_BYTES=
W1_FIND=
declare -A W1T=()
W1_CMDS=("find ROOT | wc -l" "tar -C ROOT -cf - tenants | wc -c" "ls -lR ROOT/tenants >/dev/null")
W1_NAMES=("find | wc -l" "tar -cf - tenants | wc -c" "ls -lR tenants")

# w1_time CMD ROOT cold|warm: runs the command pinned to CPU 0 and sets
# T_S (seconds) and OUT (its output).
w1_time() {
	local cmd=${1//ROOT/$2} t0 t1
	[ "$3" = cold ] && drop_caches
	t0=$(now_us)
	OUT=$(taskset -c 0 bash -c "$cmd")
	local rc=$?
	t1=$(now_us)
	T_S=$(calc "($t1 - $t0) / 1e6")
	return $rc
}

w1() {
	local n=$W1_TENANTS i t f
	W1_STORE=$WORK/w1.db
	W1_ROOT=$WORK/w1.mnt
	say "W1: $n tenants x 3 fixtures (daemon pinned to CPU 0)"
	mount_osfs "$W1_STORE" "$W1_ROOT" pin || { ERR="W1 mount failed"; return 1; }
	for i in $(seq 1 "$n"); do
		t=$(printf 't%03d' "$i")
		mkdir "$W1_ROOT/tenants/$t" || { ERR="W1 mkdir tenant $t failed"; return 1; }
		for f in $FIXTURE_NAMES; do
			install_file "$FIXTURES/$f/objectstack.json" "$W1_ROOT/tenants/$t" "$f.json" ||
				{ ERR="W1 install of $f into $t failed"; return 1; }
		done
	done
	local got
	got=$(ls -1 "$W1_ROOT"/tenants/t*/packages 2>/dev/null | grep -c '^com\.example\.')
	[ "$got" = $((3 * n)) ] || { ERR="W1: $got fixture packages installed, expected $((3 * n))"; return 1; }

	# The tmpfs copy: tenants/ and catalog/, so that the two roots hold the same entries.
	local tm=$WORK/w1.tmpfs
	mkdir -p "$tm"
	mount -t tmpfs -o size=2g tmpfs "$tm" || { ERR="W1: cannot mount a tmpfs on $tm"; return 1; }
	TMPFS_DIR=$tm
	say "W1: copying the tree to tmpfs"
	cp -a "$W1_ROOT/tenants" "$W1_ROOT/catalog" "$tm/" || { ERR="W1: cp -a to tmpfs failed"; return 1; }

	# Sanity: both trees hold the same entries and archive to the same bytes.
	local fo ft bo bt so st
	fo=$(find "$W1_ROOT" | wc -l)
	ft=$(find "$tm" | wc -l)
	# --sort=name: tmpfs lists a directory in another order than osfs.
	bo=$(tar --sort=name -C "$W1_ROOT" -cf - tenants | tee >(md5sum >"$WORK/tar.osfs.md5") | wc -c)
	bt=$(tar --sort=name -C "$tm" -cf - tenants | tee >(md5sum >"$WORK/tar.tmpfs.md5") | wc -c)
	sleep 0.2 # the md5sum of the process substitutions
	so=$(cut -d' ' -f1 "$WORK/tar.osfs.md5")
	st=$(cut -d' ' -f1 "$WORK/tar.tmpfs.md5")
	W1_BYTES=$bo
	W1_FIND=$fo
	local sanity="W1 sanity: find: osfs $fo entries, tmpfs $ft; tar: osfs $bo bytes, tmpfs $bt"
	if [ "$fo" != "$ft" ] || [ "$bo" != "$bt" ]; then
		result "WARNING: $sanity: the trees differ (osfs tree vs its cp -a copy)"
		(cd "$W1_ROOT" && find . -printf '%y %s %m %p\n' | sort) >"$WORK/list.osfs"
		(cd "$tm" && find . -printf '%y %s %m %p\n' | sort) >"$WORK/list.tmpfs"
		diff "$WORK/list.osfs" "$WORK/list.tmpfs" | head -n 20 | sed 's/^/  /' >>"$RESULTS"
		STATUS=1
	elif [ "$so" != "$st" ]; then
		result "WARNING: $sanity: same sizes but the archives (tar --sort=name) differ: md5 $so vs $st"
		STATUS=1
	else
		result "$sanity (identical archives with tar --sort=name, md5 $so)"
	fi
	peers_setup "$tm"

	# The timings: each run, per command, cold (caches dropped just
	# before) then warm (untimed once more, then timed), osfs then tmpfs.
	local c r k fs rt
	declare -gA W1T=() W1P=()
	for r in $(seq 1 "$RUNS"); do
		say "W1: run $r/$RUNS"
		for c in 0 1 2; do
			for fs in osfs tmpfs $PEERS; do
				rt=$(peer_root "$fs")
				w1_time "${W1_CMDS[$c]}" "$rt" cold || { ERR="W1: ${W1_CMDS[$c]} failed on $fs"; return 1; }
				W1T[$c,$fs,cold]+=" $T_S"
				w1_check "$c" "$fs" || return 1
				w1_time "${W1_CMDS[$c]}" "$rt" warm >/dev/null
				w1_time "${W1_CMDS[$c]}" "$rt" warm || { ERR="W1: ${W1_CMDS[$c]} failed on $fs"; return 1; }
				W1T[$c,$fs,warm]+=" $T_S"
				w1_check "$c" "$fs" || return 1
			done
		done
	done
	local k o t ratios j
	for c in 0 1 2; do
		for k in cold warm; do
			read -ra o <<<"${W1T[$c,osfs,$k]}"
			read -ra t <<<"${W1T[$c,tmpfs,$k]}"
			ratios=()
			for j in "${!o[@]}"; do ratios+=("$(calc "${o[$j]} / ${t[$j]}")"); done
			result "W1 ${W1_NAMES[$c]}, $k, pinned to CPU 0 (cmd+daemon): osfs $(fmt %.3f "${o[@]}") s, tmpfs $(fmt %.3f "${t[@]}") s, osfs/tmpfs $(fmt %.1f "${ratios[@]}")x; target: $([ "$k" = warm ] && echo '<= 1.5' || echo 'none set')"
		done
	done
	result "W1 tree: $n tenants x 3 fixtures: $W1_FIND entries, $W1_BYTES bytes of tar"
	# Mount-ready, cold tar after a remount, RSS: every mount in turn.
	local deep
	deep=$(cd "$tm" && find tenants -type f -printf '%d %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
	for r in $(seq 1 "$RUNS"); do
		say "W1: remount run $r/$RUNS"
		peers_remount_run "$deep" || return 1
	done
	peers_report
	peers_umount_fuse
	peers_umount_kernel
}

# w1_check C FS: the output of run C is the sanity count.
w1_check() {
	local want=
	case $1 in 0) want=$W1_FIND ;; 1) want=$W1_BYTES ;; *) return 0 ;; esac
	if [ "$OUT" != "$want" ]; then
		result "WARNING: W1 ${W1_NAMES[$1]} on $2 gave $OUT, the sanity pass $want"
		STATUS=1
	fi
	return 0
}

# ------------------------------------------------------------ W2

# w2_install FILE TENANT_DIR NAME: a timed install; sets WALL_US, CPU_NS.
w2_install() {
	local c0 c1 t0 t1
	c0=$(daemon_cpu_ns "$CUR_PID")
	t0=$(now_us)
	install_file "$1" "$2" "$3" || return 1
	t1=$(now_us)
	sleep 0.1 # anything the daemon finishes after the close
	c1=$(daemon_cpu_ns "$CUR_PID")
	WALL_US=$((t1 - t0))
	CPU_NS=$((c1 - c0))
}

# Each run installs the showcase into W2A_PER_RUN fresh tenants and counts
# the median: one install alone swings 2-3x (a WAL checkpoint, the host).
w2a() {
	local r k t walls=() cpus=() w c
	say "W2a: app-showcase into a fresh tenant, $RUNS runs of $W2A_PER_RUN"
	local store
	store=$(store_of w2a) || { ERR="W2a: no fresh store"; return 1; }
	mount_osfs "$store" "$WORK/w2a.mnt" || { ERR="W2a mount failed"; return 1; }
	for r in $(seq 1 "$RUNS"); do
		w=() c=()
		for k in $(seq 1 "$W2A_PER_RUN"); do
			t=$WORK/w2a.mnt/tenants/s${r}_$k
			mkdir "$t" || { ERR="W2a mkdir failed"; return 1; }
			w2_install "$FIXTURES/app-showcase/objectstack.json" "$t" app-showcase.json ||
				{ ERR="W2a install failed"; return 1; }
			[ "$(count_pkgs "$t" com.example.showcase@)" = 1 ] ||
				{ ERR="W2a: showcase not in packages/"; return 1; }
			w+=("$(calc "$WALL_US / 1000")")
			c+=("$(calc "$CPU_NS / 1e6")")
		done
		walls+=("$(median "${w[@]}")")
		cpus+=("$(median "${c[@]}")")
	done
	unmount_osfs
	store_done w2a
	result "$(w2_label W2a) install app-showcase (722 KB) by cp into a fresh tenant: wall $(fmt %.1f "${walls[@]}") ms, daemon CPU $(fmt %.1f "${cpus[@]}") ms; target: a few ms of CPU beyond the fsync (SPEC 11) (medians of $W2A_PER_RUN installs per run)"
}

w2b() {
	local n=$W2B_PKGS r i t f w first last firsts=() lasts=() ratios=() totals=()
	say "W2b: $n packages in order into one tenant, $RUNS runs (fresh store each)"
	for r in $(seq 1 "$RUNS"); do
		local store
		store=$(store_of "w2b-$r") || { ERR="W2b: no fresh store"; return 1; }
		mount_osfs "$store" "$WORK/w2b.mnt" || { ERR="W2b mount failed"; return 1; }
		t=$WORK/w2b.mnt/tenants/bench
		mkdir "$t" || { ERR="W2b mkdir failed"; return 1; }
		w=()
		local t0 t1 tstart
		tstart=$(now_us)
		for i in $(seq 1 "$n"); do
			f=$(printf '%s/p%04d.json' "$WORK/gen/small" "$i")
			t0=$(now_us)
			install_file "$f" "$t" || { ERR="W2b: install $i of run $r failed"; return 1; }
			t1=$(now_us)
			w+=("$(calc "($t1 - $t0) / 1000")")
		done
		totals+=("$(calc "($(now_us) - $tstart) / 1e6")")
		i=$(count_pkgs "$t" 'com\.bench\.p')
		[ "$i" = "$n" ] || { ERR="W2b: $i packages installed, expected $n"; return 1; }
		printf '%s\n' "${w[@]}" >"$WORK/w2b-$r.walls"
		first=$(median "${w[@]:0:10}")
		last=$(median "${w[@]:$((n - 10)):10}")
		firsts+=("$first")
		lasts+=("$last")
		ratios+=("$(calc "$last / $first")")
		unmount_osfs
		store_done "w2b-$r"
	done
	result "$(w2_label W2b) install into one tenant, 1st vs ${n}th package: installs 1-10 $(fmt %.2f "${firsts[@]}") ms, installs $((n - 9))-$n $(fmt %.2f "${lasts[@]}") ms, ratio $(fmt %.2f "${ratios[@]}"); target <= 1.2 (medians of 10 installs per run; all $n in $(fmt %.1f "${totals[@]}") s)"
}

w2c() {
	local r t secs=() rates=() cpus=() got
	say "W2c: one artifact of $W2C_RECORDS records, $RUNS runs (fresh store each)"
	local size
	size=$(stat -c %s "$WORK/gen/big.json")
	for r in $(seq 1 "$RUNS"); do
		local store
		store=$(store_of "w2c-$r") || { ERR="W2c: no fresh store"; return 1; }
		mount_osfs "$store" "$WORK/w2c.mnt" || { ERR="W2c mount failed"; return 1; }
		t=$WORK/w2c.mnt/tenants/big
		mkdir "$t" || { ERR="W2c mkdir failed"; return 1; }
		w2_install "$WORK/gen/big.json" "$t" big.json || { ERR="W2c install failed"; return 1; }
		[ "$(count_pkgs "$t" 'com\.bench\.big@')" = 1 ] || { ERR="W2c: not in packages/"; return 1; }
		if [ "$r" = 1 ]; then
			got=$(ls -1 "$t/data/bbig_item" | wc -l)
			[ "$got" = "$W2C_RECORDS" ] || { ERR="W2c: $got records in data/bbig_item, expected $W2C_RECORDS"; return 1; }
		fi
		secs+=("$(calc "$WALL_US / 1e6")")
		rates+=("$(calc "$W2C_RECORDS / ($WALL_US / 1e6)")")
		cpus+=("$(calc "$CPU_NS / 1e9")")
		unmount_osfs
		store_done "w2c-$r"
	done
	result "$(w2_label W2c) install one artifact of $W2C_RECORDS seed records ($((size / 1024)) KB): $(fmt %.3f "${secs[@]}") s, $(fmt %.0f "${rates[@]}") records/s, daemon CPU $(fmt %.3f "${cpus[@]}") s; target < 2 s"
}

# ------------------------------------------------------------ W3

# w3_fill TENANTS PER_TENANT: installs into a fresh store; sets HWM, RSS.
w3_fill() {
	local nt=$1 per=$2 i j t f
	mount_osfs "$WORK/w3.db" "$WORK/w3.mnt" || { ERR="W3 mount failed"; return 1; }
	for i in $(seq 1 "$nt"); do
		t=$WORK/w3.mnt/tenants/$(printf 'm%03d' "$i")
		mkdir "$t" || { ERR="W3 mkdir failed"; return 1; }
		for j in $(seq 1 "$per"); do
			f=$(printf '%s/p%04d.json' "$WORK/gen/small" "$j")
			install_file "$f" "$t" || { ERR="W3: install into $t failed"; return 1; }
		done
	done
	i=$(ls -1 "$WORK"/w3.mnt/tenants/m*/packages | grep -c '^com\.bench\.p')
	[ "$i" = $((nt * per)) ] || { ERR="W3: $i packages installed, expected $((nt * per))"; return 1; }
	HWM=$(vm_kb "$CUR_PID" VmHWM)
	RSS=$(vm_kb "$CUR_PID" VmRSS)
	unmount_osfs
	rm -f "$WORK/w3.db"*
}

w3() {
	local r sh=() sr=() bh=() br=() ratios=() big=$((W3_TENANTS * W3_PER_TENANT))
	say "W3: daemon RSS after $W3_SMALL vs $big installs, $RUNS runs"
	for r in $(seq 1 "$RUNS"); do
		w3_fill "$W3_SMALL" 1 || return 1
		sh+=("$HWM"); sr+=("$RSS")
		w3_fill "$W3_TENANTS" "$W3_PER_TENANT" || return 1
		bh+=("$HWM"); br+=("$RSS")
		ratios+=("$(calc "${bh[-1]} / ${sh[-1]}")")
	done
	result "W3 daemon memory after $W3_SMALL installs ($W3_SMALL tenants x 1): VmHWM $(fmt %.0f "${sh[@]}") kB, VmRSS $(fmt %.0f "${sr[@]}") kB"
	result "W3 daemon memory after $big installs ($W3_TENANTS tenants x $W3_PER_TENANT): VmHWM $(fmt %.0f "${bh[@]}") kB, VmRSS $(fmt %.0f "${br[@]}") kB, VmHWM ratio $(fmt %.2f "${ratios[@]}"); target <= 1.5"
}

# ------------------------------------------------------------ W4

# w4_readers ROOT N: N concurrent tar readers; sets T_S; checks each count.
w4_readers() {
	local root=$1 n=$2 k t0 t1 pids=()
	t0=$(now_us)
	for k in $(seq 1 "$n"); do
		(tar -C "$root" -cf - tenants | wc -c >"$WORK/w4.out.$k") &
		pids+=($!)
	done
	wait "${pids[@]}"
	t1=$(now_us)
	T_S=$(calc "($t1 - $t0) / 1e6")
	for k in $(seq 1 "$n"); do
		if [ "$(cat "$WORK/w4.out.$k")" != "$W1_BYTES" ]; then
			result "WARNING: W4 reader $k of $n on $root read $(cat "$WORK/w4.out.$k") bytes, expected $W1_BYTES"
			STATUS=1
		fi
	done
}

w4() {
	[ -n "$W1_STORE" ] && [ -f "$W1_STORE" ] && [ -n "$TMPFS_DIR" ] && [ -n "$W1_BYTES" ] ||
		{ ERR="W4 needs W1's store and tmpfs copy (W1 did not complete)"; return 1; }
	say "W4: 1, 2, 4 concurrent tar readers, warm, unpinned, $RUNS runs"
	# W1's daemon was pinned: the same store again, unpinned.
	mount_osfs "$W1_STORE" "$W1_ROOT" || { ERR="W4 mount failed"; return 1; }
	local fs rt r n tgt a1 a2 a4 r2 r4 tp1 tp2 tp4
	for fs in osfs tmpfs; do
		[ "$fs" = osfs ] && rt=$W1_ROOT || rt=$TMPFS_DIR
		tar -C "$rt" -cf - tenants | wc -c >/dev/null # warm
		a1=() a2=() a4=() r2=() r4=()
		for r in $(seq 1 "$RUNS"); do
			w4_readers "$rt" 1; tp1=$(calc "$W1_BYTES / $T_S / 1048576")
			w4_readers "$rt" 2; tp2=$(calc "2 * $W1_BYTES / $T_S / 1048576")
			w4_readers "$rt" 4; tp4=$(calc "4 * $W1_BYTES / $T_S / 1048576")
			a1+=("$tp1") a2+=("$tp2") a4+=("$tp4")
			r2+=("$(calc "$tp2 / $tp1")") r4+=("$(calc "$tp4 / $tp1")")
		done
		tgt="target >= 1.6 for 2 readers"
		[ "$fs" = tmpfs ] && tgt="reference"
		result "W4 parallel tar readers on $fs, warm, unpinned: 1 reader $(fmt %.0f "${a1[@]}") MiB/s, 2 readers $(fmt %.0f "${a2[@]}") MiB/s, 4 readers $(fmt %.0f "${a4[@]}") MiB/s; 2/1 $(fmt %.2f "${r2[@]}"), 4/1 $(fmt %.2f "${r4[@]}"); $tgt"
	done
	unmount_osfs
}

# ------------------------------------------------------------ main

run_workload() {
	local name=$1
	case " $ONLY " in *" ${name%%[a-z]*} "* | *" $name "*) ;; *) return 0 ;; esac
	ERR=
	local t0=$SECONDS
	if ! "$2"; then
		result "ERROR: ${ERR:-$name failed}"
		say "ERROR: ${ERR:-$name failed}"
		[ -s "$WORK/cp.err" ] && tail -n 3 "$WORK/cp.err" | sed 's/^/  cp: /' >>"$RESULTS"
		STATUS=1
		unmount_osfs
	fi
	say "$name took $((SECONDS - t0)) s"
}

if ! setup; then
	: >"$RESULTS"
	result "ERROR: bench setup failed (see the output)"
	exit 1
fi
header
run_workload W1 w1
# One osfs mount at a time: W4 mounts W1's store again (unpinned); the
# tmpfs copy stays mounted until W4 is done.
unmount_osfs
run_workload W2a w2a
run_workload W2b w2b
run_workload W2c w2c
run_workload W3 w3
run_workload W4 w4
umount_tmpfs
run_workload W1pg w1pg
run_workload W2pg w2pg
pg_stop
run_workload W8 w8
run_workload W5 w5
run_workload W6 w6
run_workload W7 w7
result ""
result "total: $(($(date +%s) - BENCH_START)) s"
# The daemons' stderr, but for the line each install and tenant writes.
grep -v -e ': installed ' -e ': created tenant ' -e ': warning: ' "$ERRFILE" >"$WORK/osfs.err.other" 2>/dev/null
if [ -s "$WORK/osfs.err.other" ]; then
	result "daemon stderr, other than install/tenant/warning lines ($(wc -l <"$WORK/osfs.err.other") lines, most frequent):"
	sed 's/[0-9][0-9]*/N/g' "$WORK/osfs.err.other" | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/  /' >>"$RESULTS"
fi
cat "$RESULTS"
exit $STATUS
