#!/usr/bin/env bash
# Runs every integration test (t_*.sh) and reports which failed; then holds
# every query the tests made to an index (plans.sh).
cd "$(dirname "$0")" || exit 1
failed=()
plans=$(mktemp "${TMPDIR:-/tmp}/osfs-plans.XXXXXX") || exit 1
trap 'rm -f "$plans"' EXIT
export OSFS_PLAN_LOG="$plans"
# OSFS_TEST_SKIP="t_a.sh t_b.sh": tests this run leaves out, each said
# (.ci/run's make test-pg: docs/testing.md says which and why).
for t in t_*.sh; do
	case " ${OSFS_TEST_SKIP:-} " in
	*" $t "*) echo "== $t: skipped (OSFS_TEST_SKIP)"; continue ;;
	esac
	echo "== $t"
	if ! bash "$t"; then failed+=("$t"); fi
done
# The plans are SQLite's (EXPLAIN QUERY PLAN); PostgreSQL's are not logged.
if [ -z "${OSFS_TEST_PG_DIR:-}" ]; then
	echo "== plans.sh"
	if ! bash plans.sh "$plans"; then failed+=(plans.sh); fi
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "integration tests failed: ${failed[*]}"
	exit 1
fi
echo "all integration tests passed"
