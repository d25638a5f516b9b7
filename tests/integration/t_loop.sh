#!/usr/bin/env bash
# The session loop (fs/loop.c): one thread reads every request and answers
# the reads itself; an install (a long write transaction, its upload's
# lock held throughout) runs on a worker.  While one is in progress, reads
# of other files, listings, attributes and xattrs are still answered,
# and a listing of the installing tenant's install/ (which waits for the
# upload's lock, on a worker) holds up none of them.  (Not listed during
# the install: another tenant's install/, whose listing waits too, for
# the uploads' list lock that the first listing holds: fs/ops_read.c.)
# No timing: the
# reads must finish while `cp` is still in its close(), which is where the
# install happens.  With -s (one thread for everything) they wait for it.
. "$(dirname "$0")/lib.sh"
mount_osfs
A=$MNT/tenants/a
B=$MNT/tenants/b
mkdir "$A" "$B"
check "a tenant with the showcase installed" cp "$FIXTURES/app-showcase/objectstack.json" "$A/install/showcase.json"
PKG=$(ls -d "$A"/packages/*/ | head -n 1)
# An install that takes seconds here: 300,000 seed records.
python3 "$(dirname "$0")/../../bench/gen.py" big "$WORK/big.json" 300000 || { fail "gen.py"; finish; }

cp "$WORK/big.json" "$B/install/big.json" 2>"$WORK/cp.err" &
CP=$!
# Its last system call is close() (3), whose FLUSH installs.
in_close() { [ "$(cut -d' ' -f1 "/proc/$CP/syscall" 2>/dev/null)" = 3 ]; }
for _ in $(seq 1200); do in_close && break; kill -0 "$CP" 2>/dev/null || break; sleep 0.05; done
if ! in_close; then
	fail "cp reached close() while the install ran (it ended first: the install was too quick to test)"
	wait "$CP"
	finish
fi
ls -l "$B/install" >"$WORK/ls-install.out" 2>&1 &
LS=$!
ok=1
timeout 120 cat "$PKG/objectstack.json" >/dev/null || ok=0
timeout 120 ls -lR "$A/packages" "$A/objects" >/dev/null || ok=0
timeout 120 stat "$A/log" "$B/packages" >/dev/null || ok=0
timeout 120 getfattr -n user.osfs.xxh3 "$PKG/objectstack.json" >/dev/null 2>&1 || ok=0
still=0
in_close && still=1
equal "reads, listings and xattrs of tenant a answered" 1 "$ok"
equal "... while b's install was still running (cp in close())" 1 "$still"
wait "$CP"
equal "the install succeeded" "0 " "$? $(cat "$WORK/cp.err")"
wait "$LS"
check "the listing of b's install/ that waited for it answered" grep -q "big.json" "$WORK/ls-install.out"
check "b's package is installed" test -d "$B/packages/com.bench.big@1.0.0"
check "a request answered on the reading thread: security.* (ENODATA)" \
	sh -c "! getfattr -n security.selinux '$PKG/objectstack.json' 2>&1 | grep -qv 'No such attribute'"
finish
