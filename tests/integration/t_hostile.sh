#!/usr/bin/env bash
# The hostile input corpus (issue 3 item 2): every file of tests/hostile/
# and every case generated below is copied into install/ of a tenant that
# has real packages installed.  For each, as tests/hostile/expect.tsv says:
# cp fails with the expected errno (or installs, for "OK"), the log says
# why in a line of its own, the daemon still serves, nothing is left in
# install/, and the store is unchanged (a dump of every table but the log,
# before and after).  Inputs that must install are checked, then removed.
. "$(dirname "$0")/lib.sh"
HOSTILE=$(cd "$(dirname "$0")/../hostile" && pwd)
GEN=$WORK/gen
MAX=$((4 << 20))
T0=$(date +%s%N)
mkdir -p "$GEN"
mount_osfs -o max_artifact=4M
mkdir "$MNT/tenants/hostile"
T=$MNT/tenants/hostile

# So that "unchanged" means something: real packages, records, a
# dependency (helpdesk needs com.acme.crm ^1.0.0 and extends crm_account).
check "baseline: app-todo installs" cp "$FIXTURES/app-todo/objectstack.json" "$T/install/todo.json"
check "baseline: acme crm installs" cp "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/"
check "baseline: acme helpdesk installs" cp "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$T/install/"

