#!/bin/bash
# bench/cpu.sh STORE ROUNDS label:binary:options ... : CPU time and context
# switches of a warm `tar | wc -c` and `ls -lR` of STORE's tenants/, per
# configuration, daemon and command pinned to CPU 0, configurations
# interleaved, a fresh mount and one warm-up run each.  Made for a machine
# too loaded for wall times (docs/performance.md, "Cheap requests on the
# receiving thread"): CPU time and switches move little with the load.
# Needs root, perf, taskset, fusermount3.  Example:
#   bench/cpu.sh w1.db 5 mt:old/osfs: loop:build/osfs: s:build/osfs:-s
STORE=$(realpath "$1") R=$2
shift 2
M=$(mktemp -d) || exit 1
trap 'fusermount3 -u "$M" 2>/dev/null; rm -f "$M.d" "$M.c"; rmdir "$M"' EXIT
for r in $(seq "$R"); do
	for spec in "$@"; do
		IFS=: read -r lab bin opts <<<"$spec"
		# shellcheck disable=SC2086 # opts is a list of options
		taskset -c 0 "$bin" -f $opts -o "store=$STORE" "$M" 2>/dev/null &
		P=$!
		for _ in $(seq 200); do [ -d "$M/tenants" ] && break; sleep 0.05; done
		for c in "tar -C $M -cf - tenants | wc -c" "ls -lR $M/tenants"; do
			taskset -c 0 bash -c "$c" >/dev/null
			perf stat -x, -e task-clock,context-switches -p "$P" -o "$M.d" -- \
				perf stat -x, -e task-clock,context-switches -o "$M.c" -- taskset -c 0 bash -c "$c >/dev/null"
			d=$(grep task-clock "$M.d" | cut -d, -f1) dcs=$(grep context-sw "$M.d" | cut -d, -f1)
			cm=$(grep task-clock "$M.c" | cut -d, -f1) ccs=$(grep context-sw "$M.c" | cut -d, -f1)
			echo "$r $lab ${c%% *} daemon_ms ${d%.*} daemon_cs $dcs cmd_ms ${cm%.*} cmd_cs $ccs load $(cut -d' ' -f1 /proc/loadavg)"
		done
		fusermount3 -u "$M"
		wait "$P"
	done
done
