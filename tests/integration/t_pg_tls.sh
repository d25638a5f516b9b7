#!/usr/bin/env bash
# docs/operations.md's PostgreSQL setup, checked (issue 13 step 8): a role
# that owns the schema osfs and nothing more (no CREATE on its database, not
# the database's owner) mounts, creates the schema's tables, installs, and
# passes osfsctl fsck; every connection of the daemon is TLS with
# sslmode=verify-full against the CA in sslrootcert=; a CA that did not sign
# the server's certificate is refused at mount.
#
# It starts its own server with TLS (OSFS_PG_SSL=1 tests/pg/server.sh start):
# under make test when PostgreSQL 15 and openssl are installed; skipped under
# make test-pg, which would run it twice.
. "$(dirname "$0")/lib.sh"
PGSH=$(cd "$(dirname "$0")/../pg" && pwd)/server.sh
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -z "$PG_DB" ] || { echo "skip - runs under make test (it starts its own server)"; exit 0; }
[ -x "$PGBIN/initdb" ] || { echo "skip - no PostgreSQL 15 (apt-get install postgresql-15)"; exit 0; }
command -v openssl >/dev/null || { echo "skip - no openssl"; exit 0; }
[ "$(id -u)" -eq 0 ] || { echo "skip - needs root (the server runs as the postgres user)"; exit 0; }

# The server's folder is outside $WORK (0700, root's): postgres must reach it.
P=$(mktemp -d /tmp/osfs-pgtls.XXXXXX) && rmdir "$P"
trap 'unmount_osfs; "$PGSH" stop "$P" 2>/dev/null; cleanup' EXIT

OSFS_PG_SSL=1 "$PGSH" start "$P" >/dev/null || { echo "FATAL: no server"; exit 1; }
PORT=$(. "$P/env" && echo "$OSFS_PG_PORT")
CA=$(. "$P/env" && echo "$OSFS_PG_SSLROOTCERT")
su_sql() { "$PGSH" psql "$P" -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# The role and grants of docs/operations.md, "Roles and grants": a database
# the role does not own, CONNECT on it, the schema osfs owned by the role.
# The password goes on psql's stdin, never on a command line.
PW=$(head -c 18 /dev/urandom | base64 | tr -d '/+=\n')
su_sql -d postgres >/dev/null <<SQL || { echo "FATAL: cannot create the role"; exit 1; }
CREATE ROLE osfs_app LOGIN PASSWORD '$PW';
CREATE DATABASE appdb;
REVOKE ALL ON DATABASE appdb FROM PUBLIC;
GRANT CONNECT ON DATABASE appdb TO osfs_app;
\c appdb
CREATE SCHEMA osfs AUTHORIZATION osfs_app;
SQL
(umask 077 && echo "127.0.0.1:$PORT:appdb:osfs_app:$PW" >"$WORK/pgpass")
equal "the role may not create schemas in its database" f \
	"$(su_sql -d appdb -c "SELECT has_database_privilege('osfs_app', 'appdb', 'CREATE')")"

STORE="postgresql://osfs_app@127.0.0.1:$PORT/appdb?sslmode=verify-full&sslrootcert=$CA"
mount_osfs -o store_passfile="$WORK/pgpass"
pass "mounted with the schema-only role, sslmode=verify-full"
check "mkdir a tenant" mkdir "$MNT/tenants/acme"
artifact com.test.tls 1.0.0 >"$WORK/tls.json"
check "install by cp" cp "$WORK/tls.json" "$MNT/tenants/acme/install/tls.json"
check "the package is in packages/" test -d "$MNT/tenants/acme/packages/com.test.tls@1.0.0"
equal "the tables are the role's, in its schema" 0 \
	"$(su_sql -d appdb -c "SELECT count(*) FROM pg_tables WHERE tableowner <> 'osfs_app' AND schemaname = 'osfs'")"
equal "nothing of the role's outside the schema osfs (but its tables' TOAST)" 0 \
	"$(su_sql -d appdb -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relowner = 'osfs_app'::regrole AND n.nspname NOT IN ('osfs', 'pg_toast')")"
# Every backend of the role (pool and listener) came over TLS.
conns=$(su_sql -d postgres -c "SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'osfs_app'")
if [ "${conns#*|}" != 0 ] && [ "${conns%|*}" = "${conns#*|}" ]; then
	pass "every connection of the daemon is TLS ($conns)"
else
	fail "every connection of the daemon is TLS" "ssl|all: $conns"
fi
check "osfsctl fsck as the role, over TLS" env PGPASSFILE="$WORK/pgpass" "$OSFSCTL" fsck --store "$STORE"
unmount_osfs

# A CA that did not sign the server's certificate: refused at mount.
openssl req -new -x509 -days 1 -nodes -newkey rsa:2048 -subj "/CN=another CA" \
	-keyout "$WORK/other.key" -out "$WORK/other.crt" >/dev/null 2>&1 || { echo "FATAL: openssl"; exit 1; }
mkdir -p "$MNT"
out=$(timeout 60 "$OSFS" -o "store=postgresql://osfs_app@127.0.0.1:$PORT/appdb?sslmode=verify-full&sslrootcert=$WORK/other.crt,store_passfile=$WORK/pgpass" "$MNT" 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -qF 'certificate verify failed'; then
	pass "another CA: the mount is refused ($rc), certificate verify failed"
else
	fail "another CA: the mount is refused" "exit $rc" "$out"
	grep -qF " $MNT " /proc/mounts && fusermount3 -u "$MNT"
fi
finish
