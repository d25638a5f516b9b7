#!/usr/bin/env bash
# make install PREFIX=... DESTDIR=... and the Debian packages list (issue 12
# points 13 and 15): every file where it belongs, the man pages render
# without a warning, the systemd unit names the installed osfs, and
# tools/deps.sh lists what make test needs, used by .ci/run and demo.sh.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)
DEST=$WORK/dest
P=/opt/x

# The binaries under test are installed: those of build/ or, under SAN,
# of build-san/ (BUILD and SAN as that build had them, so nothing is rebuilt).
bdir=$(dirname "$OSFS")
san=SAN=0
[ "$(basename "$bdir")" = build-san ] && san=SAN=1
case $bdir in "$TOP"/*) bdir=${bdir#"$TOP"/} ;; esac
out=$(make -s -C "$TOP" install PREFIX=$P DESTDIR="$DEST" BUILD="$bdir" $san 2>&1); rc=$?
equal "make install PREFIX=$P DESTDIR=... exits 0" "0" "$rc"
[ "$rc" -eq 0 ] || echo "$out" | tail -5

for f in bin/osfs bin/osfsctl; do
	check "$P/$f is installed, executable" test -x "$DEST$P/$f"
done
check "the installed osfs is the one built" cmp "$OSFS" "$DEST$P/bin/osfs"
check "the installed osfsctl is the one built" cmp "$OSFSCTL" "$DEST$P/bin/osfsctl"
equal "/sbin/mount.fuse.osfs (under DESTDIR) links to the installed osfs" "$P/bin/osfs" \
	"$(readlink "$DEST/sbin/mount.fuse.osfs" 2>&1)"
check "nothing is installed outside DESTDIR" sh -c "! ls -l /sbin/mount.fuse.osfs 2>/dev/null | grep -q '$P'"
check "osfs(8) is in share/man/man8" test -f "$DEST$P/share/man/man8/osfs.8"
check "osfsctl(1) is in share/man/man1" test -f "$DEST$P/share/man/man1/osfsctl.1"
check "the documentation is in share/doc/osfs" test -f "$DEST$P/share/doc/osfs/operations.md"
unit=$DEST$P/lib/systemd/system/osfs.service
check "the systemd unit is in lib/systemd/system" test -f "$unit"
check "its ExecStart runs $P/bin/osfs" grep -q "^ExecStart=$P/bin/osfs " "$unit"
check "... and no path of another PREFIX is left in it" sh -c "! grep -n '/usr/local' '$unit'"
check "its Documentation names the installed docs and the man page" \
	grep -q "^Documentation=man:osfs(8) file://$P/share/doc/osfs/operations.md" "$unit"
if command -v systemd-analyze >/dev/null 2>&1; then
	check "systemd-analyze verifies the unit's syntax" sh -c "systemd-analyze verify '$unit' 2>&1 | grep -v 'not executable\|No such file\|Command .* is not' | grep -qi 'unknown\|invalid' && exit 1 || exit 0"
fi

for page in "$DEST$P/share/man/man8/osfs.8" "$DEST$P/share/man/man1/osfsctl.1"; do
	name=$(basename "$page")
	equal "man renders $name without a warning" "" "$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)"
	equal "groff -man -ww finds nothing in $name" "" "$(groff -man -ww -z "$page" 2>&1)"
	check "lexgrog reads the NAME section of $name" lexgrog "$page"
done
# Every command of osfsctl --help and every option of osfs --help is in its page.
for c in $("$OSFSCTL" --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' | sort -u); do
	check "osfsctl(1) documents '$c'" sh -c "MANWIDTH=200 man -l '$DEST$P/share/man/man1/osfsctl.1' 2>/dev/null | grep -q '^       $c'"
done
for o in $("$OSFS" --help | sed -n 's/^ *-o \([a-z_]*\)=.*/\1/p'); do
	check "osfs(8) documents -o $o" sh -c "MANWIDTH=200 man -l '$DEST$P/share/man/man8/osfs.8' 2>/dev/null | grep -q -- '-o $o='"
done

out=$(make -s -C "$TOP" uninstall PREFIX=$P DESTDIR="$DEST" BUILD="$bdir" $san 2>&1)
equal "make uninstall leaves no file behind" "" "$(find "$DEST" -type f -o -type l)"

# tools/deps.sh: one list of the Debian packages, for .ci/run, demo.sh and make deps.
list=$("$TOP/tools/deps.sh" --list 2>&1)
for p in build-essential libfuse3-dev fuse3 libsqlite3-dev libcjson-dev libcurl4-openssl-dev libxxhash-dev \
	check rsync attr acl sqlite3 perl python3 vim ed restic borgbackup nginx xxhash man-db groff-base \
	valgrind clang libclang-rt-14-dev; do
	check "tools/deps.sh lists $p" sh -c "printf '%s\n' \"\$1\" | grep -qx '$p'" _ "$list"
done
check ".ci/run installs through tools/deps.sh" grep -q '^tools/deps.sh' "$TOP/.ci/run"
check "tools/demo.sh installs through tools/deps.sh" grep -q '^tools/deps.sh' "$TOP/tools/demo.sh"
check "make deps runs tools/deps.sh" sh -c "make -n -C '$TOP' deps | grep -q tools/deps.sh"
equal "every package is installed here (tools/deps.sh --missing)" "" "$("$TOP/tools/deps.sh" --missing)"
check "tools/deps.sh never reads stdin (CI=true, no stdin)" grep -q 'apt-get install -y .*</dev/null' "$TOP/tools/deps.sh"

finish
