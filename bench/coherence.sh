#!/usr/bin/env bash
# coherence.sh: the cross-mount latency of issue 13 item 4 (docs/scale-out.md,
# "Coherence"; figures in docs/performance.md; make bench runs it as W8).
# Starts a throwaway PostgreSQL (tests/pg/server.sh), three daemons on three
# mounts of one database, and does N installs (default 100) through mount 1;
# after each cp returned, it times how long until the kernels of mounts 2 and
# 3 show it: the mtime of install/ that their kernel had cached equals mount
# 1's (stat is answered from the kernel's cache until the invalidation lands,
# so this is the moment their users see the change).  Prints p50, p99 and
# max for mount 2, mount 3 and both (the later of the two, per install).
# A report, not a test: nothing is asserted.
#
#   bench/coherence.sh [N]            (root: FUSE mounts; OSFS=build/osfs)
#   SYNC_POLL=1 (default)             -o sync_poll of the daemons
#   NO_LISTEN=0                       1: mounts 2 and 3 never listen
#                                     (OSFS_TEST_NO_LISTEN), to measure the
#                                     poll alone
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-100}
OSFS=${OSFS:-$here/build/osfs}
work=$(mktemp -d "${TMPDIR:-/tmp}/osfs-coherence.XXXXXX") || exit 1
# the server's folder is its own (server.sh makes it for the postgres user)
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/osfs-pg.XXXXXX") && rmdir "$pgdir" || exit 1
pids=()
cleanup() {
	for m in "$work/m1" "$work/m2" "$work/m3"; do fusermount3 -u "$m" 2>/dev/null || fusermount3 -u -z "$m" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill "$p" 2>/dev/null
	done
	"$here/tests/pg/server.sh" stop "$pgdir" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$here/tests/pg/server.sh" start "$pgdir" >/dev/null || exit 1
# shellcheck disable=SC1091
. "$pgdir/env"
export PGPASSFILE=$OSFS_PG_PASSFILE
store=postgresql://osfs@127.0.0.1:$OSFS_PG_PORT/osfs
mkdir -p "$work/m1" "$work/m2" "$work/m3"
for m in m1 m2 m3; do
	[ "$m" != m1 ] && [ "${NO_LISTEN:-0}" = 1 ] && export OSFS_TEST_NO_LISTEN=1
	"$OSFS" -f -o "store=$store,sync_poll=${SYNC_POLL:-1}" "$work/$m" 2>>"$work/$m.err" &
	pids+=($!)
	for _ in $(seq 400); do [ -d "$work/$m/tenants" ] && break; sleep 0.05; done
	[ -d "$work/$m/tenants" ] || { echo "osfs did not mount: $(cat "$work/$m.err")"; exit 1; }
done
mkdir "$work/m1/tenants/lat" || exit 1
for m in m2 m3; do
	for _ in $(seq 50); do [ -d "$work/$m/tenants/lat/install" ] && break; sleep 0.1; done
done
python3 - "$work" "$N" <<'PY'
import json, os, sys, time
work, n = sys.argv[1], int(sys.argv[2])
src = work + "/m1/tenants/lat/install"
dst = [work + "/m2/tenants/lat/install", work + "/m3/tenants/lat/install"]
lat = [[], [], []]  # mount 2, mount 3, both
for i in range(n):
    for d in dst:
        os.stat(d)  # their kernels cache install/'s attributes
    art = {"manifest": {"id": "com.lat.p%d" % i, "namespace": "lp%d" % i, "version": "1.0.0",
                        "name": "p%d" % i, "type": "app", "dependencies": {}}}
    with open(src + "/p%d.json" % i, "w") as f:
        f.write(json.dumps(art))
    t0 = time.monotonic()  # close() returned: committed
    want = os.stat(src).st_mtime_ns
    seen = [None, None]
    while None in seen:
        now = time.monotonic()
        for k, d in enumerate(dst):
            if seen[k] is None and os.stat(d).st_mtime_ns == want:
                seen[k] = now - t0
        if now - t0 > 10:
            seen = [s if s is not None else now - t0 for s in seen]
            break
        time.sleep(0.0005)
    lat[0].append(seen[0])
    lat[1].append(seen[1])
    lat[2].append(max(seen))
def pct(v, p):
    return v[min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1)]
for name, v in zip(("mount 2", "mount 3", "mounts 2 and 3"), lat):
    v.sort()
    print("cross-mount latency, install on mount 1 seen on %s, over %d installs: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
          % (name, n, pct(v, 50) * 1e3, pct(v, 99) * 1e3, v[-1] * 1e3))
PY
