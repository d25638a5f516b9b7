# What the catalog tests share: the test artifacts, catalog/, a HOME of
# the test's own (osfsctl keeps its token there), and ctl/expect to run
# osfsctl and check what it said.  Sourced after lib.sh.  A test that sets
# LOG gets every osfsctl output appended to it (to check no token leaks).
V100=$ARTIFACTS/acme-crm-1.0.0.json
V110=$ARTIFACTS/acme-crm-1.1.0.json
V200=$ARTIFACTS/acme-crm-2.0.0.json
HD=$ARTIFACTS/acme-helpdesk-0.3.0.json
C=$MNT/catalog
export HOME=$WORK/home
mkdir -p "$HOME"
unset OS_CLOUD_URL OS_CLOUD_API_KEY

# ctl ARGS...: runs osfsctl; $out is what it printed, $rc its status.
ctl() {
	out=$("$OSFSCTL" "$@" 2>&1)
	rc=$?
	if [ -n "${LOG:-}" ]; then printf '%s\n' "$out" >>"$LOG"; fi
}
# expect WHAT STATUS TEXT: the last ctl exited STATUS and printed TEXT.
expect() {
	if [ "$rc" = "$2" ] && printf '%s' "$out" | grep -qF -- "$3"; then pass "$1"
	else fail "$1" "exit $rc (expected $2); expected '$3' in:" "$out"; fi
}
