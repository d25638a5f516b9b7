#!/usr/bin/env bash
# suite.sh: make test-pg: the whole integration suite on a PostgreSQL store
# (docs/scale-out.md, step 3).  One throwaway server (server.sh) for the run,
# one database per test (tests/integration/lib.sh); the server is stopped and
# its folder removed however the run ends.
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/osfs-pg.XXXXXX") || exit 1
rmdir "$dir"
trap '"$here/server.sh" stop "$dir"' EXIT
trap 'exit 130' INT TERM
"$here/server.sh" start "$dir" >/dev/null || exit 1
# The postgres user runs the server; the tests' databases are created over
# its socket in $dir, so the folder must let root's psql in as that user.
OSFS_TEST_PG_DIR=$dir "$here/../integration/run.sh"
