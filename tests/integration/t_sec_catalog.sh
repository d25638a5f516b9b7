#!/usr/bin/env bash
# A catalog server is hostile until checked (issue 11 items 6 and 8,
# docs/security.md "Catalog servers"), against Python servers on loopback
# that lie about sizes, send 2 GB (plain, or gzip-encoded on the fly),
# answer every status, and redirect elsewhere:
# - every body is bounded while it arrives, by its decoded size: an
#   artifact by its index's size and max_artifact, an index by
#   catalog_max_index, a root index by catalog_max_packages; the daemon's
#   peak RSS (VmHWM) stays under 100 MB;
# - osfsctl publish never sends the token, or the artifact, to another
#   origin, and says what each HTTP status means.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/catalog_env.sh"
. "$(dirname "$0")/hostile.sh"
. "$(dirname "$0")/catalog_tree.sh"

GB2=2147483648
TOKEN=tok-$RANDOM$RANDOM-s3cret
LOG=$WORK/outputs.log

gets() { grep -c "^GET $2 " "$WORK/$1/log"; }
# The daemon's peak resident memory, in kB.
peak_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$OSFS_PID/status"; }
peak_under_100mb() {
	local kb
	kb=$(peak_kb)
	echo "#    the daemon's peak RSS (VmHWM): $((kb / 1024)) MB"
	check "$1: the daemon's peak RSS stays under 100 MB ($((kb / 1024)) MB)" test "$kb" -lt 102400
}

hostile_start A
A=$HOSTILE_URL
catalog_tree "$WORK/A/root" "$V100" "$V110" "$HD"

# ------------------------------------------------------------ artifacts
mount_osfs -o "catalog=$A"
check "the catalog is listed" test -e "$C/com.acme.helpdesk/0.3.0.json"
s100=$(stat -c %s "$V100")
s110=$(stat -c %s "$V110")
shd=$(stat -c %s "$HD")
hostile_rules A "{
  \"/packages/com.acme.crm/1.0.0.json\": {\"huge\": $GB2, \"length\": true},
  \"/packages/com.acme.crm/1.1.0.json\": {\"huge\": $GB2, \"length\": false},
  \"/packages/com.acme.helpdesk/0.3.0.json\": {\"huge\": $GB2, \"gzip\": true}}"
fails_with EIO "an artifact announced as 2 GB (Content-Length): EIO" cat "$C/com.acme.crm/1.0.0.json"
log_has "$WORK/osfs.err" "catalog: cannot download com.acme.crm@1.0.0: the download does not match the catalog's index, which says $s100 bytes: $A/packages/com.acme.crm/1.0.0.json: the answer would be $GB2 bytes (its Content-Length), more than the $s100 allowed: not downloaded (tell the catalog's maintainer)" \
	"... refused before its first byte, saying why"
fails_with EIO "an artifact of 2 GB without Content-Length: EIO" cat "$C/com.acme.crm/1.1.0.json"
log_has "$WORK/osfs.err" "$A/packages/com.acme.crm/1.1.0.json: the answer is larger than the $s110 bytes allowed: the transfer was stopped there" \
	"... stopped at the first byte over the index's size"
fails_with EIO "an artifact of 10 MB gzip that inflates to 2 GB: EIO" cat "$C/com.acme.helpdesk/0.3.0.json"
log_has "$WORK/osfs.err" "$A/packages/com.acme.helpdesk/0.3.0.json: the answer is larger than the $shd bytes allowed: the transfer was stopped there" \
	"... stopped by its decoded size"
peak_under_100mb "2 GB artifacts"
hostile_rules A '{}'
check "an honest server again: the artifacts download" cmp "$V110" "$C/com.acme.crm/1.1.0.json"
unmount_osfs

# An index's size above max_artifact: not even asked for.
STORE=$WORK/small.db
mount_osfs -o "catalog=$A,max_artifact=1000"
fails_with EIO "an artifact the index says is larger than max_artifact: EIO" cat "$C/com.acme.crm/1.0.0.json"
log_has "$WORK/osfs.err" "$A/packages/com.acme.crm/1.0.0.json: the catalog's index says it is $s100 bytes, more than max_artifact (1000 bytes): not downloaded; raise -o max_artifact=BYTES to accept it" \
	"... saying which limit and what to do"
