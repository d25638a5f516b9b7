#!/usr/bin/env bash
# The check at the write() that completes a document (SPEC 4 and 13,
# docs/tree.md): shells throw away close()'s error, so a refused artifact
# or record also fails the write() that closes its top-level JSON value.
# `printf '{bad' >` (incomplete) still exits 0, its refusal in the log;
# `printf '{"manifest": nope}' >` and `echo` of a record with an unknown
# field exit 1 with "write error: Invalid argument"; a missing dependency
# is ENOPKG at the write; valid documents written by echo, python in
# three chunks and dd with a small block size install; temporary names
# and non-sequential writes are left to close() and rename().
. "$(dirname "$0")/lib.sh"
mount_osfs
mkdir "$MNT/tenants/acme"
T=$MNT/tenants/acme
I=$T/install

# shell_fails ERRNAME "what" command: bash's redirection fails at the
# write, so the command exits 1 with "write error: <strerror>".
shell_fails() {
	local err=$1 what=$2 out rc
	shift 2
	out=$(bash -c "$1" 2>&1)
	rc=$?
	if [ $rc = 1 ] && printf '%s' "$out" | grep -qF "write error: $(errtext "$err")"; then
		pass "$what"
	else
		fail "$what" "command: $1" "exit $rc, output: $out"
	fi
}
count() { grep -cF -- "$2" "$1"; }

# ------------------------------------------------------------ install/
before=$(ls -A "$I")
check "printf of an incomplete document exits 0 (the write is not refused)" bash -c "printf '{bad' >'$I/x.json'"
log_has "$T/log" "error: cannot install the file from install/x.json: not valid JSON" "... close refused it: the log says why"
equal "... and nothing was installed" "$before" "$(ls -A "$I")"
check "an unclosed string holding a brace is incomplete too" bash -c "printf '{\"manifest\": \"}' >'$I/x.json'"
equal "... nothing installed" "$before" "$(ls -A "$I")"

shell_fails EINVAL "printf of a complete, invalid document exits 1 with 'write error: Invalid argument'" \
	"printf '{\"manifest\": nope}\n' >'$I/x.json'"
equal "... nothing installed" "$before" "$(ls -A "$I")"
equal "... the refusal is logged once (by close)" 1 "$(count "$T/log" "install/x.json: not valid JSON: line 1, column 14: unexpected character 'n'")"

artifact com.acme.x 1.0.0 xa >"$WORK/x.json"
check "echo of a valid artifact exits 0" bash -c "echo '$(cat "$WORK/x.json")' >'$I/x.json'"
check "... and installs it" test -f "$I/com.acme.x.json"
log_has "$T/log" "installed com.acme.x@1.0.0" "... the log says installed (once)"
equal "... once" 1 "$(count "$T/log" "installed com.acme.x@1.0.0")"
shell_fails EINVAL "writing an invalid document over an installed file exits 1" \
	"echo '{\"manifest\": {\"id\": \"com.acme.x\", \"version\": \"x\"}}' >'$I/com.acme.x.json'"
check "... and the package is unchanged" grep -q '"version": "1.0.0"' "$I/com.acme.x.json"

# A dependency: the check at the write sees the store as close() would.
artifact com.acme.hd 1.0.0 hd '{"com.acme.crm": "^1.0.0"}' >"$WORK/hd.json"
shell_fails ENOPKG "a missing dependency fails the write with ENOPKG" "cat '$WORK/hd.json' >'$I/hd.json'"
log_has "$T/log" "dependency com.acme.crm ^1.0.0 is not installed in tenant acme" "... the log says which"
check "... not installed" test ! -e "$I/com.acme.hd.json"
check "(install the dependency)" cp "$ARTIFACTS/acme-crm-1.0.0.json" "$I/"
check "with the dependency there, the same write exits 0" bash -c "cat '$WORK/hd.json' >'$I/hd.json'"
check "... and installs" test -f "$I/com.acme.hd.json"

# Other writers: python in three chunks, dd with a small block size.
artifact com.acme.py 1.0.0 py >"$WORK/py.json"
py3() {
	python3 - "$@" <<'PY'
import os, sys
src, dst, mode = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, 'rb').read()
fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
n = len(data) // 3
if mode == 'seq':
    for part in (data[:n], data[n:2 * n], data[2 * n:]):
        os.write(fd, part)
else:   # the tail first, then the head: not sequential
    os.pwrite(fd, data[n:], n)
    os.pwrite(fd, data[:n], 0)
print("writes ok")
try:
    os.close(fd)
except OSError as e:
    print("close:", e.strerror)
PY
}
equal "python writing a valid artifact in 3 chunks: every write and the close succeed" "writes ok" "$(py3 "$WORK/py.json" "$I/py.json" seq 2>&1)"
check "... installed" test -f "$I/com.acme.py.json"
artifact com.acme.bad one bad >"$WORK/bad.json" # not a version
out=$(py3 "$WORK/bad.json" "$I/bad.json" seq 2>&1)
case $out in *"OSError: [Errno 22] Invalid argument"*) pass "python: the third chunk of an invalid artifact raises EINVAL" ;;
*) fail "python: the third chunk of an invalid artifact raises EINVAL" "output: $out" ;; esac
equal "non-sequential writes are not checked early: they succeed, close refuses" \
	"writes ok
close: Invalid argument" "$(py3 "$WORK/bad.json" "$I/bad.json" pwrite 2>&1)"
check "... nothing installed" test ! -e "$I/com.acme.bad.json"
artifact com.acme.dd 1.0.0 dd >"$WORK/dd.json"
check "dd bs=7 of a valid artifact exits 0" dd if="$WORK/dd.json" of="$I/dd.json" bs=7 status=none
check "... installed" test -f "$I/com.acme.dd.json"
fails_with EINVAL "dd bs=7 of an invalid artifact exits 1" dd if="$WORK/bad.json" of="$I/bad.json" bs=7 status=none

# A temporary name installs at rename(): the rename reports, not the write.
check "a temporary name is not checked at the write" bash -c "printf '{\"manifest\": nope}' >'$I/.x.json.tmp'"
check_not "... its rename is refused (mv says EINVAL its own way)" mv "$I/.x.json.tmp" "$I/x.json"

# ------------------------------------------------------------ data/
mkdir "$MNT/tenants/beta"
T=$MNT/tenants/beta
check "(the crm fixture in tenant beta)" cp "$FIXTURES/app-crm/objectstack.json" "$T/install/crm.json"
D=$T/data/crm_account
shell_fails EINVAL "echo of a record with an unknown field exits 1 with 'write error: Invalid argument'" \
	"echo '{\"unknown_field\": 1}' >'$D/k.json'"
check "... no record" test ! -e "$D/k.json"
log_has "$T/log" "error: cannot write data/crm_account/k.json" "... the log says why"
check "echo of a valid record exits 0" bash -c "echo '{\"name\": \"K Corp\"}' >'$D/k.json'"
check "... it is a record" grep -q '"name": "K Corp"' "$D/k.json"
shell_fails EINVAL "overwriting the record with a bad value exits 1" \
	"echo '{\"name\": \"K Corp\", \"industry\": \"banking\"}' >'$D/k.json'"
check "... and the record is unchanged" sh -c "grep -q '\"name\": \"K Corp\"' '$D/k.json' && ! grep -q banking '$D/k.json'"
check "printf of an incomplete record exits 0 (close refuses it)" bash -c "printf '{\"name\": ' >'$D/k2.json'"
check "... no record" test ! -e "$D/k2.json"

finish
