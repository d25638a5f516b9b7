#!/usr/bin/env bash
# The sentences people read when the tree refuses something (issue 12
# point 9): a bad tenant name names the rule, links of any kind are EPERM
# (not ENOSYS), and a write to a read-only place leaves one line in the
# daemon's log naming the path and why, without flooding it.
. "$(dirname "$0")/lib.sh"
mount_osfs
T=$MNT/tenants/acme
mkdir "$T"
ERR=$WORK/osfs.err

fails_with EINVAL "mkdir tenants/Bad fails EINVAL" mkdir "$MNT/tenants/Bad"
log_has "$ERR" 'mkdir tenants/Bad: "Bad" is not a valid tenant name: use 1-63 characters of a-z, 0-9' \
	"... and the daemon's log names the tenant name rule"

# Links: EPERM everywhere, with a line saying osfs has none.  (Each of
# these is one of the first ten refusals: none is left out of the log.)
fails_with EPERM "ln -s in install/ fails EPERM" ln -s /etc/hostname "$T/install/x.json"
log_has "$ERR" "ln -s tenants/acme/install/x.json refused (Operation not permitted): osfs has no symbolic links" \
	"... and the log says osfs has no symbolic links"
fails_with EPERM "ln -s in tenants/ fails EPERM" ln -s acme "$MNT/tenants/alias"
fails_with EPERM "ln -s in packages/ fails EPERM" ln -s x "$T/packages/y"
fails_with EPERM "ln (hard) fails EPERM" ln "$T/log" "$T/install/log.json"
fails_with EPERM "mknod of a FIFO fails EPERM" mkfifo "$T/install/fifo"
equal "no 'Function not implemented' reached a tool" "" "$(grep -c 'Function not implemented' "$ERR" | grep -v '^0$')"

# A write to a read-only place: the caller's errno, one line naming it.
fails_with EACCES "creating a file in packages/ fails EACCES" touch "$T/packages/new.json"
log_has "$ERR" "create tenants/acme/packages/new.json refused (Permission denied): packages/ is read-only: install packages by copying an artifact into tenants/acme/install/" \
	"... and the log names the path and says how to install"
fails_with EACCES "creating a file in objects/ fails EACCES" sh -c "echo {} >'$T/objects/x.json'"
log_has "$ERR" "create tenants/acme/objects/x.json refused (Permission denied): objects/ is read-only" \
	"... and the log says objects/ is read-only"
fails_with EACCES "writing to a store file fails EACCES" sh -c "echo {} >'$T/packages/sys.ai@0.1.0/objectstack.json'"
log_has "$ERR" "write a file of tenants/acme/packages/ refused (Permission denied): packages/ is read-only" \
	"... and the log says packages/ is read-only"
# The log is refused while the tenant has a package of its own (in a tenant
# without one, rm of its derived files changes nothing: rm -rf of a tenant,
# docs/tree.md "Removing a tenant").
check "install a package of the tenant's own" cp "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/"
fails_with EACCES "rm log fails EACCES" rm -f "$T/log"
log_has "$ERR" "rm tenants/acme/log refused (Permission denied): the log is read-only: osfs writes it" \
	"... and the log names the log itself, not its folder"

# A flood of refusals is summarised: a burst, then one line a second.
sleep 1
before=$(wc -l <"$ERR")
n=0
for i in $(seq 200); do touch "$T/packages/f$i" 2>/dev/null || n=$((n + 1)); done
equal "200 creates in packages/ are all refused" "200" "$n"
lines=$(($(wc -l <"$ERR") - before))
check "... with at most 60 lines in the log (rate-limited; there were $lines)" test "$lines" -le 60
check "... but at least one" test "$lines" -ge 1
sleep 2
fails_with EACCES "a refusal after a quiet spell" mkdir "$T/objects/d"
log_has "$ERR" "more refusals not shown)" "... is logged, saying how many were left out"

finish
