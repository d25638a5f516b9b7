# shellcheck shell=bash disable=SC2034,SC2154
# (SC2034, SC2154: STATUS, W1T, W1P, T_S and the rest are run.sh's variables.)
# The W1 tree in two peers of osfs, for issue 15's table (sourced by
# bench/run.sh): the tmpfs copy packed with mksquashfs, mounted by the
# kernel (mount -t squashfs -o loop) and by squashfuse_ll (FUSE, pinned to
# CPU 0 like osfs).  Every figure is a ratio to tmpfs within the same run.
#
# Needs squashfs-tools and squashfuse; without them W1 runs as before and
# the results say that the peers were skipped.

SQ_IMG=     # the image, once built
SQ_KDIR=    # the kernel squashfs mount point, while mounted
SQ_FDIR=    # the squashfuse_ll mount point, while mounted
SQ_FPID=    # its daemon
SQ_FUSE_BIN=
PEERS=      # "squashfs squashfuse" once both are up

peers_umount_kernel() {
	[ -n "$SQ_KDIR" ] || return 0
	umount "$SQ_KDIR" 2>/dev/null || umount -l "$SQ_KDIR" 2>/dev/null
	SQ_KDIR=
}

peers_umount_fuse() {
	[ -n "$SQ_FDIR" ] || return 0
	for _ in 1 2 3; do
		fusermount3 -u "$SQ_FDIR" 2>/dev/null && break
		sleep 0.3
	done
	if [ -n "$SQ_FPID" ]; then
		for _ in $(seq 100); do kill -0 "$SQ_FPID" 2>/dev/null || break; sleep 0.05; done
		if kill -0 "$SQ_FPID" 2>/dev/null; then
			kill "$SQ_FPID" 2>/dev/null
			sleep 0.3
			grep -qF " $SQ_FDIR " /proc/mounts && fusermount3 -u -z "$SQ_FDIR" 2>/dev/null
		fi
		wait "$SQ_FPID" 2>/dev/null
	fi
	SQ_FDIR=
	SQ_FPID=
}

# Called by run.sh's cleanup, however the bench ends: the mounts, then any
# loop device still attached to the image (mount -o loop detaches its own
# at umount; a failed mount may leave one).
peers_cleanup() {
	peers_umount_fuse
	peers_umount_kernel
	if [ -n "$SQ_IMG" ] && command -v losetup >/dev/null; then
		local dev
		for dev in $(losetup -j "$SQ_IMG" -O NAME -n 2>/dev/null); do
			losetup -d "$dev" 2>/dev/null
		done
	fi
}

# spin_until_exists PATH: returns once PATH exists (a stat per turn, no
# fork, no sleep: the figure is the mount's readiness in ms), 1 after 20 s.
spin_until_exists() {
	local end=$(($(now_us) + 20000000))
	until [ -e "$1" ]; do
		[ "$(now_us)" -gt "$end" ] && return 1
	done
	return 0
}

peers_mount_kernel() {
	mkdir -p "$WORK/w1.sqk" || return 1
	mount -t squashfs -o loop,ro "$SQ_IMG" "$WORK/w1.sqk" || return 1
	SQ_KDIR=$WORK/w1.sqk
}

peers_mount_fuse() {
	mkdir -p "$WORK/w1.sqf" || return 1
	taskset -c 0 "$SQ_FUSE_BIN" -f "$SQ_IMG" "$WORK/w1.sqf" 2>>"$WORK/squashfuse.err" &
	SQ_FPID=$!
	SQ_FDIR=$WORK/w1.sqf
}

