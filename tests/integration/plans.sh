#!/usr/bin/env bash
# plans.sh LOG: every query the daemon and osfsctl prepared during the tests
# whose plan reads a whole table or index (LOG: "STEP<TAB>SQL" lines written
# under OSFS_PLAN_LOG, store/sqlite/db.c) must be one that plans.allow lists, with
# the reason it is meant; anything else wants an index.
cd "$(dirname "$0")" || exit 1
log=$1
if [ ! -s "$log" ]; then
	# Listing tenants/ alone reads the whole tenants table: an empty log
	# means the plan log is broken, not that every query is indexed.
	echo "FAIL - no query plans were logged to $log (OSFS_PLAN_LOG)"
	exit 1
fi
allowed=$(grep -v '^#' plans.allow | grep -v '^$')
bad=0
while IFS= read -r line; do
	if grep -qxF -- "$line" <<<"$allowed"; then
		echo "ok   - allowed: ${line%%	*}"
	else
		bad=$((bad + 1))
		echo "FAIL - a query reads a whole table or index: ${line%%	*}"
		echo "       ${line#*	}"
		echo "       add an index, or list the line in tests/integration/plans.allow with the reason"
	fi
done < <(sort -u "$log")
echo "# plans: $(sort -u "$log" | wc -l) distinct scans, $bad not allowed"
[ "$bad" -eq 0 ]