# ------------------------------------------------------------ store dump
# Every table but the log, every column but tenants.log_size/log_mtime,
# every meta row but the clock: what an event that changes nothing may
# not change.  Blobs are shown by hash and length.
DUMP_SQL=$WORK/dump.sql
# PostgreSQL: the same dump, written by the server from its catalog.
read -r -d '' PG_DUMP_GEN <<'SQL'
WITH t AS (
  SELECT table_name,
    string_agg(CASE WHEN data_type = 'bytea'
                    THEN format('''blob:'' || length(%1$I) || '':'' || md5(%1$I)', column_name)
                    ELSE format('quote_nullable(%I)', column_name) END, ', ' ORDER BY ordinal_position) AS sel,
    count(*)::int AS n
  FROM information_schema.columns
  WHERE table_schema = 'osfs' AND table_name <> 'log'
    AND NOT (table_name = 'tenants' AND column_name IN ('log_size', 'log_mtime'))
  GROUP BY table_name)
SELECT format('SELECT %L, %s FROM %I%s ORDER BY %s;', table_name, sel, table_name,
  CASE WHEN table_name = 'meta' THEN ' WHERE key <> ''clock''' ELSE '' END,
  (SELECT string_agg(g::text, ', ') FROM generate_series(2, n + 1) g))
FROM t ORDER BY table_name;
SQL
build_dump_sql() {
	local tbl cols sel order i
	: >"$DUMP_SQL"
	if [ -n "$PG_DB" ]; then
		store_sql "$PG_DUMP_GEN" >"$DUMP_SQL"
		return
	fi
	while IFS='|' read -r tbl cols; do
		sel="'$tbl'" order="" i=2
		for c in $cols; do
			case $tbl.$c in tenants.log_size | tenants.log_mtime) continue ;; esac
			sel="$sel, CASE typeof(\"$c\") WHEN 'blob' THEN 'blob:' || length(\"$c\") || ':' || hex(sha3(\"$c\")) ELSE quote(\"$c\") END"
			order="$order${order:+, }$i"
			i=$((i + 1))
		done
		local where=""
		[ "$tbl" = meta ] && where=" WHERE key <> 'clock'"
		echo "SELECT $sel FROM \"$tbl\"$where ORDER BY $order;" >>"$DUMP_SQL"
	done < <(sqlite3 -readonly "$STORE" "SELECT m.name, group_concat(p.name, ' ') FROM sqlite_master m,
		pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name <> 'log' GROUP BY m.name ORDER BY m.name")
}
dump() { store_sql "$(cat "$DUMP_SQL")"; }
build_dump_sql
check "the store can be dumped while mounted" test -n "$(dump)"

# ------------------------------------------------------------ generated cases
# Large inputs are not committed: they are made here, in $WORK (removed by
# lib.sh's trap, and deleted at the end anyway).
repeat() { yes -- "$2" | head -n "$1" | tr -d '\n'; }
MANIFEST='"manifest": {"id": "com.hostile.gen", "namespace": "hgen", "version": "1.0.0"}'
gen() {
	local f=$GEN/$1
	case $1 in
	gen-nest-arrays-100000.json)
		{ printf '{%s, "deep": ' "$MANIFEST"; repeat 100000 '['; repeat 100000 ']'; printf '}\n'; } >"$f" ;;
	gen-nest-objects-100000.json)
		{ repeat 100000 '{"a": '; printf '{%s}' "$MANIFEST"; repeat 100000 '}'; echo; } >"$f" ;;
	gen-nest-mixed-100000.json)
		{ printf '{%s, "deep": ' "$MANIFEST"; repeat 50000 '[{"a": '; printf 0; repeat 50000 '}]'; printf '}\n'; } >"$f" ;;
	gen-nest-unclosed-100000.json)
		{ repeat 100000 '['; } >"$f" ;;
	gen-dup-key-after-100000-keys.json)
		{ printf '{%s' "$MANIFEST"; seq -f ', "k%g": 1' 0 99999 | tr -d '\n'; printf ', "k0": 2}\n'; } >"$f" ;;
	gen-number-1m-digits.json)
		{ printf '{%s, "n": ' "$MANIFEST"; head -c $((1 << 20)) /dev/zero | tr '\0' 7; printf '}\n'; } >"$f" ;;
	gen-object-name-1mb.json)
		{ printf '{%s, "objects": [{"name": "hgen_' "$MANIFEST"; head -c $((1 << 20)) /dev/zero | tr '\0' X; printf '", "fields": {}}]}\n'; } >"$f" ;;
	gen-field-name-1mb.json)
		{ printf '{%s, "objects": [{"name": "hgen_thing", "fields": {"' "$MANIFEST"; head -c $((1 << 20)) /dev/zero | tr '\0' F
		  printf '": {"type": "text"}}}]}\n'; } >"$f" ;;
	gen-range-garbage-2mb.json)
		{ printf '{"manifest": {"id": "com.hostile.range", "namespace": "hrange", "version": "1.0.0", "dependencies": {"com.acme.crm": "'
		  repeat $((1 << 20)) '>='; printf '"}}}\n'; } >"$f" ;;
	gen-ok-range-200kb.json)
		{ printf '{"manifest": {"id": "com.hostile.range", "namespace": "hrange", "version": "1.0.0", "dependencies": {"com.acme.crm": "'
		  repeat 20000 '^1.0.0 || '; printf '^1.0.0"}}}\n'; } >"$f" ;;
	gen-string-20mb.json)
		{ printf '{%s, "blob": "' "$MANIFEST"; head -c $((20 << 20)) /dev/zero | tr '\0' x; printf '"}\n'; } >"$f" ;;
	gen-valid-5mb.json)
		{ printf '{%s, "objects": [' "$MANIFEST"; seq -f '{"name": "hgen_o%g", "fields": {"title": {"type": "text"}}},' 1 90000 | tr -d '\n'; printf '{"name": "hgen_last"}]}\n'; } >"$f" ;;
	gen-max-plus-1.json | gen-ok-exactly-max.json)
		local id=com.hostile.exact size=$MAX
		[ "$1" = gen-max-plus-1.json ] && size=$((MAX + 1))
		local head="{\"manifest\": {\"id\": \"$id\", \"namespace\": \"hexact\", \"version\": \"1.0.0\", \"description\": \""
		local tail=$'"}}\n'
		{ printf '%s' "$head"; head -c $((size - ${#head} - ${#tail})) /dev/zero | tr '\0' d; printf '%s' "$tail"; } >"$f" ;;
	gen-ok-1mb-description.json)
		{ printf '{"manifest": {"id": "com.hostile.big", "namespace": "hbig", "version": "1.0.0", "description": "'
		  head -c $((1 << 20)) /dev/zero | tr '\0' 'D'; printf '"}, "objects": [{"name": "hbig_thing", "label": "'
		  head -c $((1 << 20)) /dev/zero | tr '\0' 'L'; printf '", "fields": {}}]}\n'; } >"$f" ;;
	gen-ok-10000-objects.json)
		{ printf '{"manifest": {"id": "com.hostile.many", "namespace": "hmany", "version": "1.0.0"}, "objects": ['
		  seq -f '{"name": "hmany_o%g", "fields": {"title": {"type": "text"}}},' 1 9999 | tr -d '\n'
		  printf '{"name": "hmany_o10000", "fields": {}}]}\n'; } >"$f" ;;
	gen-too-many-values.json)
		{ printf '{%s, "v": [' "$MANIFEST"; yes '0,' | tr -d '\n' | head -c $((2 * (4 << 20) - 1)); printf ']}\n'; } >"$f" ;;
	gen-ok-string-20mb.json)
		{ printf '{"manifest": {"id": "com.hostile.huge", "namespace": "hhuge", "version": "1.0.0", "description": "'
		  head -c $((20 << 20)) /dev/zero | tr '\0' 'S'; printf '"}}\n'; } >"$f" ;;
	# Found by the fuzzer (tests/fuzz/regressions/): "<stem>-<n>" for a
	# taken 250-byte derived stem made 257-byte names; 20,000 extension keys
	# merged in O(n^2) held the write lock for minutes; 800 KB nested 120
	# deep rendered to 96 MB of indentation.
	gen-ok-derived-stems-250.json)
		local x; x=$(repeat 250 x)
		printf '{"manifest": {"id": "com.hostile.stem", "namespace": "hstem", "version": "1.0.0"}, "s": [{"object": "%s"}, {"object": "%s"}, {"object": "%s"}]}\n' "$x" "$x" "$x" >"$f" ;;
	gen-ok-extension-20000-keys.json)
		{ printf '{"manifest": {"id": "com.hostile.merge", "namespace": "hmerge", "version": "1.0.0"}, "objects": [{"name": "hmerge_a", "fields": {"name": {"type": "text"}}}], "objectExtensions": [{"extend": "hmerge_a"'
		  seq -f ', "k%g": 1' 0 19999 | tr -d '\n'; printf '}]}\n'; } >"$f" ;;
	gen-nest-render-120-levels.json)
		{ printf '{%s, "x": ' "$MANIFEST"; repeat 119 '['; printf 0; repeat 399999 ',0'; repeat 119 ']'; printf '}\n'; } >"$f" ;;
	*) return 1 ;;
	esac
}

