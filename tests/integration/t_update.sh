#!/usr/bin/env bash
# osfsctl update (issue 12 item 16, docs/catalog.md): the daemon syncs its
# remote catalog when asked, as apt update does, and osfsctl prints what
# changed: new packages, new versions, the updates of installed packages.
# A real nginx serves the catalog; the mount's own refresh is an hour
# away, so only the update can show what is published.  The server down:
# a non-zero exit naming the daemon's reason.  Without a remote catalog, or
# read-only: a clear sentence, exit 2.  A sync that stalls (a hostile
# server) holds neither catalog/ nor the osfsctl that a signal ends.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/catalog_env.sh"
. "$(dirname "$0")/nginx.sh"
. "$(dirname "$0")/hostile.sh"
. "$(dirname "$0")/catalog_tree.sh"


lacks() {
	if printf '%s' "$out" | grep -qF -- "$2"; then fail "$1" "unexpected '$2' in:" "$out"; else pass "$1"; fi
}
publish() {
	OS_CLOUD_URL=$CATALOG_URL OS_CLOUD_API_KEY=$TOKEN "$OSFSCTL" publish "$1" >/dev/null 2>&1
}
listing() { ls "$1" | tr '\n' ' ' | sed 's/ $//'; }
ms() { echo $(($(date +%s%N) / 1000000)); }

TOKEN=tok-$RANDOM$RANDOM
nginx_start "$TOKEN"
check "publish crm 1.0.0" publish "$V100"
check "publish helpdesk 0.3.0" publish "$HD"

# Credentials in the URL (nginx ignores them when reading): they must
# never reach what any reader of catalog/ can see.
mount_osfs -o "catalog=http://reader:s3cr3t@${CATALOG_URL#http://},catalog_refresh=3600"
check "the first sync says so on stderr" grep -q "catalog http://127.0.0.1:.* synced" "$WORK/osfs.err"
check "... without the URL's credentials" sh -c "! grep -q s3cr3t '$WORK/osfs.err'"
mkdir "$MNT/tenants/acme"
check "install crm 1.0.0 in acme" cp "$C/com.acme.crm/1.0.0.json" "$MNT/tenants/acme/install/"
check "install helpdesk 0.3.0 (it depends on crm ^1.0.0)" cp "$C/com.acme.helpdesk/0.3.0.json" "$MNT/tenants/acme/install/"

ctl update --mount "$MNT"
expect "update right after the mount's sync: nothing changed" 0 "synced the catalog: nothing changed (2 packages, 2 versions)"
equal "(catalog/com.acme.crm, as the kernel caches it)" "1.0.0.json" "$(listing "$C/com.acme.crm")"

check "publish crm 1.1.0" publish "$V110"
equal "the mount's own refresh is an hour away: 1.1.0 is not listed" "1.0.0.json" "$(listing "$C/com.acme.crm")"
ctl update --mount "$MNT"
expect "update: exit 0 and the new version" 0 "new version: com.acme.crm 1.1.0"
expect "... the update of the installed package, per tenant" 0 "tenant acme: com.acme.crm 1.0.0 -> 1.1.0"
expect "... a summary" 0 "synced the catalog: 0 new packages, 1 new version, 1 new update"
expect "... and how many can be updated" 0 "1 installed package can be updated: osfsctl status --mount $MNT lists it"
equal "ls catalog/com.acme.crm/ shows it at once" "1.0.0.json 1.1.0.json" "$(listing "$C/com.acme.crm")"
check "... and it reads, byte for byte" cmp "$V110" "$C/com.acme.crm/1.1.0.json"
equal "the daemon's xattr names it" 1.1.0 \
	"$(getfattr --absolute-names --only-values -n user.osfs.update "$MNT/tenants/acme/packages/com.acme.crm@1.0.0")"

ctl update --mount "$MNT"
expect "update again: nothing changed" 0 "synced the catalog: nothing changed (2 packages, 3 versions)"
lacks "... and no version is called new" "new version"
expect "... the update still waiting is counted" 0 "1 installed package can be updated"
check "a sync without problems leaves no reason (user.osfs.sync_error: no such attribute)" sh -c \
	"! getfattr --absolute-names -n user.osfs.sync_error '$C' 2>&1 | grep -q user.osfs.sync_error="

# Three at once: each exits 0, and whichever asked first sees what the
# sync brought (a request shares the sync that starts after it).
artifact com.acme.extra 0.1.0 >"$WORK/extra-0.1.0.json"
check "publish crm 2.0.0" publish "$V200"
check "publish a new package, extra 0.1.0" publish "$WORK/extra-0.1.0.json"
pids=()
for i in 1 2 3; do
	"$OSFSCTL" update --mount "$MNT" >"$WORK/up$i.out" 2>&1 &
	pids+=($!)
