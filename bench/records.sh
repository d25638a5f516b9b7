# Workloads W5-W7 of bench/README.md (records through data/, issue 14),
# sourced by bench/run.sh: its helpers (mount_osfs, w1_time, fmt, result,
# daemon_cpu_ns, ...) and knobs (RUNS, WORK, QUICK) are used as they are.
# shellcheck shell=bash

if [ "$QUICK" = 1 ]; then
	W5_RECORDS=1000
	W6_RECORDS=10000
	W7_RECORDS=5000
else
	W5_RECORDS=10000  # issue 14: 10,000 crm_contact records by rsync -a
	W6_RECORDS=100000 # issue 14: ls -l and cat of an object of 100,000 records
	W7_RECORDS=20000  # the unique check's figure (docs/performance.md)
fi
W7_WRITES=20

# A fresh store with tenant NAME and app-crm; sets T.
records_tenant() {
	mount_osfs "$WORK/$1.db" "$WORK/$1.mnt" "${2:-}" || { ERR="$1 mount failed"; return 1; }
	T=$WORK/$1.mnt/tenants/bench
	mkdir "$T" || { ERR="$1 mkdir failed"; return 1; }
}

records_done() {
	unmount_osfs
	rm -f "$WORK/$1.db"*
}

w5() {
	local r n0 n c0 c1 t0 t1 secs=() rates=() cpus=() again
	say "W5: $W5_RECORDS crm_contact records by rsync -a into data/crm_contact/, $RUNS runs"
	python3 "$HERE/gen.py" contacts "$WORK/gen/contacts" "$W5_RECORDS" || { ERR="W5 gen failed"; return 1; }
	for r in $(seq 1 "$RUNS"); do
		records_tenant w5 || return 1
		install_file "$FIXTURES/app-crm/objectstack.json" "$T" crm.json || { ERR="W5 install failed"; return 1; }
		n0=$(ls -1 "$T/data/crm_contact" | wc -l)
		c0=$(daemon_cpu_ns "$CUR_PID")
		t0=$(now_us)
		rsync -a "$WORK/gen/contacts/" "$T/data/crm_contact/" 2>>"$WORK/cp.err" ||
			{ ERR="W5: rsync -a failed"; tail -n 3 "$T/log" >&2; return 1; }
		t1=$(now_us)
		sleep 0.1
		c1=$(daemon_cpu_ns "$CUR_PID")
		n=$(ls -1 "$T/data/crm_contact" | wc -l)
		[ "$n" = $((n0 + W5_RECORDS)) ] || { ERR="W5: $n records in data/crm_contact, expected $((n0 + W5_RECORDS))"; return 1; }
		if [ "$r" = 1 ]; then # the second rsync -a transfers nothing (issue 14 item 8)
			again=$(rsync -a --stats "$WORK/gen/contacts/" "$T/data/crm_contact/" |
				awk -F': ' '/^Number of regular files transferred/ { print $2 }')
			[ "$again" = 0 ] || { result "WARNING: W5: a second rsync -a transferred $again files"; STATUS=1; }
		fi
		secs+=("$(calc "($t1 - $t0) / 1e6")")
		rates+=("$(calc "$W5_RECORDS / (($t1 - $t0) / 1e6)")")
		cpus+=("$(calc "($c1 - $c0) / 1000 / $W5_RECORDS")")
		records_done w5
	done
	result "W5 $W5_RECORDS crm_contact records by rsync -a into data/crm_contact/ (each checked, its lookup too): $(fmt %.2f "${secs[@]}") s, $(fmt %.0f "${rates[@]}") records/s, daemon CPU $(fmt %.0f "${cpus[@]}") us per record; target < 5 s in all"
}

W6_CMDS=("ls -l ROOT >/dev/null" "find ROOT -type f -print0 | xargs -0 cat | wc -c")
W6_NAMES=("ls -l" "cat of every record")

