# Hostile catalog servers for the tests: tests/integration/hostile_server.py
# (Python's standard library) on 127.0.0.1 and a free port.  Sourced after
# lib.sh (and after nginx.sh, if a test uses both):
#
#   . "$(dirname "$0")/hostile.sh"
#   hostile_start NAME     # serves $WORK/NAME/root; sets $HOSTILE_URL;
#                          # rules in $WORK/NAME/rules, requests in $WORK/NAME/log
#   hostile_rules NAME JSON
#   hostile_stop NAME      # also run for every server by the EXIT trap
#
# Each server is a child of the test, stopped by the pid recorded when it
# started.

PYTHON=${PYTHON:-$(command -v python3 || echo /usr/bin/python3)}
HOSTILE_SERVER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/hostile_server.py
HOSTILE_URL=
declare -A HOSTILE_PIDS=()
export no_proxy="127.0.0.1${no_proxy:+,$no_proxy}" NO_PROXY="127.0.0.1${NO_PROXY:+,$NO_PROXY}"

hostile_stop() {
	local pid=${HOSTILE_PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "HOSTILE_PIDS[$1]"
}

hostile_stop_all() {
	local n
	for n in "${!HOSTILE_PIDS[@]}"; do hostile_stop "$n"; done
}

trap 'unmount_osfs; hostile_stop_all; if declare -F nginx_stop >/dev/null; then nginx_stop; fi; cleanup' EXIT

hostile_rules() {
	printf '%s\n' "$2" >"$WORK/$1/rules.tmp" && mv "$WORK/$1/rules.tmp" "$WORK/$1/rules"
}

hostile_start() {
	local d=$WORK/$1
	mkdir -p "$d/root"
	[ -e "$d/rules" ] || echo '{}' >"$d/rules"
	: >"$d/log"
	rm -f "$d/port"
	"$PYTHON" "$HOSTILE_SERVER" --root "$d/root" --rules "$d/rules" --log "$d/log" --port-file "$d/port" \
		2>>"$d/stderr" &
	HOSTILE_PIDS[$1]=$!
	for _ in $(seq 100); do
		if [ -s "$d/port" ]; then
			HOSTILE_URL=http://127.0.0.1:$(cat "$d/port")
			return 0
		fi
		kill -0 "${HOSTILE_PIDS[$1]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "FATAL: the hostile server $1 did not start"; cat "$d/stderr"; exit 1
}