done
ok=0
for i in 1 2 3; do wait "${pids[$((i - 1))]}" && ok=$((ok + 1)); done
equal "three updates at once all exit 0" 3 "$ok"
out=$(cat "$WORK"/up*.out)
expect "... one of them lists the new package" 0 "new package: com.acme.extra 0.1.0"
expect "... and the new version" 0 "new version: com.acme.crm 2.0.0"
expect "... and the update that changed: 2.0.0 is not offered, and why" 0 \
	"tenant acme: com.acme.crm 1.0.0 -> 1.1.0 (2.0.0 is not offered: com.acme.helpdesk@0.3.0 depends on com.acme.crm ^1.0.0)"
expect "... counting a version newly refused as no new update" 0 "synced the catalog: 1 new package, 2 new versions, 0 new updates"
equal "all of it listed" "com.acme.crm com.acme.extra com.acme.helpdesk" "$(listing "$C")"

# The server goes away.
port=${CATALOG_URL##*:}
nginx_stop
ctl update --mount "$MNT"
expect "server down: update fails" 1 "osfsctl: cannot sync the catalog of $MNT: "
expect "... naming the daemon's reason" 1 "cannot connect to 127.0.0.1:$port"
lacks "... and it claims no sync" "synced the catalog"
lacks "... nor shows the URL's credentials" "s3cr3t"
check "... the daemon says it too (user.osfs.sync_error)" sh -c \
	"getfattr --absolute-names --only-values -n user.osfs.sync_error '$C' | grep -qF 'cannot connect to 127.0.0.1:$port'"
check "... which hold no credentials" sh -c "! getfattr --absolute-names --only-values -n user.osfs.sync_error '$C' | grep -q s3cr3t"
equal "... and the catalog it had still serves" "1.0.0.json 1.1.0.json 2.0.0.json" "$(listing "$C/com.acme.crm")"

remount_osfs -o "ro,catalog=http://reader:s3cr3t@${CATALOG_URL#http://}"
ctl update --mount "$MNT"
expect "a read-only mount: exit 2, saying it is never synced" 2 "is mounted read-only (-o ro): its catalog is served as the store has it, never synced"
unmount_osfs

STORE=$WORK/plain.db
mount_osfs
ctl update --mount "$MNT"
expect "a mount without -o catalog: exit 2, saying so" 2 "has no remote catalog to sync: it was mounted without -o catalog=URL"
fails_with ENOTSUP "... (getfattr -n user.osfs.sync: not supported)" \
	getfattr --absolute-names -n user.osfs.sync "$C"
unmount_osfs
ctl update --mount "$WORK"
expect "not a mount: exit 1" 1 "is not an osfs mount"
ctl update
expect "no --mount: usage, exit 2" 2 "usage: osfsctl update --mount MOUNTPOINT"

# A sync that stalls: the root index trickles 1 byte a second, abandoned
# after catalog_stall (40 s).  catalog/ answers meanwhile, and a signal
# ends the waiting osfsctl at once (the sync goes on in the daemon).
catalog_tree "$WORK/slow/root" "$V100"
hostile_start slow
STORE=$WORK/slow.db
mount_osfs -o "catalog=$HOSTILE_URL,catalog_refresh=3600,catalog_stall=40"
equal "(the slow server's catalog is listed)" "com.acme.crm" "$(listing "$C")"
hostile_rules slow '{"/index.json": {"trickle": 1}}'
"$OSFSCTL" update --mount "$MNT" >"$WORK/slow.out" 2>&1 &
upd=$!
gets() { grep -c '^GET /index.json ' "$WORK/slow/log"; }
for _ in $(seq 100); do [ "$(gets)" -ge 2 ] && break; sleep 0.1; done
equal "(the update's sync asked for the root index)" 2 "$(gets)"
t0=$(ms)
ls "$C" >/dev/null && ls "$C/com.acme.crm" >/dev/null && stat "$C/com.acme.crm/1.0.0.json" >/dev/null
t1=$(ms)
if [ $((t1 - t0)) -lt 5000 ]; then pass "while the sync stalls, ls and stat in catalog/ answer ($((t1 - t0)) ms; the stall lasts 40 s)"
else fail "while the sync stalls, ls and stat in catalog/ answer" "took $((t1 - t0)) ms"; fi
check "... and osfsctl is still waiting" kill -0 "$upd"
t0=$(ms)
kill -TERM "$upd"
wait "$upd" 2>/dev/null
t1=$(ms)
if [ $((t1 - t0)) -lt 10000 ]; then pass "SIGTERM ends the waiting osfsctl at once ($((t1 - t0)) ms; the stall lasts 40 s)"
else fail "SIGTERM ends the waiting osfsctl at once" "took $((t1 - t0)) ms"; fi
unmount_osfs

finish