w6() {
	local r c k fs rt o t j ratios
	say "W6: ls -l and cat of an object of $W6_RECORDS records against tmpfs (pinned to CPU 0), $RUNS runs"
	python3 "$HERE/gen.py" big "$WORK/gen/w6.json" "$W6_RECORDS" || { ERR="W6 gen failed"; return 1; }
	records_tenant w6 pin || return 1
	install_file "$WORK/gen/w6.json" "$T" w6.json || { ERR="W6 install failed"; return 1; }
	local src=$T/data/bbig_item tm=$WORK/w6.tmpfs
	mkdir -p "$tm"
	mount -t tmpfs -o size=1g tmpfs "$tm" || { ERR="W6: cannot mount a tmpfs on $tm"; return 1; }
	TMPFS_DIR=$tm
	cp -a "$src" "$tm/" || { ERR="W6: cp -a to tmpfs failed"; return 1; }
	local bo bt
	bo=$(find "$src" -type f -print0 | xargs -0 cat | wc -c)
	bt=$(find "$tm/bbig_item" -type f -print0 | xargs -0 cat | wc -c)
	[ "$bo" = "$bt" ] && [ "$(ls -1 "$src" | wc -l)" = "$W6_RECORDS" ] ||
		{ ERR="W6: the tmpfs copy differs: $bo vs $bt bytes"; return 1; }
	declare -A W6T=()
	for r in $(seq 1 "$RUNS"); do
		for c in 0 1; do
			for fs in osfs tmpfs; do
				[ "$fs" = osfs ] && rt=$src || rt=$tm/bbig_item
				w1_time "${W6_CMDS[$c]}" "$rt" cold || { ERR="W6: ${W6_CMDS[$c]} failed on $fs"; return 1; }
				W6T[$c,$fs,cold]+=" $T_S"
				w1_time "${W6_CMDS[$c]}" "$rt" warm >/dev/null
				w1_time "${W6_CMDS[$c]}" "$rt" warm || { ERR="W6: ${W6_CMDS[$c]} failed on $fs"; return 1; }
				W6T[$c,$fs,warm]+=" $T_S"
				[ "$c" = 1 ] && [ "$OUT" != "$bo" ] && { result "WARNING: W6 cat on $fs read $OUT bytes, expected $bo"; STATUS=1; }
			done
		done
	done
	for c in 0 1; do
		for k in cold warm; do
			read -ra o <<<"${W6T[$c,osfs,$k]}"
			read -ra t <<<"${W6T[$c,tmpfs,$k]}"
			ratios=()
			for j in "${!o[@]}"; do ratios+=("$(calc "${o[$j]} / ${t[$j]}")"); done
			result "W6 ${W6_NAMES[$c]} of an object of $W6_RECORDS records ($bo bytes), $k, pinned to CPU 0: osfs $(fmt %.3f "${o[@]}") s, tmpfs $(fmt %.3f "${t[@]}") s, osfs/tmpfs $(fmt %.1f "${ratios[@]}")x"
		done
	done
	umount_tmpfs
	records_done w6
}

w7() {
	local r i c0 c1 t0 t1 firsts=() walls=() cpus=() w
	say "W7: one record write with a unique check, object of $W7_RECORDS records, $RUNS runs"
	python3 "$HERE/gen.py" unique "$WORK/gen/w7.json" "$W7_RECORDS" || { ERR="W7 gen failed"; return 1; }
	for i in $(seq 0 "$W7_WRITES"); do
		printf '{"title": "w%d", "email": "w%d@bench.example"}\n' "$i" "$i" >"$WORK/gen/w7-$i.json"
	done
	for r in $(seq 1 "$RUNS"); do
		records_tenant w7 || return 1
		install_file "$WORK/gen/w7.json" "$T" w7.json || { ERR="W7 install failed"; return 1; }
		t0=$(now_us)
		cp "$WORK/gen/w7-0.json" "$T/data/buq_item/w0.json" 2>>"$WORK/cp.err" || { ERR="W7: write failed"; return 1; }
		t1=$(now_us)
		firsts+=("$(calc "($t1 - $t0) / 1000")")
		w=()
		c0=$(daemon_cpu_ns "$CUR_PID")
		for i in $(seq 1 "$W7_WRITES"); do
			t0=$(now_us)
			cp "$WORK/gen/w7-$i.json" "$T/data/buq_item/w$i.json" 2>>"$WORK/cp.err" || { ERR="W7: write failed"; return 1; }
			t1=$(now_us)
			w+=("$(calc "($t1 - $t0) / 1000")")
		done
		c1=$(daemon_cpu_ns "$CUR_PID")
		walls+=("$(median "${w[@]}")")
		cpus+=("$(calc "($c1 - $c0) / 1e6 / $W7_WRITES")")
		# The check itself: a taken value is refused.
		if cp "$WORK/gen/w7-1.json" "$T/data/buq_item/dup.json" 2>/dev/null; then
			result "WARNING: W7: a taken unique value was accepted"
			STATUS=1
		fi
		records_done w7
	done
	result "W7 one record write (cp) with a unique check, object of $W7_RECORDS records: first write $(fmt %.1f "${firsts[@]}") ms, then $(fmt %.1f "${walls[@]}") ms wall (median of $W7_WRITES), daemon CPU $(fmt %.2f "${cpus[@]}") ms per write"
}