# ------------------------------------------------------------ checks of inputs that install
# ok_checks FILE ID VERSION: what must show up, beyond the byte-for-byte artifact.
ok_checks() {
	local f=$1 P=$T/packages/$2@$3
	case $f in
	*-ok-unicode-labels.json)
		check "$f: the label shows as written" grep -qF "\"label\": \"Ding 東西 😀 مرحبا e$(printf '\xcc\x81')\"" "$T/objects/hu_thing.json"
		check "$f: the record has its unicode key" grep -qF '"title": "Zürich 😀"' "$T/data/hu_thing/Zürich 😀.json" ;;
	*-ok-sql-text.json)
		check "$f: the SQL-looking label is text" grep -qF "\"label\": \"Robert'); DROP TABLE tenants;--\"" "$T/objects/hs_thing.json"
		check "$f: the SQL-looking record is a record" grep -qF 'x\" UNION SELECT * FROM installs' "$T/data/hs_thing/'; DELETE FROM records; --.json"
		check "$f: the tenants are all there" test -d "$T/packages/com.acme.crm@1.0.0" ;;
	*-ok-hostile-record-keys.json)
		check "$f: ../../etc/passwd is escaped" test -f "$T/data/hk_thing/%2E.%2F..%2Fetc%2Fpasswd.json"
		check "$f: .hidden is not hidden" test -f "$T/data/hk_thing/%2Ehidden.json"
		check "$f: / , and % are escaped" test -f "$T/data/hk_thing/a%2Fb%2Cc%25d.json"
		check "$f: a 250-byte key is a 255-byte name" test -f "$T/data/hk_thing/$(printf 'k%.0s' $(seq 250)).json" ;;
	*-ok-hostile-item-names.json)
		check "$f: an action named ../../x" test -f "$P/actions/%2E.%2F..%2Fx.json"
		check "$f: an action named ." test -f "$P/actions/%2E.json"
		check "$f: a function named a/b" test -f "$P/functions/a%2Fb.json"
		check "$f: a function named .." test -f "$P/functions/%2E..json"
		check "$f: a collection named ../top" test -f "$P/%2E.%2Ftop/hi_a.json"
		check "$f: nothing escaped the package" test ! -e "$T/packages/top" ;;
	*-ok-number-keys.json)
		local k
		for k in 0 1e+308 5e-324 1.2345678901234568e+29 true 1.5 1e+21 1e-7; do
			check "$f: a number key is written as JSON.stringify would: $k" test -f "$T/data/hn_thing/$k.json"
		done ;;
	*-ok-escapes.json)
		check "$f: escapes are decoded" grep -qF '"label": "é😀/\"\\\t' "$T/objects/he_thing.json" ;;
	*-ok-nest-128-levels.json)
		check "$f: 128 levels show up" grep -qF '"bottom"' "$T/objects/hd2_thing.json" ;;
	*-ok-odd-top-level-keys.json)
		log_has "$T/log" 'the top-level collection "" is not shown as a folder' "$f: the empty key is a warning"
		log_has "$T/log" 'the top-level collection "objectstack.json" is not shown as a folder' "$f: so is objectstack.json" ;;
	gen-ok-derived-stems-250.json)
		equal "$f: three files" 3 "$(ls "$P/s" | wc -l)"
		equal "$f: no name longer than 255 bytes" "" "$(ls "$P/s" | LC_ALL=C awk 'length($0) > 255')" ;;
	gen-ok-extension-20000-keys.json)
		check "$f: the last key is merged" grep -qF '"k19999": 1' "$T/objects/hmerge_a.json" ;;
	gen-ok-exactly-max.json)
		equal "$f: all of it" "$MAX" "$(stat -c %s "$P/objectstack.json")" ;;
	gen-ok-1mb-description.json)
		check "$f: the description is in manifest.json" test "$(grep -c D "$P/manifest.json")" -ge 1
		check "$f: the label is in the object" test "$(stat -c %s "$T/objects/hbig_thing.json")" -gt $((1 << 20)) ;;
	gen-ok-10000-objects.json)
		equal "$f: 10000 objects are registered" 10000 "$(ls "$T/objects" | grep -c '^hmany_')" ;;
	gen-ok-string-20mb.json)
		check "$f: the description is in manifest.json" test "$(stat -c %s "$P/manifest.json")" -gt $((20 << 20)) ;;
	esac
}

