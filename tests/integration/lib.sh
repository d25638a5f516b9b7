# Shared helpers for the integration tests: each test mounts osfs on a
# store of its own in a temporary directory, drives it with real tools,
# and unmounts it when it ends, whether it passed or not.
#
#   . "$(dirname "$0")/lib.sh"
#   mount_osfs [osfs options...]     # sets $MNT, $STORE, $WORK, $OSFS_PID
#   check "what" command...           # the command must succeed
#   fails_with ERRNAME "what" cmd...  # must fail, stderr naming that errno
#   finish                            # prints the summary, sets the exit code

set -u
export LC_ALL=C
OSFS=${OSFS:-$(cd "$(dirname "$0")/../.." && pwd)/build/osfs}
OSFSCTL=${OSFSCTL:-$(cd "$(dirname "$0")/../.." && pwd)/build/osfsctl}
FIXTURES=${FIXTURES:-$(cd "$(dirname "$0")/../fixtures/real" && pwd)}
ARTIFACTS=$(cd "$(dirname "$0")/../artifacts" && pwd)
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/osfs-$TEST_NAME.XXXXXX")
MNT=$WORK/mnt
STORE=$WORK/store.db
OSFS_PID=
PG_DB=
OWN_PG=
# A test about several daemons sets NEED_PG=1 before sourcing this file:
# under make test-pg it uses the suite's server; under make test this file
# starts a PostgreSQL of its own (tests/pg/server.sh, stopped by cleanup), or
# the test is skipped where PostgreSQL 15 is not installed (.ci/run installs
# it) or the caller is not root (the server runs as the postgres user).
if [ "${NEED_PG:-0}" = 1 ] && [ -z "${OSFS_TEST_PG_DIR:-}" ]; then
	if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || [ "$(id -u)" -ne 0 ]; then
		echo "skip - needs PostgreSQL 15 and root (or make test-pg)"
		exit 0
	fi
	OWN_PG=$(mktemp -d /tmp/osfs-pg.XXXXXX) && rmdir "$OWN_PG" || exit 1
	"$(dirname "$0")/../pg/server.sh" start "$OWN_PG" >/dev/null ||
		{ "$(dirname "$0")/../pg/server.sh" stop "$OWN_PG"; echo "FATAL: cannot start PostgreSQL"; exit 1; }
	OSFS_TEST_PG_DIR=$OWN_PG
fi
# make test-pg (tests/pg/suite.sh): the same tests on a PostgreSQL store, one
# database per test on the suite's server; the password comes from the
# server's passfile through libpq's PGPASSFILE, never a command line.
if [ -n "${OSFS_TEST_PG_DIR:-}" ]; then
	# shellcheck disable=SC1091
	. "$OSFS_TEST_PG_DIR/env"
	export PGPASSFILE=$OSFS_PG_PASSFILE
	PG_DB=$(printf 'osfs_%s_%s' "$TEST_NAME" "$$" | tr -c 'a-z0-9_\n' '_')
	"$(dirname "$0")/../pg/server.sh" psql "$OSFS_TEST_PG_DIR" -q -v ON_ERROR_STOP=1 -d postgres \
		-c "CREATE DATABASE $PG_DB OWNER osfs" >/dev/null || { echo "FATAL: cannot create database $PG_DB"; exit 1; }
	STORE=postgresql://osfs@127.0.0.1:$OSFS_PG_PORT/$PG_DB
fi
TEST_USERS=     # made by two_users: deleted by cleanup
TEST_GROUPS=
PASSED=0
FAILED=0

# The strerror() texts cp, mv and rm print for each errno.
errtext() {
	case $1 in
	EFBIG) echo "File too large" ;;
	EINVAL) echo "Invalid argument" ;;
	EPERM) echo "Operation not permitted" ;;
	ENOPKG) echo "Package not installed" ;;
	EEXIST) echo "File exists" ;;
	EBUSY) echo "Device or resource busy" ;;
	EACCES) echo "Permission denied" ;;
	EROFS) echo "Read-only file system" ;;
	ENOENT) echo "No such file or directory" ;;
	ENOTEMPTY) echo "Directory not empty" ;;
	EXDEV) echo "Invalid cross-device link" ;;
	EIO) echo "Input/output error" ;;
	ENOTSUP) echo "Operation not supported" ;;
	EDQUOT) echo "Disk quota exceeded" ;;
	ENOSPC) echo "No space left on device" ;;
	ENODATA) echo "No data available" ;;
	*) echo "$1" ;;
	esac
}