# peers_setup TMPFS_COPY: builds the image and mounts both peers.
peers_setup() {
	local tm=$1 f
	SQ_FUSE_BIN=$(command -v squashfuse_ll || command -v squashfuse)
	for f in mksquashfs losetup; do
		command -v "$f" >/dev/null || { result "note:     W1 peers skipped: no $f (Debian squashfs-tools, mount)"; return 0; }
	done
	[ -n "$SQ_FUSE_BIN" ] || { result "note:     W1 peers skipped: no squashfuse_ll (Debian squashfuse)"; return 0; }
	grep -qw squashfs /proc/filesystems || modprobe squashfs 2>/dev/null
	say "W1: packing the tmpfs copy with mksquashfs"
	SQ_IMG=$WORK/w1.sqfs
	mksquashfs "$tm" "$SQ_IMG" -noappend -quiet -no-progress >"$WORK/mksquashfs.out" 2>&1 ||
		{ result "note:     W1 peers skipped: mksquashfs failed: $(tail -n 1 "$WORK/mksquashfs.out")"; return 0; }
	peers_mount_kernel || { result "note:     W1 peers skipped: mount -t squashfs -o loop failed"; peers_cleanup; return 0; }
	peers_mount_fuse
	spin_until_exists "$SQ_FDIR/tenants" ||
		{ result "note:     W1 peers skipped: $SQ_FUSE_BIN did not mount"; peers_cleanup; return 0; }
	local n1 n2
	n1=$(find "$SQ_KDIR" | wc -l)
	n2=$(find "$SQ_FDIR" | wc -l)
	if [ "$n1" != "$W1_FIND" ] || [ "$n2" != "$W1_FIND" ]; then
		result "WARNING: W1 peers: find counts $n1 (squashfs), $n2 (squashfuse_ll), expected $W1_FIND"
		STATUS=1
	fi
	PEERS="squashfs squashfuse"
	result "W1 peers: $(mksquashfs -version 2>&1 | head -n 1 | cut -c1-40), image $(($(stat -c %s "$SQ_IMG") / 1024)) KiB; $("$SQ_FUSE_BIN" --version 2>&1 | head -n 1) -f, pinned to CPU 0"
}

# peer_root FS: the root of the W1 tree on FS.
peer_root() {
	case $1 in
	osfs) echo "$W1_ROOT" ;; tmpfs) echo "$TMPFS_DIR" ;;
	squashfs) echo "$SQ_KDIR" ;; squashfuse) echo "$SQ_FDIR" ;;
	esac
}

# warm_binaries: after drop_caches, the programs that mount are read back
# into the page cache, so that mount-ready counts the mount, not loading
# libsqlite3 or libfuse from disk; the tree's data and the store stay cold.
warm_binaries() {
	"$OSFS" --version >/dev/null 2>&1
	[ -n "$SQ_FUSE_BIN" ] && "$SQ_FUSE_BIN" --version >/dev/null 2>&1
	mount --version >/dev/null 2>&1
	taskset --version >/dev/null 2>&1
	fusermount3 --version >/dev/null 2>&1
	return 0
}

# peers_remount_run DEEP: one run of the rows a remount measures, each
# filesystem in turn: unmount, drop the caches, mount and stat DEEP (a
# file at the tree's greatest depth, relative to the root) as soon as it
# exists (mount-ready, ms, and the daemon's CPU time until then), then
# tar cold, tar warm (untimed), and the daemon's VmRSS.  Appends to W1P[row,fs].
peers_remount_run() {
	local deep=$1 fs t0 t1 rt
	w1_time "tar -C ROOT -cf - tenants | wc -c" "$TMPFS_DIR" cold || return 1
	W1P[coldmnt,tmpfs]+=" $T_S"
	for fs in osfs $PEERS; do
		case $fs in
		osfs)
			unmount_osfs
			drop_caches
			warm_binaries
			t0=$(now_us)
			taskset -c 0 "$OSFS" -f -o "store=$W1_STORE" "$W1_ROOT" 2>>"$ERRFILE" &
			CUR_PID=$!
			CUR_MNT=$W1_ROOT
			;;
		squashfs)
			peers_umount_kernel
			drop_caches
			warm_binaries
			t0=$(now_us)
			peers_mount_kernel || { ERR="W1 peers: squashfs remount failed"; return 1; }
			;;
		squashfuse)
			peers_umount_fuse
			drop_caches
			warm_binaries
			t0=$(now_us)
			peers_mount_fuse
			;;
		esac
		rt=$(peer_root "$fs")
		spin_until_exists "$rt/$deep" || { ERR="W1 peers: $fs: $deep did not appear 20 s after the mount"; return 1; }
		t1=$(now_us)
		W1P[ready,$fs]+=" $(calc "($t1 - $t0) / 1000")"
		# The daemon's CPU time until then (exec, loading, opening, the
		# lookups): unlike the wall time, the machine's load barely moves it.
		case $fs in
		osfs) W1P[readycpu,$fs]+=" $(calc "$(daemon_cpu_ns "$CUR_PID") / 1e6")" ;;
		squashfuse) W1P[readycpu,$fs]+=" $(calc "$(daemon_cpu_ns "$SQ_FPID") / 1e6")" ;;
		esac
		w1_time "tar -C ROOT -cf - tenants | wc -c" "$rt" warm || { ERR="W1 peers: cold tar failed on $fs"; return 1; }
		W1P[coldmnt,$fs]+=" $T_S"
		w1_check 1 "$fs after a remount"
		w1_time "tar -C ROOT -cf - tenants | wc -c" "$rt" warm >/dev/null
		case $fs in
		osfs) W1P[rss,$fs]+=" $(vm_kb "$CUR_PID" VmRSS)" ;;
		squashfuse) W1P[rss,$fs]+=" $(vm_kb "$SQ_FPID" VmRSS)" ;;
		esac
	done
}

