#!/usr/bin/env bash
# Following a tenant's log (issue 12 item 4; SPEC 9 "tail -f log follows
# the log"): the real tail -f shows each new line; stat's size always
# equals the bytes cat reads; a reader that keeps the log open reads the
# lines appended after its open().
. "$(dirname "$0")/lib.sh"
TAIL_PID=
trap '[ -n "$TAIL_PID" ] && kill "$TAIL_PID" 2>/dev/null; cleanup' EXIT
mount_osfs
T=$MNT/tenants/follow
check "a tenant is created" mkdir "$T"
LOG=$T/log

# stat reads the size the kernel holds; cat reads what the daemon sends.
same_size() {
	local s c
	s=$(stat -c %s "$LOG"); c=$(cat "$LOG" | wc -c)
	equal "$1: stat -c %s log equals the bytes cat reads" "$c" "$s"
}
same_size "a new tenant"

# waits up to 10 s for a fixed string in a file
wait_for() {
	for _ in $(seq 100); do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

tail -f "$LOG" >"$WORK/tail.out" 2>"$WORK/tail.err" &
TAIL_PID=$!
check "tail -f prints the log so far" wait_for "$WORK/tail.out" "created tenant follow"
check "a package installs" cp "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/"
check "tail -f shows the install's line" wait_for "$WORK/tail.out" "installed com.acme.crm@1.0.0"
same_size "after an install"
check "an upgrade" cp "$ARTIFACTS/acme-crm-1.1.0.json" "$T/install/com.acme.crm.json"
check "tail -f shows the upgrade's line" wait_for "$WORK/tail.out" "upgraded com.acme.crm@1.1.0 (was 1.0.0)"
same_size "after an upgrade"
printf '{"manifest": {"id": "com.acme.bad"' >"$WORK/bad.json"
check_not "an invalid artifact is refused" cp "$WORK/bad.json" "$T/install/"
check "tail -f shows the refusal" wait_for "$WORK/tail.out" "error: cannot install the file from install/bad.json"
same_size "after a refused install"
check "an uninstall" rm "$T/install/com.acme.crm.json"
check "tail -f shows the removal" wait_for "$WORK/tail.out" "removed com.acme.crm@1.1.0"
same_size "after an uninstall"
kill "$TAIL_PID" 2>/dev/null; wait "$TAIL_PID" 2>/dev/null; TAIL_PID=
equal "tail -f printed the log exactly" "$(cat "$LOG")" "$(cat "$WORK/tail.out")"

# A reader holding the log open across an install reads the new lines.
cat >"$WORK/reader.py" <<'PY'
import os, subprocess, sys
log, art, dest = sys.argv[1:]
fd = os.open(log, os.O_RDONLY)
def rest():
    out = b""
    while True:
        b = os.read(fd, 65536)
        if not b:
            return out
        out += b
before = rest()
subprocess.run(["cp", art, dest], check=True)
after = rest()
print(len(before), os.fstat(fd).st_size, after.decode().strip())
PY
out=$(python3 "$WORK/reader.py" "$LOG" "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/" 2>&1)
case $out in
*"installed com.acme.crm@1.0.0"*) pass "a reader holding the log open reads the line appended after its open()" ;;
*) fail "a reader holding the log open reads the line appended after its open()" "$out" ;;
esac
read -r nbefore fsize _ <<<"$out"
equal "its fstat size is the whole log" "$(stat -c %s "$LOG")" "$fsize"
finish
