#!/usr/bin/env bash
# MOUNT/catalog/ (issue 5, docs/catalog.md): the local catalog driven with
# cp, rsync, rm and rmdir; installs from it, by path and by id; the
# updates it shows; then a remote catalog served by a real nginx: listed,
# downloaded on first read and checked, revalidated with ETags, refreshed
# while mounted, and still serving what it cached once the server stops.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/catalog_env.sh"
. "$(dirname "$0")/nginx.sh"


# until_true SECONDS command...: polls, for what a background thread does.
until_true() {
	local end=$(($(date +%s) + $1)); shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
}
gets() { grep -c "\"GET $1 " "$NGINX_DIR/logs/access.log"; }

# ------------------------------------------------------------ local
mount_osfs
check "catalog/ is there and empty" test -z "$(ls -A "$C")"
check "cp X.json catalog/ adds it" cp "$V100" "$C/"
check "... as catalog/<id>/<version>.json, byte for byte" cmp "$V100" "$C/com.acme.crm/1.0.0.json"
equal "... read-only" 444 "$(stat -c %a "$C/com.acme.crm/1.0.0.json")"
equal "... and nothing else is left in catalog/" "com.acme.crm" "$(ls -A "$C")"
equal "its hash is an xattr" "$("$OSFSCTL" inspect "$V100" | sed -n 's/^xxh3: *//p')" \
	"$(getfattr --absolute-names --only-values -n user.osfs.xxh3 "$C/com.acme.crm/1.0.0.json")"
log_has "$WORK/osfs.err" "catalog: added com.acme.crm@1.0.0 to the catalog from catalog/acme-crm-1.0.0.json" "the daemon says what it added"
check "the identical bytes again: a success" cp "$V100" "$C/"
{ cat "$V100"; echo; } >"$WORK/other-1.0.0.json"
check "(the other artifact differs)" test "$(cmp -s "$V100" "$WORK/other-1.0.0.json"; echo $?)" = 1
fails_with EEXIST "the same id@version with other bytes is refused" cp "$WORK/other-1.0.0.json" "$C/"
log_has "$WORK/osfs.err" "com.acme.crm@1.0.0 is already in the catalog with other bytes: versions are immutable" "... saying versions are immutable"
check "... and the catalog keeps the first" cmp "$V100" "$C/com.acme.crm/1.0.0.json"
echo '{"manifest": {"id": "com.acme.bad", "version": "1.0.0"' >"$WORK/bad.json"
fails_with EINVAL "an invalid artifact is refused" cp "$WORK/bad.json" "$C/"
equal "... and leaves nothing" "com.acme.crm" "$(ls -A "$C")"
check "rsync into catalog/ (a temporary name, then a rename)" rsync "$V110" "$C/"
check "... adds 1.1.0" cmp "$V110" "$C/com.acme.crm/1.1.0.json"
equal "the versions are listed" "1.0.0.json 1.1.0.json" "$(ls "$C/com.acme.crm" | tr '\n' ' ' | sed 's/ $//')"

mkdir "$MNT/tenants/t1"
check "cp catalog/<id>/<v>.json install/ installs it" cp "$C/com.acme.crm/1.0.0.json" "$MNT/tenants/t1/install/"
check "... as com.acme.crm@1.0.0" test -d "$MNT/tenants/t1/packages/com.acme.crm@1.0.0"
equal "packages/ names the update the catalog has" 1.1.0 \
	"$(getfattr --absolute-names --only-values -n user.osfs.update "$MNT/tenants/t1/packages/com.acme.crm@1.0.0")"
check "listxattr shows it" sh -c "getfattr --absolute-names -d '$MNT/tenants/t1/packages/com.acme.crm@1.0.0' | grep -q 'user.osfs.update=\"1.1.0\"'"
ctl status --mount "$MNT"
expect "osfsctl status shows the update" 0 "1.0.0  (update: 1.1.0 in the catalog)"
expect "... and says how to apply it" 0 "1 package can be updated from the catalog"
fails_with EBUSY "rm of an installed version is refused" rm "$C/com.acme.crm/1.0.0.json"
log_has "$WORK/osfs.err" "com.acme.crm@1.0.0 is installed in tenant t1: uninstall it there first" "... naming the tenant"

