#!/usr/bin/env bash
# Runs every integration test (t_*.sh) and reports which failed.
cd "$(dirname "$0")" || exit 1
failed=()
for t in t_*.sh; do
	echo "== $t"
	if ! bash "$t"; then failed+=("$t"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "integration tests failed: ${failed[*]}"
	exit 1
fi
echo "all integration tests passed"