# ------------------------------------------------------------ one case
BASE=$(dump)
declare -a WRONG=()
# PostgreSQL stores an artifact's rows one round trip each: the 10,000
# objects take minutes there (docs/scale-out.md, "Known gaps").
CP_TIMEOUT=60
[ -n "$PG_DB" ] && CP_TIMEOUT=900
run_case() {
	local f=$1 err=$2 msg=$3 src new first="" after id ver failed0=$FAILED
	if [ -f "$HOSTILE/$f" ]; then src=$HOSTILE/$f; elif gen "$f"; then src=$GEN/$f; else
		fail "$f: no such corpus file and no generator"; return; fi
	local lines before_list
	lines=$(wc -l <"$T/log")
	before_list=$(ls -A "$T/install")
	local t=$(date +%s%N)
	if [ "$err" = OK ]; then
		check "$f: installs" timeout "$CP_TIMEOUT" cp "$src" "$T/install/"
	else
		fails_with "$err" "$f: cp fails with $err" timeout "$CP_TIMEOUT" cp "$src" "$T/install/"
	fi
	local installed
	installed=$(tail -n +$((lines + 1)) "$T/log" | grep -a -o "installed [^ ]* from install/$f" | sed 's/^installed \([^@]*\)@.*/\1/')
	# Refused inputs that were installed anyway must not spoil the next cases.
	[ "$err" != OK ] && [ -n "$installed" ] && rm -f "$T/install/$installed.json"
	local ms=$((($(date +%s%N) - t) / 1000000))
	[ "$ms" -gt 5000 ] && echo "#    $f took ${ms} ms"
	if kill -0 "$OSFS_PID" 2>/dev/null && ls "$T/objects" >/dev/null 2>&1; then
		pass "$f: the daemon still serves"
	else
		fail "$f: the daemon still serves" "$(tail -20 "$WORK/osfs.err")"
		echo "FATAL: the daemon is gone"; finish; exit 1
	fi
	new=$(tail -n +$((lines + 1)) "$T/log")
	first=$(printf '%s\n' "$new" | grep -a -m1 '^[^ ]* error: ')
	if [ "$err" = OK ]; then
		if printf '%s\n' "$new" | grep -aqF -- "$msg"; then pass "$f: the log says $msg"; else
			fail "$f: the log says $msg" "new log lines:" "$new"; fi
		if printf '%s\n' "$new" | grep -aq '^[^ ]* error: '; then
			fail "$f: no error in the log" "$new"; fi
		id=${msg#installed }; id=${id%% *}; ver=${id#*@}; id=${id%@*}
		if cmp -s "$src" "$T/packages/$id@$ver/objectstack.json"; then pass "$f: the artifact is there byte for byte"
		else fail "$f: the artifact is there byte for byte"; fi
		ok_checks "$f" "$id" "$ver"
		check "$f: (remove it again)" rm "$T/install/$id.json"
	else
		local line
		line=$(printf '%s\n' "$new" | grep -aF -- "install/$f" | grep -aF -m1 -- "$msg")
		if [ -n "$line" ]; then pass "$f: the log says why"; else
			fail "$f: the log says why" "expected: ... install/$f ...$msg" "new log lines:" "$(printf '%s\n' "$new" | head -5 | cut -c1-400)"; fi
		case $first in
		*"[$err]") pass "$f: the first error is the $err one" ;;
		*) fail "$f: the first error is the $err one" "first error: $first" ;;
		esac
	fi
	if printf '%s' "$new" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; then pass "$f: the log is UTF-8"; else
		fail "$f: the log is UTF-8" "$(printf '%s\n' "$new" | cut -c1-200 | od -c | tail -4)"; fi
	equal "$f: nothing of it is left in install/" "$before_list" "$(ls -A "$T/install")"
	after=$(dump)
	if [ "$err" != OK ]; then
		if [ "$BASE" = "$after" ]; then pass "$f: the store is unchanged"; else
			fail "$f: the store is unchanged" "$(diff <(printf '%s\n' "$BASE") <(printf '%s\n' "$after") | head -20)"; fi
	fi
	BASE=$after
	rm -f "$GEN/$f"
	[ "$FAILED" -gt "$failed0" ] && WRONG+=("$f: expected $err \"$msg\"; log: $(printf '%s' "${first:-(no error line)}" | cut -c26-300)")
	return 0
}