# peers_report: issue 15's table, osfs and its peers side by side; every
# time is a ratio to tmpfs in the same run (W1T from w1, W1P from above).
peers_report() {
	local row key label tgt fs j o t r cells names=(
		"1 warm;warm \`tar -cf - . | wc -c\`;<= 1.8"
		"2 warm;warm \`ls -lR\`;<= 1.3"
		"0 warm;warm \`find\`;<= 1.0"
		"1 cold;cold \`tar\` after drop_caches;none"
		"coldmnt;cold \`tar\` after a remount and drop_caches;<= 4.5"
	)
	result "W1 side by side, ratio to tmpfs in the same run, median (min-max) of $RUNS; columns: kernel squashfs | squashfuse_ll | osfs"
	for row in "${names[@]}"; do
		IFS=';' read -r key label tgt <<<"$row"
		cells=()
		for fs in squashfs squashfuse osfs; do
			if [ "$key" = coldmnt ]; then
				read -ra o <<<"${W1P[coldmnt,$fs]:-}"
				read -ra t <<<"${W1P[coldmnt,tmpfs]:-}"
			else
				read -ra o <<<"${W1T[${key% *},$fs,${key#* }]:-}"
				read -ra t <<<"${W1T[${key% *},tmpfs,${key#* }]:-}"
			fi
			if [ "${#o[@]}" = 0 ] || [ "${#t[@]}" = 0 ]; then cells+=("-"); continue; fi
			r=()
			for j in "${!o[@]}"; do r+=("$(calc "${o[$j]} / ${t[$j]}")"); done
			cells+=("$(fmt %.2f "${r[@]}")x")
		done
		result "  $label: ${cells[0]} | ${cells[1]} | ${cells[2]}; osfs target $tgt"
	done
	cells=()
	for fs in squashfs squashfuse osfs; do
		read -ra o <<<"${W1P[ready,$fs]:-}"
		[ "${#o[@]}" = 0 ] && cells+=("-") || cells+=("$(fmt %.1f "${o[@]}") ms")
	done
	result "  mount to first stat of a deep file (after drop_caches): ${cells[0]} | ${cells[1]} | ${cells[2]}; osfs target <= 10 ms"
	cells=("-")
	for fs in squashfuse osfs; do
		read -ra o <<<"${W1P[readycpu,$fs]:-}"
		[ "${#o[@]}" = 0 ] && cells+=("-") || cells+=("$(fmt %.1f "${o[@]}") ms")
	done
	result "  daemon CPU time from exec to that stat: ${cells[0]} | ${cells[1]} | ${cells[2]}"
	cells=("-")
	for fs in squashfuse osfs; do
		read -ra o <<<"${W1P[rss,$fs]:-}"
		[ "${#o[@]}" = 0 ] && cells+=("-") || cells+=("$(fmt %.0f "${o[@]}") kB")
	done
	result "  daemon VmRSS after the warm tar (fresh mount, cold tar, warm tar): ${cells[0]} | ${cells[1]} | ${cells[2]}; osfs target <= 10 MB"
}