unmount_osfs() {
	if [ -n "$OSFS_PID" ]; then
		fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -u -z "$MNT" 2>/dev/null
		# The daemon exits once unmounted; give it a moment, then insist.
		for _ in $(seq 50); do kill -0 "$OSFS_PID" 2>/dev/null || break; sleep 0.1; done
		kill "$OSFS_PID" 2>/dev/null
		wait "$OSFS_PID" 2>/dev/null
		OSFS_PID=
	fi
}

cleanup() {
	unmount_osfs
	local u g
	for u in $TEST_USERS; do userdel -r "$u" 2>/dev/null; done
	for g in $TEST_GROUPS; do groupdel "$g" 2>/dev/null; done
	# Never rm -rf into a mount: that would uninstall packages (and a
	# stale one would fail anyway).
	if mountpoint -q "$MNT" 2>/dev/null || [ -n "$(grep -F " $MNT " /proc/mounts 2>/dev/null)" ]; then
		fusermount3 -u -z "$MNT" 2>/dev/null
		sleep 0.2
	fi
	if [ -n "$PG_DB" ] && [ "${KEEP_WORK:-0}" != 1 ]; then
		"$(dirname "$0")/../pg/server.sh" psql "$OSFS_TEST_PG_DIR" -q -d postgres \
			-c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1
	fi
	[ -z "$OWN_PG" ] || "$(dirname "$0")/../pg/server.sh" stop "$OWN_PG"
	if [ "${KEEP_WORK:-0}" = 1 ] || grep -qF " $MNT " /proc/mounts 2>/dev/null; then
		echo "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# sqlite_only "why": this test is about the SQLite store's file (its modes,
# its -wal, the sqlite3 tool's view of it): under make test-pg it is skipped,
# saying why.
sqlite_only() {
	if [ -n "$PG_DB" ]; then
		echo "skip - SQLite only: $1"
		exit 0
	fi
}

# store_sql "SQL": runs SQL (one or more statements, plain SQL that both
# engines read the same) on the test's store, read-only, and prints each
# row as sqlite3 does (columns joined by '|').
store_sql() {
	if [ -n "$PG_DB" ]; then
		printf 'SET search_path TO osfs;\nSET default_transaction_read_only = on;\n%s\n' "$1" |
			psql -XAtq -v ON_ERROR_STOP=1 "$STORE"
	else
		sqlite3 -readonly -cmd '.timeout 5000' "$STORE" "$1"
	fi
}

# two_users A B: two real users for the test, $U1 (osfs-A-PID) and $U2
# (osfs-B-PID), each with a group of its own, deleted by cleanup whatever
# happens; as USER CMD... runs a command as one of them.  Needs root
# (useradd, and mounts with allow_other): without it the test is skipped.
two_users() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "# $TEST_NAME: skipped (needs root to create users and mount with allow_other)"
		exit 0
	fi
	U1=osfs-$1-$$
	U2=osfs-$2-$$
	local u
	for u in "$U1" "$U2"; do
		useradd -M -U -s /bin/sh "$u" || { echo "FATAL: useradd $u"; exit 1; }
		TEST_USERS="$TEST_USERS $u"
	done
}
# test_group NAME USER: a group for the test (NAME-PID, in $TEST_GROUP) with USER in it.
test_group() {
	TEST_GROUP=$1-$$
	groupadd "$TEST_GROUP" || { echo "FATAL: groupadd $TEST_GROUP"; exit 1; }
	TEST_GROUPS="$TEST_GROUPS $TEST_GROUP"
	usermod -a -G "$TEST_GROUP" "$2" || { echo "FATAL: usermod"; exit 1; }
}
as() { local u=$1; shift; runuser -u "$u" -- "$@"; }

