#!/usr/bin/env bash
# osfsctl login, publish and catalog list/pull against a real catalog
# server: nginx with WebDAV on loopback (docs/catalog.md, "The wire
# protocol" and "Publishing").  The JSON on the server is checked with
# grep and sed only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/catalog_env.sh"
. "$(dirname "$0")/nginx.sh"

TOKEN=tok-$RANDOM$RANDOM-s3cret
nginx_start "$TOKEN"
PKG=$CATALOG_ROOT/packages/com.acme.crm
mkdir -p "$WORK/pulled"
LOG=$WORK/outputs.log

# ctl ARGS...: runs osfsctl; $out is what it printed (stdout and stderr),
# $rc its exit status.  Every output is kept in $LOG, to look for the
# token in at the end.
# expect "what" RC TEXT: the last ctl exited with RC and said TEXT.
# A JSON file on one line without blanks, for grep.
flat() { tr -d ' \t\n' <"$1"; }
xxh3_of() { "$OSFSCTL" inspect "$1" | sed -n 's/^xxh3: *//p'; }

# --- login
ctl login --url "$CATALOG_URL" <<<"$TOKEN"
expect "login stores the token" 0 "stored in $HOME/.objectstack/cloud.json"
equal "cloud.json has mode 0600" 600 "$(stat -c %a "$HOME/.objectstack/cloud.json")"
equal "~/.objectstack has mode 0700" 700 "$(stat -c %a "$HOME/.objectstack")"
check "cloud.json holds the token" grep -qF "\"token\":\"$TOKEN\"" <(flat "$HOME/.objectstack/cloud.json")
check "... and the URL" grep -qF "\"url\":\"$CATALOG_URL\"" <(flat "$HOME/.objectstack/cloud.json")
equal "no temporary file is left beside it" "cloud.json" "$(ls -A "$HOME/.objectstack")"
ctl login --url "$CATALOG_URL" </dev/null
expect "login without a token refuses" 1 "no token given on stdin"
ctl login --url ftp://x <<<"$TOKEN"
expect "login refuses a URL that is not http(s)" 1 "must start with http:// or https://"

# --- publish, with OS_CLOUD_URL and OS_CLOUD_API_KEY
OS_CLOUD_URL=$CATALOG_URL OS_CLOUD_API_KEY=$TOKEN ctl publish "$V100"
expect "publish 1.0.0" 0 "published com.acme.crm@1.0.0 to $CATALOG_URL"
check "the artifact is on the server, byte for byte" cmp "$V100" "$PKG/1.0.0.json"
check "the package index lists it with its hash" grep -qF \
	"\"1.0.0\":{\"file\":\"1.0.0.json\",\"size\":$(stat -c %s "$V100"),\"xxh3\":\"$(xxh3_of "$V100")\"" <(flat "$PKG/index.json")
check "the package index names the package" grep -qF '"format":"osfs-catalog/1","id":"com.acme.crm"' <(flat "$PKG/index.json")
check "the root index is created" grep -qF '"com.acme.crm":{"latest":"1.0.0","versions":["1.0.0"]}' \
	<(flat "$CATALOG_ROOT/index.json")

OS_CLOUD_URL=$CATALOG_URL OS_CLOUD_API_KEY=$TOKEN ctl publish "$V110"
expect "publish 1.1.0" 0 "published com.acme.crm@1.1.0 to $CATALOG_URL"
check "the second artifact is on the server" cmp "$V110" "$PKG/1.1.0.json"
check "the package index keeps 1.0.0" grep -qF "\"xxh3\":\"$(xxh3_of "$V100")\"" <(flat "$PKG/index.json")
check "... and adds 1.1.0" grep -qF \
	"\"1.1.0\":{\"file\":\"1.1.0.json\",\"size\":$(stat -c %s "$V110"),\"xxh3\":\"$(xxh3_of "$V110")\"" <(flat "$PKG/index.json")
check "... with a publication date" grep -qE '"published":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"' <(flat "$PKG/index.json")
check "the root index has both versions, 1.1.0 the latest" \
	grep -qF '"com.acme.crm":{"latest":"1.1.0","versions":["1.0.0","1.1.0"]}' <(flat "$CATALOG_ROOT/index.json")

# --- republishing, and what is refused
before=$(cat "$PKG/index.json" "$CATALOG_ROOT/index.json")
ctl publish "$V100"
expect "republishing identical bytes is fine (token and URL from login)" 0 \
	"com.acme.crm@1.0.0 is already published (identical)"
equal "... and changes nothing on the server" "$before" "$(cat "$PKG/index.json" "$CATALOG_ROOT/index.json")"

{ cat "$V100"; echo; } >"$WORK/other-1.0.0.json"
OS_CLOUD_URL=$CATALOG_URL OS_CLOUD_API_KEY=$TOKEN ctl publish "$WORK/other-1.0.0.json"
expect "the same version with other bytes is refused" 1 "com.acme.crm@1.0.0 is already in the catalog with other contents"
check "... saying versions are immutable" grep -qF "versions are immutable" <<<"$out"
check "... and the server's copy is untouched" cmp "$V100" "$PKG/1.0.0.json"

OS_CLOUD_URL=$CATALOG_URL OS_CLOUD_API_KEY=wrong-$TOKEN ctl publish "$ARTIFACTS/acme-crm-2.0.0.json"
expect "a wrong token is refused, with advice" 1 \
	"the catalog at $CATALOG_URL refused the token (HTTP 401): check OS_CLOUD_API_KEY or run 'osfsctl login'"
