#!/usr/bin/env bash
# coherence.sh: the cross-mount latency of issue 13 item 4 (docs/scale-out.md,
# "Coherence"; figures in docs/performance.md).  Starts a throwaway PostgreSQL
# (tests/pg/server.sh), two daemons on two mounts of one database, and does N
# installs (default 100) through mount A; after each cp returned, it times how
# long until mount B's kernel shows it: the mtime of install/ that B's kernel
# had cached equals A's (stat is answered from the kernel's cache until the
# invalidation lands, so this is the moment B's users see the change).
# Prints p50, p99 and max.  A report, not a test: nothing is asserted.
#
#   bench/coherence.sh [N]            (root: FUSE mounts; OSFS=build/osfs)
#   SYNC_POLL=1 (default)             -o sync_poll of both daemons
#   NO_LISTEN=0                       1: B never listens (OSFS_TEST_NO_LISTEN),
#                                     to measure the poll alone
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-100}
OSFS=${OSFS:-$here/build/osfs}
work=$(mktemp -d "${TMPDIR:-/tmp}/osfs-coherence.XXXXXX") || exit 1
# the server's folder is its own (server.sh makes it for the postgres user)
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/osfs-pg.XXXXXX") && rmdir "$pgdir" || exit 1
pids=()
cleanup() {
	for m in "$work/a" "$work/b"; do fusermount3 -u "$m" 2>/dev/null || fusermount3 -u -z "$m" 2>/dev/null; done
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
mkdir -p "$work/a" "$work/b"
for m in a b; do
	[ "$m" = b ] && [ "${NO_LISTEN:-0}" = 1 ] && export OSFS_TEST_NO_LISTEN=1
	"$OSFS" -f -o "store=$store,sync_poll=${SYNC_POLL:-1}" "$work/$m" 2>>"$work/$m.err" &
	pids+=($!)
	for _ in $(seq 100); do [ -d "$work/$m/tenants" ] && break; sleep 0.05; done
	[ -d "$work/$m/tenants" ] || { echo "osfs did not mount: $(cat "$work/$m.err")"; exit 1; }
done
mkdir "$work/a/tenants/lat" || exit 1
for _ in $(seq 50); do [ -d "$work/b/tenants/lat/install" ] && break; sleep 0.1; done
python3 - "$work" "$N" <<'PY'
import json, os, sys, time
work, n = sys.argv[1], int(sys.argv[2])
a, b = work + "/a/tenants/lat/install", work + "/b/tenants/lat/install"
lat = []
for i in range(n):
    os.stat(b)  # B's kernel caches install/'s attributes
    art = {"manifest": {"id": "com.lat.p%d" % i, "namespace": "lp%d" % i, "version": "1.0.0",
                        "name": "p%d" % i, "type": "app", "dependencies": {}}}
    with open(a + "/p%d.json" % i, "w") as f:
        f.write(json.dumps(art))
    t0 = time.monotonic()  # close() returned: committed
    want = os.stat(a).st_mtime_ns
    while os.stat(b).st_mtime_ns != want:
        if time.monotonic() - t0 > 10:
            break
        time.sleep(0.0005)
    lat.append(time.monotonic() - t0)
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(round(p / 100.0 * len(lat) + 0.5)) - 1)]
print("cross-mount latency over %d installs: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
      % (n, pct(50) * 1e3, pct(99) * 1e3, lat[-1] * 1e3))
PY