ctl install com.acme.crm --tenant t1 --mount "$MNT"
expect "osfsctl install ID takes the highest version from the catalog" 0 "com.acme.crm@1.1.0 from the catalog"
check "... and upgrades to it" test -d "$MNT/tenants/t1/packages/com.acme.crm@1.1.0"
check "no update is shown once at the highest" sh -c "! getfattr --absolute-names -n user.osfs.update '$MNT/tenants/t1/packages/com.acme.crm@1.1.0' 2>/dev/null"
ctl install 'com.acme.crm@~1.0.0' --tenant t1 --mount "$MNT"
expect "osfsctl install ID@RANGE takes the highest in the range (a downgrade here)" 0 "com.acme.crm@1.0.0 from the catalog"
check "... installed" test -d "$MNT/tenants/t1/packages/com.acme.crm@1.0.0"
ctl install 'com.acme.crm@^3' --tenant t1 --mount "$MNT"
expect "no version in the range: refused, listing what there is" 1 "no version of com.acme.crm satisfies '^3' (the catalog has: 1.0.0, 1.1.0)"
ctl install 'com.acme.nothere' --tenant t1 --mount "$MNT"
expect "an id the catalog does not have: refused" 1 "com.acme.nothere is not in the catalog of $MNT"
ctl install 'com.acme.crm@^^' --tenant t1 --mount "$MNT"
expect "a bad range: a usage error" 2 "'^^' is not a version range"

mkdir "$MNT/tenants/t2"
check "(helpdesk goes into the catalog)" cp "$HD" "$C/"
fails_with ENOPKG "a missing dependency is refused (not installed implicitly)" cp "$C/com.acme.helpdesk/0.3.0.json" "$MNT/tenants/t2/install/"
log_has "$MNT/tenants/t2/log" "dependency com.acme.crm ^1.0.0 is not installed in tenant t2" "the log names the dependency"
log_has "$MNT/tenants/t2/log" "(the catalog has com.acme.crm@1.1.0: catalog/com.acme.crm/1.1.0.json)" \
	"... and the catalog version that satisfies it"
ctl install com.acme.helpdesk --tenant t2 --mount "$MNT"
expect "osfsctl install by id says the same" 1 "(the catalog has com.acme.crm@1.1.0: catalog/com.acme.crm/1.1.0.json)"

check "uninstall from t1" rm "$MNT/tenants/t1/install/com.acme.crm.json"
check "rm of a version no tenant has removes it" rm "$C/com.acme.crm/1.0.0.json"
check "... gone" test ! -e "$C/com.acme.crm/1.0.0.json"
fails_with ENOTEMPTY "rmdir of a package folder with versions is refused" rmdir "$C/com.acme.crm"
check "rm the last version" rm "$C/com.acme.crm/1.1.0.json"
check "... the folder stays, as any folder would" test -d "$C/com.acme.crm"
check "rmdir removes it" rmdir "$C/com.acme.crm"
check "... gone" test ! -e "$C/com.acme.crm"
fails_with ENOENT "rm of a version that is not there" rm "$C/com.acme.helpdesk/9.9.9.json"
fails_with EACCES "mkdir in catalog/ is refused" mkdir "$C/x"

check "(1.0.0 again)" cp "$V100" "$C/"
remount_osfs
check "the catalog survives a remount" cmp "$V100" "$C/com.acme.crm/1.0.0.json"
check "... with helpdesk" test -f "$C/com.acme.helpdesk/0.3.0.json"
unmount_osfs
check "fsck is clean" "$OSFSCTL" fsck --store "$STORE"

