#!/usr/bin/env bash
# What one user must not take from the others (issue 11 items 4 and 5;
# SPEC 10), with two real users on a mount with allow_other:
# - pending uploads are budgeted per uid (-o max_pending): when one uid's
#   pending '.x.XXXX' uploads fill its share, its writes fail EDQUOT with
#   a sentence naming whose budget ran out and its size, and another uid's
#   cp still installs; root has a share of its own; all uids but root
#   together are bounded by -o max_pending_total (ENOSPC);
# - tenants are counted per uid (-o max_tenants_per_uid): over it, mkdir
#   fails EDQUOT with a sentence naming the limit; root is not counted.
. "$(dirname "$0")/lib.sh"
two_users ann ben
UID1=$(id -u "$U1")
chmod 0755 "$WORK"
cp "$ARTIFACTS/acme-crm-1.0.0.json" "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$WORK/" && chmod 0644 "$WORK"/*.json
head -c 1048576 /dev/zero >"$WORK/1m" && chmod 0644 "$WORK/1m"

mount_osfs -o allow_other,default_permissions,max_pending=4M,max_pending_total=5M,max_tenants_per_uid=2
TA=$MNT/tenants/ann
TB=$MNT/tenants/ben
check "$U1 creates a tenant" as "$U1" mkdir "$TA"
check "$U2 creates a tenant" as "$U2" mkdir "$TB"

# rsync's way: '.name.XXXXXX' stays pending until it is renamed.
for i in 1 2 3 4; do
	check "$U1 holds pending upload $i of 1 MiB" as "$U1" cp "$WORK/1m" "$TA/install/.x.$i"
done
fails_with EDQUOT "a fifth MiB is over $U1's share: EDQUOT" as "$U1" cp "$WORK/1m" "$TA/install/.x.5"
log_has "$TA/log" "uid $UID1's pending uploads hold 4.0 MiB, its budget (-o max_pending=4.0 MiB); finish or remove them [EDQUOT]" \
	"the tenant log names whose budget ran out and its size"
log_has "$WORK/osfs.err" "uid $UID1's pending uploads hold 4.0 MiB" "and so does the daemon's stderr"
fails_with EDQUOT "$U1's cp of a valid artifact fails too" as "$U1" cp "$WORK/acme-crm-1.0.0.json" "$TA/install/"
if grep -q "file is empty" "$TA/log"; then
	fail "the refused cp is not reported as an empty file" "$(grep "file is empty" "$TA/log")"
else
	pass "the refused cp is not reported as an empty file"
fi
fails_with EDQUOT "renaming the refused .x.5 into place does not install its incomplete bytes" \
	as "$U1" mv "$TA/install/.x.5" "$TA/install/x5.json"
check "its user.osfs.error says why" sh -c "getfattr --only-values -n user.osfs.error '$TA/install/.x.5' | grep -qF \"uid $UID1's budget for pending uploads (-o max_pending) was full\""
check "$U2's cp of a valid artifact still installs" as "$U2" cp "$WORK/acme-crm-1.0.0.json" "$TB/install/"
check "which shows in $U2's tenant" test -d "$TB/packages/com.acme.crm@1.0.0"
check "root has a share of its own" cp "$WORK/1m" "$TA/install/.root.1"
check "root's bytes are outside the total: $U2 holds 1 MiB" as "$U2" cp "$WORK/1m" "$TB/install/.y.1"
fails_with ENOSPC "all uids but root together would hold 6 MiB, over the total of 5: ENOSPC" as "$U2" cp "$WORK/1m" "$TB/install/.y.2"
log_has "$TB/log" "the pending uploads of all users but root hold 5.0 MiB, the total budget (-o max_pending_total=5.0 MiB)" \
	"the tenant log names the total budget"
check "$U1 removes its pending uploads" as "$U1" rm -f "$TA/install/.x.1" "$TA/install/.x.2" "$TA/install/.x.5"
check "then $U2 can upload again" as "$U2" cp "$WORK/1m" "$TB/install/.y.2"
check "and $U1 installs" as "$U1" cp "$WORK/acme-crm-1.0.0.json" "$TA/install/"

# Tenants per uid: ann owns 1, ben 1; N=2.
check "$U1 creates a second tenant" as "$U1" mkdir "$MNT/tenants/ann2"
fails_with EDQUOT "a third is over max_tenants_per_uid=2: EDQUOT" as "$U1" mkdir "$MNT/tenants/ann3"
log_has "$WORK/osfs.err" "mkdir tenants/ann3: uid $UID1 owns 2 tenants, the most -o max_tenants_per_uid=2 allows" \
	"stderr says which limit"
check "nothing of it was made" test ! -e "$MNT/tenants/ann3"
check "$U2 still creates its second" as "$U2" mkdir "$MNT/tenants/ben2"
check "root is not counted" sh -c "for i in 1 2 3; do mkdir '$MNT/tenants/root'\$i || exit 1; done"
check "a tenant given away counts for its new owner" chown "$U2" "$MNT/tenants/ann2"
check "so $U1 may make one again" as "$U1" mkdir "$MNT/tenants/ann3"
fails_with EDQUOT "and $U2, now owning 3, may not" as "$U2" mkdir "$MNT/tenants/ben3"
finish
