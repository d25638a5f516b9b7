#!/usr/bin/env bash
# Copying and extracting into install/ (issue 12 items 5-6): cp -a, tar -x
# and rsync -a of a folder of artifacts (dependencies first) exit 0; the
# modes, owners and times they set that the tree already has are never an
# error; install/ entries keep their times, so a second rsync -a transfers
# nothing, the README's example included; a real change of a read-only
# file's mode or owner fails EPERM with a line in the daemon's log.
. "$(dirname "$0")/lib.sh"
mount_osfs

# DIR: two artifacts, the dependency written first (cp -a copies in the
# order of the folder's entries, tar in the archive's, rsync by name).
DIR=$WORK/dir
mkdir -m 0755 "$DIR"
cp "$ARTIFACTS/acme-crm-1.0.0.json" "$DIR/com.acme.crm.json"
cp "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$DIR/com.acme.helpdesk.json"
touch -d '2024-01-02 03:04:05' "$DIR/com.acme.crm.json"
touch -d '2024-02-03 04:05:06' "$DIR/com.acme.helpdesk.json"
chmod 0640 "$DIR/com.acme.helpdesk.json"
# cp -a copies a folder's files in the order of their inode numbers (GNU cp
# sorts what it reads of a folder by inode, for speed), and ext4 hands out
# the lowest free inode numbers, freed by other tests running meanwhile: the
# files are copied again (a new inode each) until the dependency's is the
# lower, so that the folder is "dependencies first" for cp as it is for
# tar --sort=name and rsync.  Where the allocator will not have it, the cp -a
# checks of that folder are skipped, saying so (deps_first fails).
deps_first() {
	local d=$1 i
	for i in $(seq 40); do
		[ "$(stat -c %i "$d/com.acme.crm.json")" -lt "$(stat -c %i "$d/com.acme.helpdesk.json")" ] && return 0
		local f=com.acme.crm.json
		[ $((i % 2)) -eq 0 ] && f=com.acme.helpdesk.json
		cp -p "$d/$f" "$d/.c" && mv "$d/.c" "$d/$f"
	done
	echo "# $d: the dependency's inode stays above the dependent's: cp -a of it would copy the dependent first"
	return 1
}
DIR_OK=1
deps_first "$DIR" || DIR_OK=0
# REAL: the three real artifacts, under names that are not <id>.json.
REAL=$WORK/real
mkdir -m 0755 "$REAL"
for f in app-crm app-todo app-showcase; do cp -p "$FIXTURES/$f/objectstack.json" "$REAL/$f.json"; done

# transfers "what" SRC/ DST/: a second rsync -a finds nothing to send.
nothing_to_send() {
	local out
	out=$(rsync -a --itemize-changes --stats "$2" "$3" 2>&1)
	equal "$1: a second rsync -a transfers no file" "0" "$(printf '%s\n' "$out" | sed -n 's/^Number of regular files transferred: //p')"
	equal "$1: and itemizes no file" "" "$(printf '%s\n' "$out" | grep -E '^[<>ch.][f]' | grep -v '^\.f  ')"
}

# same_as_dir "what" TENANT: install/ holds the packages with DIR's modes and times.
same_as_dir() {
	local I=$MNT/tenants/$2/install
	equal "$1: install/ lists the two packages" "com.acme.crm.json com.acme.helpdesk.json" "$(ls -A "$I" | tr '\n' ' ' | sed 's/ $//')"
	check "$1: the dependent is installed" test -d "$MNT/tenants/$2/packages/com.acme.helpdesk@0.3.0"
	equal "$1: modes and mtimes are DIR's" "$(cd "$DIR" && stat -c '%n %a %.9Y' *)" "$(cd "$I" && stat -c '%n %a %.9Y' *)"
	nothing_to_send "$1" "$DIR/" "$I/"
}

mkdir "$MNT/tenants/cpa" "$MNT/tenants/tarx" "$MNT/tenants/rs"
if [ "$DIR_OK" = 1 ]; then
	check "cp -a DIR/. install/ exits 0" cp -a "$DIR/." "$MNT/tenants/cpa/install/"
	same_as_dir "cp -a" cpa
	check "cp -a DIR/. install/ a second time exits 0 (a re-install)" cp -a "$DIR/." "$MNT/tenants/cpa/install/"
	same_as_dir "cp -a twice" cpa
else
	echo "skip - cp -a DIR/.: its inodes are out of dependency order (above)"
fi

