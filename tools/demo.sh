#!/usr/bin/env bash
# The quick start: installs the Debian packages osfs and `make test` need
# (tools/deps.sh: only those missing), builds osfs, and mounts ./demo/mnt on
# the store ./demo/store.db with a tenant "demo" holding the sample package
# examples/notes.
#   tools/demo.sh          set up and mount
#   tools/demo.sh stop     unmount
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
mnt=$top/demo/mnt

if [ "${1:-}" = stop ]; then
	fusermount3 -u "$mnt" && echo "unmounted $mnt"
	exit 0
fi

tools/deps.sh

make -s -j"$(nproc)"
mkdir -p "$mnt"
if mountpoint -q "$mnt"; then
	echo "already mounted: $mnt"
else
	# A mount left behind by a daemon that died is unmounted first.
	fusermount3 -u "$mnt" 2>/dev/null || true
	./build/osfs -o store="$top/demo/store.db" "$mnt"
fi
[ -d "$mnt/tenants/demo" ] || mkdir "$mnt/tenants/demo"
[ -e "$mnt/tenants/demo/install/com.example.notes.json" ] || cp examples/notes/objectstack.json "$mnt/tenants/demo/install/"

cat <<MSG
osfs is mounted on $mnt (store: demo/store.db). Try:
  ls $mnt/tenants/demo/install $mnt/tenants/demo/objects
  cat $mnt/tenants/demo/data/notes_note/'Try osfs.json'
  cat $mnt/tenants/demo/log
  cp tests/fixtures/real/app-crm/objectstack.json $mnt/tenants/demo/install/
Stop it with: tools/demo.sh stop
MSG