# ------------------------------------------------------------ preload
STORE=$WORK/preload.db
mount_osfs -o "preload=$V110"
check "a preloaded artifact is in the catalog" cmp "$V110" "$C/com.acme.crm/1.1.0.json"
fails_with EBUSY "... and, installed, cannot be removed" rm "$C/com.acme.crm/1.1.0.json"
unmount_osfs

# ------------------------------------------------------------ remote
TOKEN=tok-$RANDOM$RANDOM
nginx_start "$TOKEN"
for f in "$V100" "$V110" "$HD"; do
	OS_CLOUD_URL=$CATALOG_URL OS_CLOUD_API_KEY=$TOKEN ctl publish "$f"
	expect "publish $(basename "$f")" 0 "published"
done
OS_CLOUD_URL=$CATALOG_URL OS_CLOUD_API_KEY=wrong-$TOKEN ctl publish "$V200"
expect "publish with a wrong token is refused, clearly" 1 "HTTP 401"
check "... and the server has nothing of it" test ! -e "$CATALOG_ROOT/packages/com.acme.crm/2.0.0.json"

STORE=$WORK/remote.db
mount_osfs -o "catalog=$CATALOG_URL,catalog_refresh=1"
equal "the remote packages are listed" "com.acme.crm com.acme.helpdesk" "$(ls "$C" | tr '\n' ' ' | sed 's/ $//')"
equal "... with their versions" "1.0.0.json 1.1.0.json" "$(ls "$C/com.acme.crm" | tr '\n' ' ' | sed 's/ $//')"
equal "stat is exact before the download" "$(stat -c %s "$V110")" "$(stat -c %s "$C/com.acme.crm/1.1.0.json")"
equal "... which has not happened yet" 0 "$(gets /packages/com.acme.crm/1.1.0.json)"
check "reading downloads it, byte for byte" cmp "$V110" "$C/com.acme.crm/1.1.0.json"
check "a second read" cmp "$V110" "$C/com.acme.crm/1.1.0.json"
equal "... is served from the store" 1 "$(gets /packages/com.acme.crm/1.1.0.json)"
fails_with EPERM "a remote version cannot be removed" rm "$C/com.acme.crm/1.1.0.json"
# Mounted without -o catalog=, the store still lists what the catalog
# listed, and a first read still downloads it: libcurl is loaded then
# (catalog/http.c), not only at a mount with a catalog.
remount_osfs
check "without -o catalog=, a listed version still downloads on its first read" \
	cmp "$V100" "$C/com.acme.crm/1.0.0.json"
equal "... from the server" 1 "$(gets /packages/com.acme.crm/1.0.0.json)"
remount_osfs -o "catalog=$CATALOG_URL,catalog_refresh=1"

mkdir "$MNT/tenants/r1"
ctl install 'com.acme.crm@~1.0.0' --tenant r1 --mount "$MNT"
expect "install by id from the remote catalog" 0 "com.acme.crm@1.0.0 from the catalog"
check "... installed" cmp "$V100" "$MNT/tenants/r1/packages/com.acme.crm@1.0.0/objectstack.json"
equal "the update is shown" 1.1.0 "$(getfattr --absolute-names --only-values -n user.osfs.update "$MNT/tenants/r1/packages/com.acme.crm@1.0.0")"

# Published while mounted: the refresh (every second here) lists it.
OS_CLOUD_URL=$CATALOG_URL OS_CLOUD_API_KEY=$TOKEN ctl publish "$V200"
expect "publish 2.0.0 while mounted" 0 "published com.acme.crm@2.0.0"
if until_true 15 test -e "$C/com.acme.crm/2.0.0.json"; then pass "the refresh lists it"; else fail "the refresh lists it" "$(ls "$C/com.acme.crm")"; fi
if until_true 10 sh -c "test \"\$(getfattr --absolute-names --only-values -n user.osfs.update '$MNT/tenants/r1/packages/com.acme.crm@1.0.0')\" = 2.0.0"
then pass "... and the update follows"; else fail "... and the update follows"; fi
if until_true 10 grep -q '"GET /index.json HTTP/1.1" 304' "$NGINX_DIR/logs/access.log"
then pass "unchanged indexes are revalidated: 304"; else fail "unchanged indexes are revalidated: 304"; fi

