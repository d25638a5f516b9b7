# A catalog server for the tests: Debian's nginx (package "nginx", which
# has the WebDAV module) on 127.0.0.1 and a free port, with the
# configuration of docs/catalog.md.  Sourced after lib.sh:
#
#   . "$(dirname "$0")/nginx.sh"
#   nginx_start TOKEN     # serves $WORK/catalog-root, sets $CATALOG_URL
#   nginx_stop            # also run by the EXIT trap this file sets
#
# Everything nginx writes (config, pid, logs, request bodies) stays in
# $WORK/nginx; it runs in the foreground (daemon off) as a child of the
# test, and is stopped by the pid recorded when it started.

NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
NGINX_DIR=$WORK/nginx
NGINX_PID=
CATALOG_ROOT=$WORK/catalog-root
CATALOG_URL=
# A proxy from the environment must not stand between osfsctl and loopback.
export no_proxy="127.0.0.1${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1${NO_PROXY:+,$NO_PROXY}"

trap 'nginx_stop; cleanup' EXIT

# nginx_conf PORT TOKEN: the configuration, on stdout.
nginx_conf() {
	local port=$1 token=$2 user=
	# The token is a quoted string in nginx's syntax: escape \ and ".
	token=$(printf '%s' "$token" | sed 's/[\\"]/\\&/g')
	# As root, the workers would otherwise become "nobody", who cannot
	# enter $WORK (mode 0700).
	[ "$(id -u)" = 0 ] && user="user root;"
	cat <<EOF
daemon off;
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/logs/error.log;
$user
events { worker_connections 64; }
http {
    access_log $NGINX_DIR/logs/access.log;
    client_body_temp_path $NGINX_DIR/tmp/body;
    proxy_temp_path $NGINX_DIR/tmp/proxy;
    fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
    uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
    scgi_temp_path $NGINX_DIR/tmp/scgi;
    client_max_body_size 100m;
    default_type application/json;

    map "\$request_method:\$http_authorization" \$refused {
        default 0;
        "~^(PUT|DELETE|MKCOL|COPY|MOVE):" 1;
        "PUT:Bearer $token" 0;
    }
    server {
        listen 127.0.0.1:$port;
        root $CATALOG_ROOT;
        location / {
            if (\$refused) { return 401; }
            dav_methods PUT;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }
    }
}
EOF
}

# 0 if something accepts connections on 127.0.0.1:PORT.
nginx_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# nginx_try PORT TOKEN: starts nginx there; 0 once it listens, 1 if it
# exited (the port was taken after all, or the config is wrong).
nginx_try() {
	nginx_conf "$1" "$2" >"$NGINX_DIR/nginx.conf"
	"$NGINX" -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/logs/error.log" \
		>>"$NGINX_DIR/logs/stderr" 2>&1 &
	NGINX_PID=$!
	for _ in $(seq 100); do
		nginx_port_busy "$1" && return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.05
	done
	nginx_stop
	return 1
}

nginx_start() {
	local token=$1 port
	if [ ! -x "$NGINX" ]; then
		echo "FATAL: nginx is not installed (Debian: apt-get install nginx)"; exit 1
	fi
	mkdir -p "$NGINX_DIR/logs" "$NGINX_DIR/tmp" "$CATALOG_ROOT"
	for _ in $(seq 20); do
		port=$((20000 + RANDOM % 40000))
		nginx_port_busy "$port" && continue
		if nginx_try "$port" "$token"; then
			CATALOG_URL=http://127.0.0.1:$port
			return 0
		fi
		grep -q "Address already in use" "$NGINX_DIR/logs/error.log" "$NGINX_DIR/logs/stderr" 2>/dev/null || break
	done
	echo "FATAL: nginx did not start"
	cat "$NGINX_DIR/logs/stderr" "$NGINX_DIR/logs/error.log" 2>/dev/null | tail -20
	exit 1
}

# Stops the nginx this test started (by its pid, never by name).
nginx_stop() {
	if [ -n "$NGINX_PID" ]; then
		kill -TERM "$NGINX_PID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$NGINX_PID" 2>/dev/null
		wait "$NGINX_PID" 2>/dev/null
		NGINX_PID=
	fi
}