equal "... and it was not downloaded" 1 "$(gets A /packages/com.acme.crm/1.0.0.json)"
unmount_osfs

# ------------------------------------------------------------ indexes
for how in '"gzip": true' '"length": false' '"length": true'; do
	STORE=$WORK/index-$RANDOM.db
	hostile_rules A "{\"/index.json\": {\"huge\": $GB2, $how}}"
	: >"$WORK/osfs.err"
	mount_osfs -o "catalog=$A"
	log_has "$WORK/osfs.err" "(catalog_max_index is 16777216 bytes: if the catalog's indexes really are that big, raise -o catalog_max_index=BYTES)" \
		"a root index of 2 GB ($how) is refused, naming the limit"
	check "... and the catalog is empty" test -z "$(ls -A "$C")"
	peak_under_100mb "a 2 GB index ($how)"
	unmount_osfs
done
hostile_rules A '{}'

STORE=$WORK/maxindex.db
: >"$WORK/osfs.err"
mount_osfs -o "catalog=$A,catalog_max_index=100"
log_has "$WORK/osfs.err" "$A/index.json: the answer would be $(stat -c %s "$WORK/A/root/index.json") bytes (its Content-Length), more than the 100 allowed: not downloaded (catalog_max_index is 100 bytes" \
	"-o catalog_max_index=100: a larger index is refused"
unmount_osfs

STORE=$WORK/maxpkgs.db
: >"$WORK/osfs.err"
: >"$WORK/A/log"
mount_osfs -o "catalog=$A,catalog_max_packages=1"
log_has "$WORK/osfs.err" "$A/index.json lists 2 packages, more than catalog_max_packages (1): the catalog was not synced; if it really is that big, raise -o catalog_max_packages=N" \
	"-o catalog_max_packages=1: a root index of 2 packages is refused"
check "... and nothing of it is listed" test -z "$(ls -A "$C")"
equal "... nor any package index asked for" 0 "$(gets A /packages/com.acme.crm/index.json)"
unmount_osfs
for bad in catalog_max_index=lots catalog_max_packages=0 catalog_stall=-1; do
	out=$("$OSFS" -f -o "store=$WORK/opt.db,catalog=$A,$bad" "$MNT" 2>&1); rc=$?
	expect "-o $bad is refused with a sentence" 1 "osfs: ${bad%%=*}=${bad#*=}: expected"
done

# ------------------------------------------------------------ the daemon's GETs
# Credentials in the catalog URL go to that origin only, not where a
# redirect points.
hostile_start B
B=$HOSTILE_URL
catalog_tree "$WORK/B/root" "$V100"
hostile_rules A "{\"/index.json\": {\"redirect\": \"$B/index.json\"}}"
STORE=$WORK/redirect.db
mount_osfs -o "catalog=http://reader:pw@${A#http://}"
check "a redirected catalog is followed" test -e "$C/com.acme.crm/1.0.0.json"
check "... the first server got the URL's credentials" grep -q "^GET /index.json auth=Basic " "$WORK/A/log"
equal "... the other origin got none" "GET /index.json auth=-" "$(grep '^GET /index.json' "$WORK/B/log")"
unmount_osfs
hostile_rules A '{}'

# ------------------------------------------------------------ publish
# A package the server does not have yet.
artifact com.acme.pub 1.0.0 pub >"$WORK/pub.json"
pub() { OS_CLOUD_URL=$A OS_CLOUD_API_KEY=$TOKEN ctl publish "$WORK/pub.json"; }
: >"$WORK/A/log"
: >"$WORK/B/log"
hostile_rules A "{\"/packages/com.acme.pub/1.0.0.json\": {\"redirect\": \"$B/packages/com.acme.pub/1.0.0.json\"}}"
pub
expect "publish: a redirected upload is not followed" 1 \
	"$A/packages/com.acme.pub/1.0.0.json: the server redirects the upload to $B/packages/com.acme.pub/1.0.0.json (HTTP 307): an upload is not sent on to another address"
check "... the catalog's server got the token" grep -qF "PUT /packages/com.acme.pub/1.0.0.json auth=Bearer $TOKEN" "$WORK/A/log"
equal "... the other origin got nothing at all" "" "$(cat "$WORK/B/log")"

