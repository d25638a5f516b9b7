#!/usr/bin/env bash
# Restoring data/ (issue 14 item 8; docs/records.md, "Copies of data/"):
# rsync -a, cp -a and tar --overwrite -x of a tenant's data/ back into the same tenant
# change nothing and exit 0; into a new tenant with the same packages they
# recreate every record (those its seeds made are replaced by the same
# bytes), with the times the copy gives them; a second rsync -a transfers
# nothing.
. "$(dirname "$0")/lib.sh"
mount_osfs
TS=$MNT/tenants
mkdir "$TS/a"
cp "$FIXTURES/app-crm/objectstack.json" "$TS/a/install/crm.json"
printf '{"name": "Umbrella", "industry": "technology"}\n' >"$WORK/u.json"
check "a record of the user's own" cp "$WORK/u.json" "$TS/a/data/crm_account/Umbrella.json"
D=$TS/a/data
n=$(find "$D" -type f | wc -l)
check "rsync -a data/ out exits 0" rsync -a "$D/" "$WORK/rs/"
check "cp -a data/ out exits 0" cp -a "$D" "$WORK/cp"
# pax keeps nanoseconds (ustar whole seconds: then the records take those).
check "tar -c data/ exits 0" tar --format=posix -C "$TS/a" -cf "$WORK/data.tar" data
BEFORE=$(snapshot "$D")
lines() { wc -l <"$TS/a/log"; }
L=$(lines)

# ------------------------------------------------------------ into the same tenant
check "rsync -a back into the same tenant exits 0" rsync -a "$WORK/rs/" "$D/"
check "cp -a back into the same tenant exits 0" cp -a "$WORK/cp/." "$D/"
# Plain tar -x unlinks an existing file before creating it: that deletes
# the record (docs/records.md); --overwrite writes over it instead.
check "tar --overwrite -x back into the same tenant exits 0" tar --overwrite -C "$TS/a" -xf "$WORK/data.tar"
equal "... and nothing changed: names, inodes, sizes, times, modes" "$BEFORE" "$(snapshot "$D")"
equal "... and no line in the log" "$L" "$(lines)"
check "tar --skip-old-files -x back into the same tenant exits 0" tar --skip-old-files -C "$TS/a" -xf "$WORK/data.tar"
equal "... and nothing changed either" "$BEFORE" "$(snapshot "$D")"
equal "... and no line in the log either" "$L" "$(lines)"
rsync -a --itemize-changes --stats "$WORK/rs/" "$D/" >"$WORK/rs2.out" 2>&1
equal "a second rsync -a transfers no file" "0" "$(sed -n 's/^Number of regular files transferred: //p' "$WORK/rs2.out")"
check "... and itemizes no file" sh -c "! grep -q '^[<>c]f' '$WORK/rs2.out'"

# A record's time can be set (kept by the store); its mode and owner only
# to what they are.
R=$D/crm_account/Umbrella.json
check "touch -d of a record exits 0" touch -d '2020-01-02 03:04:05' "$R"
equal "... and the record shows that time" "2020-01-02 03:04:05" "$(date -d "@$(stat -c %Y "$R")" '+%Y-%m-%d %H:%M:%S')"
check "chmod to its own mode exits 0" chmod 0644 "$R"
fails_with EPERM "chmod to another mode is refused" chmod 0600 "$R"

# ------------------------------------------------------------ into a new tenant
# rsync skips a file whose size and mtime match to the second, and the new
# tenant's seeds may be written within the second the copy's were: the
# copy's times are moved years back, so each record's time has to be set.
find "$WORK/rs" -type f -exec touch -d '2021-03-04 05:06:07.123456789' {} +
for how in rsync cp tar; do
	mkdir "$TS/$how"
	cp "$FIXTURES/app-crm/objectstack.json" "$TS/$how/install/crm.json"
	N=$TS/$how/data
	case $how in
	rsync) check "rsync -a into a new tenant with the same package exits 0" rsync -a "$WORK/rs/" "$N/" ;;
	cp) check "cp -a into a new tenant exits 0" cp -a "$WORK/cp/." "$N/" ;;
	tar) check "tar --overwrite -x into a new tenant exits 0" tar --overwrite -C "$TS/$how" -xf "$WORK/data.tar" ;;
	esac
	equal "... every record is there ($how)" "$n" "$(find "$N" -type f | wc -l)"
	check "... with the same bytes ($how)" diff -r "$WORK/rs" "$N"
done
equal "rsync: the records keep their times" "$(cd "$WORK/rs" && find . -type f -printf '%p %T@\n' | sort)" \
	"$(cd "$TS/rsync/data" && find . -type f -printf '%p %T@\n' | sort)"
rsync -a --itemize-changes --stats "$WORK/rs/" "$TS/rsync/data/" >"$WORK/rs3.out" 2>&1
equal "a second rsync -a into it transfers no file" "0" "$(sed -n 's/^Number of regular files transferred: //p' "$WORK/rs3.out")"

# Plain tar -x (no --overwrite) unlinks each existing file and creates it
# again: each unlink deletes a record (with its deleteBehavior), and the
# seeds today's checks refuse cannot be created again.  No honest answer to
# that unlink makes it a no-op (docs/records.md, "Why plain tar -x over
# existing records cannot be a no-op"): tar must not be told it succeeded.
mkdir "$TS/plain"
cp "$FIXTURES/app-crm/objectstack.json" "$TS/plain/install/crm.json"
check_not "plain tar -x back over existing records does not exit 0" tar -C "$TS/plain" -xf "$WORK/data.tar"
log_has "$TS/plain/log" "cleared" "... its unlinks were deletions, told in the log"

unmount_osfs
check "osfsctl fsck --store is clean" "$OSFSCTL" fsck --store "$STORE"
finish