# mount_osfs [options]: starts osfs in the foreground (in the background
# of this shell) on $STORE, with its stderr in $WORK/osfs.err.
mount_osfs() {
	mkdir -p "$MNT" 2>/dev/null # a stale mount fails this: osfs clears it
	"$OSFS" -f -o "store=$STORE" "$@" "$MNT" 2>>"$WORK/osfs.err" &
	OSFS_PID=$!
	# statfs reaches the daemon (stat may be answered from the kernel's
	# cache even by a dead mount); the underlying folder has no tenants/.
	for _ in $(seq 100); do
		[ "$(stat -f -c %T "$MNT" 2>/dev/null)" = fuseblk ] && [ -d "$MNT/tenants" ] && return 0
		kill -0 "$OSFS_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "FATAL: osfs did not mount"; cat "$WORK/osfs.err"; exit 1
}

remount_osfs() {
	unmount_osfs
	mount_osfs "$@"
}

pass() { PASSED=$((PASSED + 1)); echo "ok   - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $1"; shift; [ $# -gt 0 ] && printf '       %s\n' "$@"; }

# check "what" command...: the command succeeds.
check() {
	local what=$1; shift
	local out
	if out=$("$@" 2>&1); then pass "$what"; else fail "$what" "command: $*" "output: $out"; fi
}

# check_not "what" command...: the command fails (any error).
check_not() {
	local what=$1; shift
	local out
	if out=$("$@" 2>&1); then fail "$what" "command: $* (succeeded)" "output: $out"; else pass "$what"; fi
}

# fails_with ERRNAME "what" command...: the command fails and its error
# output names that errno's text (as cp, mv, rm print it).
fails_with() {
	local err=$1 what=$2; shift 2
	local out text
	text=$(errtext "$err")
	if out=$("$@" 2>&1); then
		fail "$what" "command: $* (succeeded, expected $err)"
	elif printf '%s' "$out" | grep -qF "$text"; then
		pass "$what"
	else
		fail "$what" "command: $*" "expected $err ($text), got: $out"
	fi
}

# equal "what" expected actual (multi-line values are shown as a diff)
equal() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	elif [ "$(printf '%s' "$2" | wc -l)" -gt 2 ]; then
		fail "$1" "$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | head -20)"
	else
		fail "$1" "expected: $2" "actual:   $3"
	fi
}

# contains "what" file-or-text pattern: fixed-string match
log_has() {
	if grep -qF -- "$2" "$1" 2>/dev/null; then pass "$3"; else fail "$3" "no '$2' in $1:" "$(tail -5 "$1" 2>/dev/null)"; fi
}

# The artifact of a small package, built from arguments:
#   artifact ID VERSION [NAMESPACE] [DEPS_JSON] [EXTRA_TOP_LEVEL_JSON]
# e.g. artifact com.acme.crm 1.0.0 crm '{}' '"objects":[...]'
artifact() {
	local id=$1 ver=$2 ns=${3:-} deps=${4:-'{}'} extra=${5:-}
	local nsfield=""
	[ -n "$ns" ] && nsfield="\"namespace\": \"$ns\","
	printf '{"manifest": {"id": "%s", %s "version": "%s", "name": "%s", "type": "app", "dependencies": %s}%s%s}\n' \
		"$id" "$nsfield" "$ver" "$id" "$deps" "${extra:+,}" "$extra"
}

# A snapshot of a tree for comparisons: path, type, size, inode, mtime,
# mode, owner.  The log of a tenant is left out: every event is in it.
snapshot() {
	(cd "$1" && find . -printf '%p %y %s %i %T@ %m %U %G\n' | grep -v '^\./log ' | sort)
}

finish() {
	if [ -s "$WORK/osfs.err" ] && grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$WORK/osfs.err"; then
		fail "daemon sanitizer report" "$(grep -E -A20 'AddressSanitizer|runtime error|LeakSanitizer' "$WORK/osfs.err" | head -40)"
	fi
	echo "# $TEST_NAME: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}