hostile_rules A "{\"/packages/com.acme.pub/index.json\": {\"redirect\": \"$B/packages/com.acme.pub/index.json\"},
  \"/packages/com.acme.pub/1.0.0.json\": {\"status\": 403}}"
pub
check "a redirected read is followed" grep -q "^GET /packages/com.acme.pub/index.json" "$WORK/B/log"
equal "... without the token" "GET /packages/com.acme.pub/index.json auth=-" "$(cat "$WORK/B/log")"
expect "a 403 on PUT is 'forbidden', not a refused token" 1 \
	"cannot publish com.acme.pub@1.0.0 (uploading the artifact): the catalog at $A forbids it ($A/packages/com.acme.pub/1.0.0.json: HTTP 403 Forbidden): the server does not let this token do that; ask its administrator"
check "... and does not blame the token" bash -c "! grep -q 'refused the token' <<<\"\$1\"" _ "$out"

hostile_rules A "{\"/packages/com.acme.pub/index.json\": {\"redirect\": \"$A/elsewhere/index.json\"}}"
: >"$WORK/A/log"
pub
check "a redirect to the same origin keeps the token" grep -qF "GET /elsewhere/index.json auth=Bearer $TOKEN" "$WORK/A/log"

hostile_rules A '{"/packages/com.acme.pub/1.0.0.json": {"status": 401}}'
pub
expect "a 401 on PUT: the token is refused" 1 "the catalog at $A refused the token (HTTP 401): check OS_CLOUD_API_KEY or run 'osfsctl login'"
hostile_rules A '{"/packages/com.acme.pub/1.0.0.json": {"status": 404}}'
pub
expect "a 404 on PUT: no such place" 1 \
	"cannot publish com.acme.pub@1.0.0 (uploading the artifact): the catalog at $A has no such place ($A/packages/com.acme.pub/1.0.0.json: HTTP 404 Not Found): check the catalog's URL"
hostile_rules A '{"/packages/com.acme.pub/1.0.0.json": {"status": 502}}'
pub
expect "a 5xx on PUT: the server failed, after the retries" 1 \
	"cannot publish com.acme.pub@1.0.0 (uploading the artifact): the server failed ($A/packages/com.acme.pub/1.0.0.json: HTTP 502 Bad Gateway after 4 attempts): try again later"
hostile_rules A '{"/packages/com.acme.pub/index.json": {"status": 403}}'
pub
expect "a 403 on GET while publishing: forbidden" 1 \
	"cannot publish com.acme.pub@1.0.0 (reading its package index): the catalog at $A forbids it ($A/packages/com.acme.pub/index.json: HTTP 403 Forbidden)"

hostile_rules A '{"/index.json": {"status": 403}}'
ctl catalog list --url "$A"
expect "catalog list, 403: forbidden" 1 "the catalog at $A forbids reading its root index ($A/index.json: HTTP 403 Forbidden)"
hostile_rules A '{"/index.json": {"status": 401}}'
ctl catalog list --url "$A"
expect "catalog list, 401: credentials asked for" 1 \
	"the catalog at $A asks for credentials to read its root index ($A/index.json: HTTP 401 Unauthorized): osfsctl reads catalogs without them"
hostile_rules A '{"/index.json": {"status": 503}}'
ctl catalog list --url "$A"
expect "catalog list, 503: the server failed" 1 \
	"cannot read the catalog's root index: the server failed ($A/index.json: HTTP 503 Service Unavailable after 4 attempts): try again later"
hostile_rules A "{\"/packages/com.acme.crm/1.0.0.json\": {\"huge\": $GB2, \"gzip\": true}}"
ctl catalog pull com.acme.crm@1.0.0 --url "$A" --out "$WORK"
expect "catalog pull of a 2 GB gzip artifact: stopped at the index's size" 1 \
	"the artifact at $A/packages/com.acme.crm/1.0.0.json has more bytes, but the catalog's index says $s100: refused, the transfer was stopped there"
hostile_rules A '{}'

check "the token is in no output" sh -c "! grep -qF -- '$TOKEN' '$LOG'"
check "... nor in the daemon's stderr" sh -c "! grep -qF -- '$TOKEN' '$WORK/osfs.err'"

finish
