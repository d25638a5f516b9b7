#!/usr/bin/env bash
# server.sh: a throwaway PostgreSQL 15 for the tests (docs/scale-out.md,
# step 3), on 127.0.0.1 and in a folder of its own.
#
#   tests/pg/server.sh start [DIR]   make DIR (default: a new /tmp/osfs-pg.XXXXXX),
#                                    initdb and start a server in it; prints the
#                                    connection string (one line) on stdout
#   tests/pg/server.sh stop DIR      stop that server (its own postmaster only)
#                                    and remove DIR
#   tests/pg/server.sh standby PDIR [DIR]
#                                    a streaming hot standby of the server in
#                                    PDIR (pg_basebackup -R -c fast over PDIR's
#                                    socket), started in DIR; prints its
#                                    connection string; its passfile holds the
#                                    osfs role's password for both servers
#   tests/pg/server.sh psql DIR ...  psql as the cluster's superuser over its
#                                    socket (for tests that need one:
#                                    pg_terminate_backend, settings)
#
# What start leaves in DIR:
#   conninfo   the connection string printed (no password in it)
#   passfile   the osfs role's password, libpq passfile format, mode 0600,
#              owned by the caller (pass it as -o store_passfile= or PGPASSFILE)
#   env        shell lines: OSFS_PG_DIR, OSFS_PG_URI, OSFS_PG_PASSFILE, OSFS_PG_PORT
#   pid        the postmaster's pid;  log  the server log;  data/  the cluster
#
# The server runs as an unprivileged user, as PostgreSQL requires: the
# `postgres` system user when run as root (DIR is chowned to it), the caller
# otherwise.  The role `osfs` logs in over TCP with a password (scram-sha-256)
# and owns the database `osfs`; the superuser only over the socket in DIR (peer).
# fsync is off: the tests kill daemons, not this server
# (OSFS_PG_FSYNC=on to keep it).
#
# OSFS_PG_SSL=1 (start only): TLS as docs/operations.md sets it up, with a
# throwaway CA made by openssl: DIR/ca.crt (the CA to name in sslrootcert=),
# a server certificate for 127.0.0.1 and localhost signed by it, ssl=on;
# env also gets OSFS_PG_SSLROOTCERT.  Plain TCP is still accepted (the
# client chooses with sslmode).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
MARK=.osfs-pg-server # only a folder holding this is ever removed by stop

die() { echo "tests/pg/server.sh: $*" >&2; exit 1; }

# as_pg CMD...: run as the server's user.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$PGUSER_OS" -- "$@"
	else
		"$@"
	fi
}

pg_user_for() {
	if [ "$(id -u)" -eq 0 ]; then
		id -u postgres >/dev/null 2>&1 || die "run as root, it needs the postgres system user (apt-get install postgresql-15)"
		PGUSER_OS=postgres
	else
		PGUSER_OS=$(id -un)
	fi
}