# -o ro: the catalog is served as the store has it, never synced (docs/catalog.md).
remount_osfs -o "ro,catalog=$CATALOG_URL,catalog_refresh=1"
gets=$(grep -c '"GET /index.json' "$NGINX_DIR/logs/access.log")
sleep 2.5
equal "a read-only mount does not sync the catalog" "$gets" "$(grep -c '"GET /index.json' "$NGINX_DIR/logs/access.log")"
check "... and serves the listing it has" test -e "$C/com.acme.crm/1.1.0.json"
remount_osfs -o "catalog=$CATALOG_URL,catalog_refresh=1"

# A corrupted artifact on the server: refused by the hash check.
printf ' ' >>"$CATALOG_ROOT/packages/com.acme.helpdesk/0.3.0.json"
fails_with EIO "a download that does not match the index is EIO" cat "$C/com.acme.helpdesk/0.3.0.json"
log_has "$WORK/osfs.err" "the download does not match the catalog's index" "... and the daemon says why"
sed 's/Helpdesk/HELPDESK/' "$HD" >"$CATALOG_ROOT/packages/com.acme.helpdesk/0.3.0.json"
fails_with EIO "same size, other bytes: EIO too" cat "$C/com.acme.helpdesk/0.3.0.json"
cp "$HD" "$CATALOG_ROOT/packages/com.acme.helpdesk/0.3.0.json"
check "repaired on the server, it downloads" cmp "$HD" "$C/com.acme.helpdesk/0.3.0.json"

# The server goes away: what was cached still serves and installs.
nginx_stop
mkdir "$MNT/tenants/r2"
check "server down: a cached artifact still installs" cp "$C/com.acme.crm/1.1.0.json" "$MNT/tenants/r2/install/"
check "... and the listing stays" test -e "$C/com.acme.crm/2.0.0.json"
fails_with EIO "... an artifact never downloaded is EIO" cat "$C/com.acme.crm/2.0.0.json"
log_has "$WORK/osfs.err" "catalog: cannot download com.acme.crm@2.0.0: cannot connect to" "... saying the server cannot be reached"
# status reads an update's artifact to check its dependencies (which
# downloads it): here, after the check above that it never was.  With the
# server down the artifact cannot be read, and the update is offered.
ctl status --mount "$MNT"
expect "osfsctl status shows the update 2.0.0, even with the server down" 0 "(update: 2.0.0 in the catalog)"
remount_osfs -o "catalog=$CATALOG_URL"
equal "remounted while the server is down: the cached listing" "1.0.0.json 1.1.0.json 2.0.0.json" \
	"$(ls "$C/com.acme.crm" | tr '\n' ' ' | sed 's/ $//')"
if until_true 15 grep -q "using the copy fetched before" "$WORK/osfs.err"; then pass "... and a warning, once"
else fail "... and a warning, once" "$(tail -3 "$WORK/osfs.err")"; fi
equal "... (one, not one per package)" 1 "$(grep -c "fetched before" "$WORK/osfs.err")"
mkdir "$MNT/tenants/r3"
ctl install com.acme.crm@1.1.0 --tenant r3 --mount "$MNT"
expect "... osfsctl install by id still works from the cache" 0 "installed"
unmount_osfs
check "fsck is clean" "$OSFSCTL" fsck --store "$STORE"
out=$("$OSFS" -f -o "store=$STORE,catalog=ftp://x" "$MNT" 2>&1); rc=$?
expect "catalog= must be http(s)" 1 "catalog=ftp://x: expected an http:// or https:// URL"

finish