# ------------------------------------------------------------ the corpus
LARGE_MOUNT="gen-too-many-values.json gen-ok-string-20mb.json"
declare -A LISTED=()
ncases=0
while IFS=$'\t' read -r -u 3 f err msg; do
	case $f in '#'* | '') continue ;; esac
	LISTED[$f]=1
	case " $LARGE_MOUNT " in *" $f "*) continue ;; esac
	run_case "$f" "$err" "$msg"
	ncases=$((ncases + 1))
done 3<"$HOSTILE/expect.tsv"

for f in "$HOSTILE"/*.json; do
	[ -n "${LISTED[$(basename "$f")]:-}" ] || fail "$(basename "$f") has no line in expect.tsv"
done

# More than 4 Mi values cannot fit in 4 MiB: the default max_artifact (64 MiB).
remount_osfs
check "remounted with the default max_artifact" test -d "$T/install"
BASE=$(dump)
while IFS=$'\t' read -r -u 3 f err msg; do
	case " $LARGE_MOUNT " in *" $f "*) run_case "$f" "$err" "$msg"; ncases=$((ncases + 1)) ;; esac
done 3<"$HOSTILE/expect.tsv"

rm -rf "$GEN"
echo "# $ncases cases in $((($(date +%s%N) - T0) / 1000000)) ms"
if [ ${#WRONG[@]} -gt 0 ]; then
	echo "# cases where osfs does not do what expect.tsv (docs/install.md) says:"
	printf '#   %s\n' "${WRONG[@]}"
fi
finish