# A TCP port on 127.0.0.1 that nothing listens on right now (the server's
# own start is the real test: start retries with another port).
free_port() {
	python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# server_dir [DIR]: makes DIR (default: a new /tmp/osfs-pg.XXXXXX; it must be
# empty), marks it as this script's, gives it and DIR/sock to the server's
# user, 0700; prints its absolute path.
server_dir() {
	local dir=$1
	if [ -z "$dir" ]; then
		dir=$(mktemp -d /tmp/osfs-pg.XXXXXX)
	else
		mkdir -p "$dir"
		[ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
	fi
	dir=$(cd "$dir" && pwd)
	touch "$dir/$MARK"
	[ "$(id -u)" -ne 0 ] || chown "$PGUSER_OS" "$dir"
	chmod 0700 "$dir"
	mkdir "$dir/sock"
	[ "$(id -u)" -ne 0 ] || chown "$PGUSER_OS" "$dir/sock"
	echo "$dir"
}

# write_env DIR URI PORT: DIR/conninfo and DIR/env (see the head of this file).
write_env() {
	echo "$2" >"$1/conninfo"
	cat >"$1/env" <<ENV
OSFS_PG_DIR=$1
OSFS_PG_URI=$2
OSFS_PG_PASSFILE=$1/passfile
OSFS_PG_PORT=$3
ENV
}

# start_on_free_port DIR WHAT: starts the cluster of DIR/data on a free port
# (tried again on another if taken meanwhile), writes DIR/pid, prints the port.
start_on_free_port() {
	local dir=$1 what=$2 port tries=0
	while :; do
		port=$(free_port)
		sed -i '/^port = /d' "$dir/data/postgresql.conf"
		echo "port = $port" >>"$dir/data/postgresql.conf"
		if as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null 2>&1; then
			break
		fi
		tries=$((tries + 1))
		if [ "$tries" -ge 5 ]; then
			tail -20 "$dir/log" >&2 || true
			die "the $what did not start (5 tries; log in $dir/log)"
		fi
	done
	head -1 "$dir/data/postmaster.pid" >"$dir/pid"
	echo "$port"
}

start() {
	local dir=${1:-}
	[ -x "$PGBIN/initdb" ] || die "no PostgreSQL 15 at $PGBIN (apt-get install postgresql-15)"
	pg_user_for
	dir=$(server_dir "$dir")
	mkdir "$dir/data"
	[ "$(id -u)" -ne 0 ] || chown "$PGUSER_OS" "$dir/data"
	as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
		--auth-local=peer --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; die "initdb failed"; }
	if [ "${OSFS_PG_SSL:-0}" = 1 ]; then
		make_certs "$dir"
	fi
	cat >>"$dir/data/postgresql.conf" <<CONF
# tests/pg/server.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/sock'
password_encryption = 'scram-sha-256'
fsync = ${OSFS_PG_FSYNC:-off}
synchronous_commit = on
shared_buffers = 16MB
max_connections = 100
logging_collector = off
CONF
	local port
	port=$(start_on_free_port "$dir" server)
	local pw
	pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')
	# The password goes on psql's stdin, never on a command line (ps).
	as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$port" -U postgres -d postgres \
		>/dev/null <<SQL || die "cannot create the osfs role (log in $dir/log)"
CREATE ROLE osfs LOGIN PASSWORD '$pw';
CREATE DATABASE osfs OWNER osfs;
SQL
	(umask 077 && echo "127.0.0.1:$port:*:osfs:$pw" >"$dir/passfile")
	local uri="postgresql://osfs@127.0.0.1:$port/osfs"
	write_env "$dir" "$uri" "$port"
	[ "${OSFS_PG_SSL:-0}" = 1 ] && echo "OSFS_PG_SSLROOTCERT=$dir/ca.crt" >>"$dir/env"
	echo "$uri"
}

# make_certs DIR: a CA (DIR/ca.crt; its key is thrown away) and a server
# certificate for 127.0.0.1 and localhost in DIR/data, ssl=on.  The same
# openssl commands as docs/operations.md, "TLS".
make_certs() {
	local dir=$1 t
	command -v openssl >/dev/null || die "OSFS_PG_SSL=1 needs openssl"
	t=$(mktemp -d) || die "mktemp"
	(
		set -e
		cd "$t"
		openssl req -new -x509 -days 2 -nodes -newkey rsa:2048 -subj "/CN=osfs test CA" \
			-keyout ca.key -out ca.crt
		openssl req -new -nodes -newkey rsa:2048 -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
		printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >san.ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
			-extfile san.ext -out server.crt
	) >"$dir/certs.log" 2>&1 || { rm -rf "$t"; cat "$dir/certs.log" >&2; die "openssl failed"; }
	install -m 0644 "$t/ca.crt" "$dir/ca.crt"
	install -m 0644 -o "$PGUSER_OS" "$t/server.crt" "$dir/data/server.crt"
	install -m 0600 -o "$PGUSER_OS" "$t/server.key" "$dir/data/server.key"
	rm -rf "$t"
	cat >>"$dir/data/postgresql.conf" <<CONF
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
CONF
}

standby() {
	local pdir=${1:?usage: server.sh standby PDIR [DIR]} dir=${2:-}
	[ -e "$pdir/$MARK" ] || die "$pdir was not made by tests/pg/server.sh"
	pg_user_for
	# shellcheck disable=SC1091
	. "$pdir/env"
	local pport=$OSFS_PG_PORT
	dir=$(server_dir "$dir")
	as_pg "$PGBIN/pg_basebackup" -D "$dir/data" -R -c fast -X stream -h "$pdir/sock" -p "$pport" -U postgres \
		>"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; die "pg_basebackup failed"; }
	cat >>"$dir/data/postgresql.conf" <<CONF
# tests/pg/server.sh standby
unix_socket_directories = '$dir/sock'
hot_standby = on
hot_standby_feedback = on
CONF
	local port
	port=$(start_on_free_port "$dir" standby)
	local pw
	pw=$(cut -d: -f5- "$pdir/passfile")
	(umask 077 && printf '127.0.0.1:%s:*:osfs:%s\n127.0.0.1:%s:*:osfs:%s\n' "$pport" "$pw" "$port" "$pw" >"$dir/passfile")
	local uri="postgresql://osfs@127.0.0.1:$port/osfs"
	write_env "$dir" "$uri" "$port"
	echo "$uri"
}

stop() {
	local dir=${1:?usage: server.sh stop DIR}
	[ -d "$dir" ] || return 0
	[ -e "$dir/$MARK" ] || die "$dir was not made by tests/pg/server.sh: not touching it"
	pg_user_for
	if [ -s "$dir/data/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
	fi
	# If pg_ctl could not, end the postmaster this script started, by its
	# pid, and only if that pid is still a postgres with this data folder.
	local pid
	pid=$(cat "$dir/pid" 2>/dev/null || true)
	if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/data"; then
		kill -QUIT "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}

psql_su() {
	local dir=${1:?usage: server.sh psql DIR [psql arguments]}
	shift
	pg_user_for
	# shellcheck disable=SC1091
	. "$dir/env"
	as_pg "$PGBIN/psql" -X -h "$dir/sock" -p "$OSFS_PG_PORT" -U postgres "$@"
}

case "${1:-}" in
start) shift; start "$@" ;;
stop) shift; stop "$@" ;;
standby) shift; standby "$@" ;;
psql) shift; psql_su "$@" ;;
*) echo "usage: tests/pg/server.sh start [DIR] | standby PDIR [DIR] | stop DIR | psql DIR [args]" >&2; exit 2 ;;
esac
