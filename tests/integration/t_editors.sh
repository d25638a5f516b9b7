#!/usr/bin/env bash
# Editing an installed artifact in place (issue 12 items 1-3): sed -i,
# perl -pi, vim, ed, a Python os.replace() and cp over <id>.json upgrade,
# downgrade or re-install the package and exit 0, leaving exactly <id>.json
# in install/; an edit that makes the artifact invalid fails the editor's
# last step with the check's errno and changes nothing.
. "$(dirname "$0")/lib.sh"
mount_osfs
mkdir "$MNT/tenants/acme"
T=$MNT/tenants/acme
F=$T/install/com.acme.crm.json

cp "$ARTIFACTS/acme-crm-1.0.0.json" "$T/install/"
# A dependent: editing com.acme.crm must never uninstall it on the way
# (helpdesk's ^1.0.0 would refuse that with EBUSY).
cp "$ARTIFACTS/acme-helpdesk-0.3.0.json" "$T/install/"
LISTING="com.acme.crm.json com.acme.helpdesk.json"
listing() { ls -A "$T/install" | tr '\n' ' ' | sed 's/ $//'; }
crm() { ls "$T/packages" | grep '^com\.acme\.crm@'; }

# edited "what" VERSION: the package is at VERSION, install/ holds exactly
# the two packages, and install/<id>.json reads back as the edit.
edited() {
	equal "$1: the package is now $2" "com.acme.crm@$2" "$(crm)"
	equal "$1: install/ holds exactly <id>.json, no leftover name" "$LISTING" "$(listing)"
	check "$1: install/com.acme.crm.json holds the edit" grep -q "\"version\": \"$2\"" "$F"
	check "$1: the dependent is still installed" test -d "$T/packages/com.acme.helpdesk@0.3.0"
}

check "sed -i exits 0" sed -i 's/"version": "1.0.0"/"version": "1.0.1"/' "$F"
edited "sed -i" 1.0.1
check "sed -i changing nothing exits 0 (a re-install)" sed -i 's/Acme CRM/Acme CRM/' "$F"
edited "sed -i (re-install)" 1.0.1

check "perl -pi -e exits 0" perl -pi -e 's/"version": "1.0.1"/"version": "1.0.2"/' "$F"
edited "perl -pi" 1.0.2
check "perl -pi -e downgrading exits 0" perl -pi -e 's/"version": "1.0.2"/"version": "1.0.0"/' "$F"
edited "perl -pi (downgrade)" 1.0.0

# A backup by renaming the original away: it stays installed meanwhile.
check "sed -i.bak exits 0" sed -i.bak 's/"version": "1.0.0"/"version": "1.0.9"/' "$F"
equal "sed -i.bak: the package is now 1.0.9" "com.acme.crm@1.0.9" "$(crm)"
check "sed -i.bak: its backup holds the version before, pending" grep -q '"version": "1.0.0"' "$F.bak"
check "rm of the backup" rm "$F.bak"
check "perl -i.bak -pe exits 0" perl -i.bak -pe 's/"version": "1.0.9"/"version": "1.0.0"/' "$F"
check "rm of perl's backup" rm "$F.bak"
edited "sed -i.bak, perl -i.bak" 1.0.0

# vim -es with no vimrc: swap file .<name>.swp, no backup under /tmp
# ('backupskip' holds /tmp/*, where the test runs).
check "vim -es :wq exits 0" vim -es -c '%s/"version": "1.0.0"/"version": "1.0.3"/' -c wq "$F"
edited "vim -es" 1.0.3
# Debian's vimrc, with the default backup behaviour ('writebackup',
# 'backupcopy' auto): the test file 4913, then the original renamed to
# <name>~, a new <name> written, and the backup removed.
check "vim with Debian's vimrc and its backup exits 0" \
	vim -u /etc/vim/vimrc -es -c 'set backupskip=' -c '%s/"version": "1.0.3"/"version": "1.0.4"/' -c wq "$F"
edited "vim (backup by rename)" 1.0.4
check "vim backing up by copy exits 0" \
	vim -N -u NONE -es -c 'set backupskip= backupcopy=yes' -c '%s/"version": "1.0.4"/"version": "1.0.5"/' -c wq "$F"
edited "vim (backup by copy)" 1.0.5
check "vim -es :wq keeping its backup exits 0" \
	vim -N -u NONE -es -c 'set backupskip= backup' -c '%s/"version": "1.0.5"/"version": "1.0.6"/' -c wq "$F"
equal "vim (backup kept): the package is now 1.0.6" "com.acme.crm@1.0.6" "$(crm)"
check "vim (backup kept): its backup holds the version before, pending" grep -q '"version": "1.0.5"' "$F~"
check "vim (backup kept): renaming the backup back re-installs it" mv "$F~" "$F"
edited "vim (backup renamed back)" 1.0.5