tar -C "$DIR" --sort=name -cf "$WORK/a.tar" .
check "tar -x of an archive holding ./ exits 0" tar -C "$MNT/tenants/tarx/install" -xf "$WORK/a.tar"
same_as_dir "tar -x" tarx

check "rsync -a DIR/ install/ exits 0" rsync -a "$DIR/" "$MNT/tenants/rs/install/"
same_as_dir "rsync -a" rs

# The real artifacts, under their own names: install/ lists them by id,
# and rsync still finds the names it wrote the second time.
for tool in cp tar rsync; do mkdir "$MNT/tenants/real-$tool"; done
check "cp -a of the real artifacts exits 0" cp -a "$REAL/." "$MNT/tenants/real-cp/install/"
tar -C "$REAL" --sort=name -cf "$WORK/real.tar" .
check "tar -x of the real artifacts exits 0" tar -C "$MNT/tenants/real-tar/install" -xf "$WORK/real.tar"
check "rsync -a of the real artifacts exits 0" rsync -a "$REAL/" "$MNT/tenants/real-rsync/install/"
for tool in cp tar rsync; do
	I=$MNT/tenants/real-$tool/install
	equal "$tool: install/ lists them by id" "com.example.crm.json com.example.showcase.json com.example.todo.json" "$(ls -A "$I" | tr '\n' ' ' | sed 's/ $//')"
	# cp and tar leave no trace of the names they wrote: rsync sends
	# those once (unchanged re-installs), then finds the names it wrote.
	[ "$tool" != rsync ] && check "real artifacts, $tool: rsync -a over them exits 0" rsync -a "$REAL/" "$I/"
	nothing_to_send "real artifacts, $tool" "$REAL/" "$I/"
	equal "$tool: install/ still lists them by id only" "com.example.crm.json com.example.showcase.json com.example.todo.json" "$(ls -A "$I" | tr '\n' ' ' | sed 's/ $//')"
done

# 6. The README's example, twice.
mkdir -p "$WORK/dist" "$MNT/tenants/acme"
cp -p "$FIXTURES/app-crm/objectstack.json" "$WORK/dist/objectstack.json"
check "README: rsync -a dist/objectstack.json install/ exits 0" rsync -a "$WORK/dist/objectstack.json" "$MNT/tenants/acme/install/"
out=$(rsync -a --itemize-changes --stats "$WORK/dist/objectstack.json" "$MNT/tenants/acme/install/" 2>&1)
equal "README: the second run transfers nothing" "0" "$(printf '%s\n' "$out" | sed -n 's/^Number of regular files transferred: //p')"
equal "README: and itemizes nothing" "" "$(printf '%s\n' "$out" | grep -E '^[<>ch.][fd]')"
equal "README: install/ lists <id>.json only" "com.example.crm.json" "$(ls -A "$MNT/tenants/acme/install")"
check "README: the name rsync wrote reads as the installed artifact" cmp "$MNT/tenants/acme/install/objectstack.json" "$WORK/dist/objectstack.json"
check "another project's dist/objectstack.json under the same name installs too" \
	cp "$FIXTURES/app-todo/objectstack.json" "$MNT/tenants/acme/install/"
equal "both are installed" "com.example.crm.json com.example.todo.json" "$(ls -A "$MNT/tenants/acme/install" | tr '\n' ' ' | sed 's/ $//')"
check "rsync of the first one again re-installs it (unchanged) and exits 0" rsync -a "$WORK/dist/objectstack.json" "$MNT/tenants/acme/install/"
equal "still both, nothing else" "com.example.crm.json com.example.todo.json" "$(ls -A "$MNT/tenants/acme/install" | tr '\n' ' ' | sed 's/ $//')"
check "rm of the name rsync wrote removes that name only" rm "$MNT/tenants/acme/install/objectstack.json"
check "the package stays" test -d "$MNT/tenants/acme/packages/com.example.crm@4.0.0"

