#!/usr/bin/env bash
# Concurrency (issue 3 point 5): processes at once doing cp, rm, ls -R,
# cat, tar, mkdir and rmdir on the same and on different tenants for a
# bounded time.  No deadlock (every command runs under a timeout), no
# crash, only the errors each operation can expect, and the invariants
# hold afterwards (fsck, every installed package whole).
. "$(dirname "$0")/lib.sh"
SECONDS_TO_RUN=${CONCURRENCY_SECONDS:-20}
mount_osfs
mkdir "$MNT/tenants/acme" "$MNT/tenants/beta"
F=$FIXTURES
deadline=$((SECONDS + SECONDS_TO_RUN))

# run NAME ALLOWED cmd...: runs cmd with a timeout; an error whose message
# matches none of the ALLOWED patterns (a grep -E) is recorded.
run() {
	local name=$1 allowed=$2 out rc; shift 2
	out=$(timeout 60 "$@" 2>&1); rc=$?
	if [ $rc -eq 124 ]; then
		echo "$name: TIMEOUT (deadlock?): $*" >>"$WORK/unexpected"
	elif [ $rc -ne 0 ] && ! printf '%s' "$out" | grep -qE "$allowed"; then
		echo "$name: rc=$rc: $* :: $out" >>"$WORK/unexpected"
	fi
	echo "$name" >>"$WORK/ops"
}

# Installs and uninstalls; crm packages of two origins claim the same
# namespace, so EEXIST is an expected answer.  Each worker writes under a
# name of its own: two writers of one file name interleave their bytes, on
# osfs as on any filesystem.
w_install() {
	local T=$MNT/tenants/$1 arts=("${@:2}") n=0
	while [ $SECONDS -lt $deadline ]; do
		local a=${arts[$((RANDOM % ${#arts[@]}))]}
		n=$((n + 1))
		run install "File exists|Package not installed|Device or resource busy" cp "$a" "$T/install/w$BASHPID-$n.json"
		local f
		f=$(ls "$T/install" 2>/dev/null | shuf -n1)
		[ -n "$f" ] && run uninstall "No such file or directory|Device or resource busy" rm -f "$T/install/$f"
	done
}
w_list() {
	while [ $SECONDS -lt $deadline ]; do
		run ls-R "No such file or directory" ls -lR "$MNT"
	done
}
w_cat() {
	while [ $SECONDS -lt $deadline ]; do
		run cat "No such file or directory" sh -c "cat '$MNT'/tenants/*/objects/*.json '$MNT'/tenants/*/log >/dev/null"
	done
}
w_tar() {
	while [ $SECONDS -lt $deadline ]; do
		# tar says "file changed as we read it" or "File removed before we
		# read it" of a tree that changes under it (exit 1); exit 2 is fatal.
		run tar "changed as we read it|removed before we read it|No such file or directory|Cannot stat|file changed" \
			tar -cf /dev/null -C "$MNT" tenants
	done
}
w_tenants() {
	while [ $SECONDS -lt $deadline ]; do
		run mkdir "File exists" mkdir "$MNT/tenants/gamma"
		run install-gamma "No such file or directory" cp "$ARTIFACTS/acme-crm-1.0.0.json" "$MNT/tenants/gamma/install/"
		run rm-gamma "No such file or directory" rm -f "$MNT/tenants/gamma/install/com.acme.crm.json"
		run rmdir "Directory not empty|No such file or directory" rmdir "$MNT/tenants/gamma"
	done
}

workers=()
w_install acme "$F/app-todo/objectstack.json" "$F/app-crm/objectstack.json" "$ARTIFACTS/acme-crm-1.0.0.json" \
	"$ARTIFACTS/acme-crm-1.1.0.json" "$ARTIFACTS/acme-crm-2.0.0.json" &
workers+=($!)
w_install acme "$F/app-showcase/objectstack.json" "$ARTIFACTS/acme-helpdesk-0.3.0.json" &
workers+=($!)
w_install beta "$F/app-showcase/objectstack.json" "$F/app-todo/objectstack.json" "$F/app-crm/objectstack.json" &
workers+=($!)
w_list &
workers+=($!)
w_cat &
workers+=($!)
w_tar &
workers+=($!)
w_tenants &
workers+=($!)
wait "${workers[@]}" # not the daemon, which is a child of this shell too

echo "# $(wc -l <"$WORK/ops") operations in ${SECONDS_TO_RUN}s: $(sort "$WORK/ops" | uniq -c | tr -s ' ' | tr '\n' ',')"
equal "no unexpected error, no timeout" "" "$(cat "$WORK/unexpected" 2>/dev/null | head -20)"
check "the daemon still serves" kill -0 "$OSFS_PID"
check "... and answers" ls -R "$MNT"
check "the store passes fsck" "$OSFSCTL" fsck --store "$STORE"
bad=""
for t in acme beta; do
	for f in "$MNT/tenants/$t/install/"*.json; do
		[ -e "$f" ] || continue
		id=$(basename "$f" .json)
		ver=$(ls "$MNT/tenants/$t/packages" | sed -n "s/^$id@//p")
		cmp -s "$f" "$MNT/tenants/$t/packages/$id@$ver/objectstack.json" || bad="$bad $t/$id"
	done
done
equal "every installed package is whole" "" "$bad"
finish