check "ed exits 0" sh -c "printf '%s\n' ',s/\"version\": \"1.0.5\"/\"version\": \"1.0.7\"/' w q | ed -s '$F'"
edited "ed" 1.0.7

cat >"$WORK/replace.py" <<'EOF'
import os, sys, tempfile
path, old, new = sys.argv[1:4]
with open(path) as f:
    text = f.read()
fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
try:
    with os.fdopen(fd, "w") as f:
        f.write(text.replace(old, new))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
except OSError as e:
    if os.path.exists(tmp):
        os.unlink(tmp)
    sys.exit("replace: %s" % e)
EOF
check "a Python temporary file os.replace()d onto <id>.json" python3 "$WORK/replace.py" "$F" '"version": "1.0.7"' '"version": "1.0.8"'
edited "python os.replace" 1.0.8

check "cp new.json install/<id>.json (a downgrade)" cp "$ARTIFACTS/acme-crm-1.1.0.json" "$F"
edited "cp over <id>.json" 1.1.0
check "cp new.json install/ under its own name (an upgrade)" cp "$ARTIFACTS/acme-crm-1.1.0.json" "$WORK/crm.json"
sed -i 's/"version": "1.1.0"/"version": "1.2.0"/' "$WORK/crm.json"
check "... exits 0" cp "$WORK/crm.json" "$T/install/"
edited "cp under another name" 1.2.0

# 2. An edit that makes the artifact invalid: the editor's last step fails
# with the check's errno; the package and the bytes are unchanged.
cp "$F" "$WORK/before.json"
lines=$(wc -l <"$T/log")
check_not "sed -i making invalid JSON fails" sed -i 's/"manifest": {/"manifest": {,/' "$F"
check "sed -i says why: the rename's errno" sh -c "sed -i 's/\"manifest\": {/\"manifest\": {,/' '$F' 2>&1 | grep -q 'Invalid argument'"
check "the bytes of install/<id>.json are unchanged" cmp "$F" "$WORK/before.json"
edited "after a refused sed -i" 1.2.0
check "the log says why" sh -c "tail -n +$((lines + 1)) '$T/log' | grep -q 'not valid JSON'"
check_not "perl -pi breaking a dependent's range fails" perl -pi -e 's/"version": "1.2.0"/"version": "2.5.0"/' "$F"
check "the log names the dependent" sh -c "tail -n 3 '$T/log' | grep -q 'com.acme.helpdesk@0.3.0 depends on com.acme.crm'"
check "the bytes are unchanged" cmp "$F" "$WORK/before.json"
edited "after a refused perl -pi" 1.2.0
lines=$(wc -l <"$T/log")
check_not "vim writing another package's id over <id>.json fails" \
	vim -u /etc/vim/vimrc -es -c 'set backupskip=' -c '%s/"com.acme.crm"/"com.acme.other"/' -c wq "$F"
check "the log says what the name can hold" sh -c "tail -n +$((lines + 1)) '$T/log' | grep -q 'can only hold com.acme.crm'"
check "the bytes are unchanged" cmp "$F" "$WORK/before.json"
edited "after a refused vim" 1.2.0
check_not "a Python os.replace() of invalid bytes fails" python3 "$WORK/replace.py" "$F" '"manifest"' '"manifest" 1'
check "... with EINVAL" sh -c "python3 '$WORK/replace.py' '$F' '\"manifest\"' '\"manifest\" 1' 2>&1 | grep -q 'Invalid argument'"
check "the bytes are unchanged" cmp "$F" "$WORK/before.json"
edited "after a refused os.replace" 1.2.0
check_not "ed writing invalid JSON fails" sh -c "printf '%s\n' '1d' w q | ed -s '$F'"
check "the bytes are unchanged" cmp "$F" "$WORK/before.json"
edited "after a refused ed" 1.2.0

# 3. The naming rule: other names are pending until renamed to a .json name.
printf '{}' >"$T/install/notes.txt"
check "a name not ending in .json is a pending upload: listed" test -f "$T/install/notes.txt"
check "and installs nothing (even invalid bytes close fine)" test "$(cat "$T/install/notes.txt")" = "{}"
fails_with EINVAL "its rename to a .json name installs it, with the check's errno" \
	perl -e 'rename($ARGV[0], $ARGV[1]) or die "rename: $!\n"' "$T/install/notes.txt" "$T/install/notes.json"
check "rm removes it" rm "$T/install/notes.txt"
equal "nothing is left" "$LISTING" "$(listing)"
finish