# Setting what the tree already has is never an error.
T=$MNT/tenants/rs
I=$T/install/com.acme.crm.json
check "chmod of install/<id>.json to its own mode" chmod 0644 "$I"
check "chown of install/<id>.json to its own owner" chown "$(stat -c %u:%g "$I")" "$I"
check "touch -d of install/<id>.json to its own time" touch -d "@$(stat -c %.9Y "$I")" "$I"
check "chmod of install/ to its own mode" chmod 0755 "$T/install"
check "chown of install/ to its own owner" chown "$(stat -c %u:%g "$T/install")" "$T/install"
check "chmod of objects/x.json to its own mode" chmod 0444 "$T/objects/crm_account.json"
check "chown of a packages/ file to its own owner" chown "$(stat -c %u:%g "$T/packages/com.acme.crm@1.0.0/manifest.json")" "$T/packages/com.acme.crm@1.0.0/manifest.json"
check "chmod 0600 of install/<id>.json (a real change, kept)" chmod 0600 "$I"
equal "... and shown" "600" "$(stat -c %a "$I")"
chmod 0644 "$I"

# A real change of a read-only file's mode or owner: EPERM and a log line.
fails_with EPERM "chmod of objects/x.json" chmod 0600 "$T/objects/crm_account.json"
log_has "$WORK/osfs.err" "cannot change the mode 0444 to 0600 of a file of objects/" "the daemon's log says so"
fails_with EPERM "chown of a packages/ file" chown 1:1 "$T/packages/com.acme.crm@1.0.0/manifest.json"
log_has "$WORK/osfs.err" "cannot change the owner 0 to 1, group 0 to 1 of a file of packages/" "the daemon's log says so"
fails_with EPERM "chown of install/<id>.json to another owner" chown 1 "$I"
log_has "$WORK/osfs.err" "an installed file is owned by its tenant's owner" "the daemon's log says why"
fails_with EPERM "chmod of install/ itself" chmod 0700 "$T/install"
fails_with EPERM "touch of the log" touch -c -d '2020-01-01' "$T/log"
equal "nothing changed" "444 0 644 0 755" "$(stat -c %a "$T/objects/crm_account.json") $(stat -c %u "$T/packages/com.acme.crm@1.0.0/manifest.json") $(stat -c %a "$I") $(stat -c %u "$I") $(stat -c %a "$T/install")"

# The same as the tenant's owner, not root: cp -a and tar -x set the
# owner and group they already have (cp -a, as root, did too above).
if [ "$(id -u)" -eq 0 ]; then
	U=osfs-copy-$$
	useradd -M -U -s /bin/sh "$U" || { echo "FATAL: useradd"; exit 1; }
	trap 'userdel -r "$U" 2>/dev/null; cleanup' EXIT
	as() { runuser -u "$U" -- "$@"; }
	remount_osfs -o allow_other,default_permissions
	chmod 0755 "$WORK"
	UDIR=$WORK/udir
	mkdir -m 0755 "$UDIR" && cp -p "$DIR"/* "$UDIR/" || { echo "FATAL: $UDIR"; exit 1; }
	UDIR_OK=1
	deps_first "$UDIR" || UDIR_OK=0
	chown -R "$U:$U" "$UDIR"
	tar -C "$UDIR" --sort=name -cf "$WORK/u.tar" . && chmod 0644 "$WORK/u.tar"
	for tool in cp tar rsync; do as mkdir "$MNT/tenants/u-$tool"; done
	tools="tar rsync"
	if [ "$UDIR_OK" = 1 ]; then
		tools="cp tar rsync"
		check "$U: cp -a DIR/. install/ exits 0" as cp -a "$UDIR/." "$MNT/tenants/u-cp/install/"
	else
		echo "skip - $U: cp -a DIR/.: its inodes are out of dependency order (above)"
	fi
	check "$U: tar -x exits 0" as tar -C "$MNT/tenants/u-tar/install" -xf "$WORK/u.tar"
	check "$U: rsync -a exits 0" as rsync -a "$UDIR/" "$MNT/tenants/u-rsync/install/"
	for tool in $tools; do
		I=$MNT/tenants/u-$tool/install
		equal "$U, $tool: modes, owners and mtimes are DIR's" "$(cd "$UDIR" && stat -c '%n %a %U %G %Y' *)" "$(cd "$I" && stat -c '%n %a %U %G %Y' *)"
		out=$(as rsync -a --itemize-changes --stats "$UDIR/" "$I/" 2>&1)
		equal "$U, $tool: a second rsync -a transfers no file" "0" "$(printf '%s\n' "$out" | sed -n 's/^Number of regular files transferred: //p')"
	done
	check "$U: cp -a again over the installed files exits 0" as cp -a "$UDIR/." "$MNT/tenants/u-tar/install/"
	fails_with EPERM "$U: chown of install/<id>.json to root" as chown root "$MNT/tenants/u-tar/install/com.acme.crm.json"
fi
finish