check "... OS_CLOUD_API_KEY wins over the stored token" test ! -e "$PKG/2.0.0.json"
check "... and the indexes are untouched" grep -qF '"latest":"1.1.0","versions":["1.0.0","1.1.0"]' <(flat "$CATALOG_ROOT/index.json")

mkdir -p "$WORK/nohome"
HOME=$WORK/nohome OS_CLOUD_URL=$CATALOG_URL ctl publish "$ARTIFACTS/acme-crm-2.0.0.json"
expect "no token: a clear message" 1 "no token for the catalog at $CATALOG_URL: set OS_CLOUD_API_KEY, or run 'osfsctl login'"
HOME=$WORK/nohome OS_CLOUD_API_KEY=$TOKEN ctl publish "$ARTIFACTS/acme-crm-2.0.0.json"
expect "no URL: a clear message" 1 "no catalog URL: pass --url URL, set OS_CLOUD_URL"

chmod 0644 "$HOME/.objectstack/cloud.json"
ctl publish "$ARTIFACTS/acme-crm-2.0.0.json"
expect "a cloud.json others can read is not used" 1 "cloud.json can be read by other users (mode 0644)"
chmod 0600 "$HOME/.objectstack/cloud.json"
check "... nothing was uploaded" test ! -e "$PKG/2.0.0.json"

printf '{"manifest": {"id": "com.acme.bad", "version": "x"}, "objects": [{"name": "Thing"}]}' >"$WORK/bad.json"
ctl publish "$WORK/bad.json"
expect "an invalid artifact is not published" 1 "was not published: it has the problems above"
check "... every problem is printed, as validate does" sh -c "[ \$(printf '%s\n' \"\$1\" | grep -c '  error: ') -ge 2 ]" _ "$out"
check "... and nothing reached the server" test ! -e "$CATALOG_ROOT/packages/com.acme.bad"
ctl publish
expect "publish without a file is a usage error" 2 "usage: osfsctl publish FILE"

# --- catalog list and pull (anonymous reads; the URL from login)
ctl catalog list
expect "catalog list succeeds" 0 "com.acme.crm"
check "... one line: id, latest, versions" grep -qE '^com\.acme\.crm +1\.1\.0 +1\.0\.0 1\.1\.0$' <<<"$out"

ctl catalog pull 'com.acme.crm@^1.0.0' --out "$WORK/pulled"
expect "pull ^1.0.0 picks 1.1.0" 0 "$WORK/pulled/com.acme.crm@1.1.0.json"
check "... byte-identical to what was published" cmp "$V110" "$WORK/pulled/com.acme.crm@1.1.0.json"
ctl catalog pull 'com.acme.crm@~1.0.0' --out "$WORK/pulled" --url "$CATALOG_URL"
expect "pull ~1.0.0 picks 1.0.0" 0 "$WORK/pulled/com.acme.crm@1.0.0.json"
check "... byte-identical" cmp "$V100" "$WORK/pulled/com.acme.crm@1.0.0.json"
(cd "$WORK/pulled" && rm -f ./*.json && ctl catalog pull com.acme.crm && [ "$out" = "./com.acme.crm@1.1.0.json" ] &&
	cmp "$V110" com.acme.crm@1.1.0.json)
equal "pull without a range picks the latest, into the current folder" 0 "$?"
ctl catalog pull 'com.acme.crm@^3' --out "$WORK/pulled"
expect "a range nothing satisfies" 1 "no version of com.acme.crm satisfies '^3' (the catalog has: 1.0.0, 1.1.0)"
ctl catalog pull com.acme.none --out "$WORK/pulled"
expect "an unknown package" 1 "has no package index (HTTP 404"
ctl catalog pull 'com.acme.crm@>>1' --out "$WORK/pulled"
expect "an invalid range is a usage error" 2 "'>>1' is not a version range"
ctl catalog frob
expect "an unknown catalog command is a usage error" 2 "usage: osfsctl catalog list"

# A damaged file on the server: same size, one byte changed.
sed -i '0,/"/s/"/#/' "$PKG/1.1.0.json"
rm -f "$WORK/pulled"/*.json
ctl catalog pull 'com.acme.crm@^1.0.0' --out "$WORK/pulled"
expect "a corrupted artifact is refused by the hash check" 1 "does not match the catalog's index (its xxh3 is"
check "... and nothing is written" test -z "$(ls -A "$WORK/pulled")"
echo >>"$PKG/1.0.0.json"
ctl catalog pull 'com.acme.crm@~1.0.0' --out "$WORK/pulled"
expect "a truncated or extended one by the size check" 1 "bytes, but the catalog's index says $(stat -c %s "$V100")"

# --- the server goes away
port=${CATALOG_URL##*:}
nginx_stop
start=$(date +%s)
ctl catalog pull 'com.acme.crm@^1.0.0' --out "$WORK/pulled"
elapsed=$(($(date +%s) - start))
expect "server stopped: pull says it cannot connect" 1 "cannot connect to 127.0.0.1:$port: Connection refused after 4 attempts"
check "... after the retries, quickly (${elapsed} s)" test "$elapsed" -ge 3 -a "$elapsed" -le 10
OS_CLOUD_API_KEY=$TOKEN ctl publish "$ARTIFACTS/acme-crm-2.0.0.json"
expect "... and so does publish" 1 "cannot connect to 127.0.0.1:$port"

# --- the token never shows
check_not "the token is never printed" grep -qF -- "$TOKEN" "$LOG"
check_not "... nor in nginx's logs" grep -rqF -- "$TOKEN" "$NGINX_DIR/logs"
check_not "no sanitizer report" grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$LOG"
finish
