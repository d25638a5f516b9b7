#!/usr/bin/env bash
# A catalog server that crawls never stalls the mount (issue 11 item 7,
# docs/security.md "Catalog servers").  A Python server on loopback sends
# one artifact at 1 byte a second; with -o catalog_stall=5, twelve readers
# of it (more than libfuse's ten worker threads, which a download inside
# open() used to tie up: `ls` then took a minute) wait for one shared
# download while everything else answers at once, and all of them get EIO
# after about 5 s, the reason on the daemon's stderr.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/catalog_env.sh"
. "$(dirname "$0")/hostile.sh"
. "$(dirname "$0")/catalog_tree.sh"

CRAWL=/packages/com.acme.crm/1.0.0.json
READERS=12

hostile_start A
catalog_tree "$WORK/A/root" "$V100" "$V110" "$HD"
mount_osfs -o "catalog=$HOSTILE_URL,catalog_stall=5"
check "the catalog is listed" test -e "$C/com.acme.crm/1.0.0.json"
check "1.1.0 is downloaded (and cached)" cmp "$V110" "$C/com.acme.crm/1.1.0.json"
mkdir "$MNT/tenants/t1"

gets() { grep -c "^GET $1 " "$WORK/A/log"; }
# timed "what" command...: runs it, prints how long it took, passes if it
# succeeded within 2 s (the stall lasts 5 s; the same operations take a
# few milliseconds without it).
timed() {
	local what=$1 start end ms out
	shift
	start=$(date +%s%N)
	out=$("$@" 2>&1)
	local rc=$?
	end=$(date +%s%N)
	ms=$(((end - start) / 1000000))
	if [ "$rc" = 0 ] && [ "$ms" -lt 2000 ]; then pass "$what (${ms} ms)"
	else fail "$what" "exit $rc after ${ms} ms (expected 0, under 2000 ms)" "$out"; fi
}

hostile_rules A "{\"$CRAWL\": {\"trickle\": 1}}"
start=$(date +%s)
for i in $(seq $READERS); do
	(cat "$C/com.acme.crm/1.0.0.json" >"$WORK/out.$i" 2>"$WORK/err.$i"; echo $? >"$WORK/rc.$i") &
done
for _ in $(seq 100); do [ "$(gets "$CRAWL")" -ge 1 ] && break; sleep 0.05; done
sleep 0.5 # the readers are waiting in open()

timed "while it crawls: ls tenants" ls "$MNT/tenants"
timed "... stat of a catalog file" stat "$C/com.acme.crm/1.1.0.json"
timed "... ls -l of the crawling file's folder" ls -l "$C/com.acme.crm"
timed "... cat of a cached catalog file" cmp "$V110" "$C/com.acme.crm/1.1.0.json"
timed "... an install in a tenant" cp "$C/com.acme.crm/1.1.0.json" "$MNT/tenants/t1/install/"
timed "... mkdir of a tenant" mkdir "$MNT/tenants/t2"
timed "... another catalog file, downloaded now" cmp "$HD" "$C/com.acme.helpdesk/0.3.0.json"
timed "... its log" grep -q "installed com.acme.crm@1.1.0" "$MNT/tenants/t1/log"
pending=0
for i in $(seq $READERS); do [ -e "$WORK/rc.$i" ] || pending=$((pending + 1)); done
equal "... all of that while the $READERS readers still waited" $READERS "$pending"

wait_readers() {
	for _ in $(seq 600); do
		local done=0
		for i in $(seq $READERS); do [ -e "$WORK/rc.$i" ] && done=$((done + 1)); done
		[ "$done" = $READERS ] && return 0
		sleep 0.1
	done
	return 1
}
check "the readers end" wait_readers
elapsed=$(($(date +%s) - start))
echo "#    the readers of the crawling file ended after ${elapsed} s"
check "... after about catalog_stall (5 s; ${elapsed} s, under 30)" test "$elapsed" -ge 4 -a "$elapsed" -lt 30
failed=0
for i in $(seq $READERS); do
	[ "$(cat "$WORK/rc.$i")" != 0 ] && grep -qF "Input/output error" "$WORK/err.$i" && failed=$((failed + 1))
done
equal "... every one of them with EIO" $READERS "$failed"
equal "... after one download for all of them" 1 "$(gets "$CRAWL")"
log_has "$WORK/osfs.err" "catalog: cannot download com.acme.crm@1.0.0: $HOSTILE_URL$CRAWL: the server sent less than 1024 bytes a second for 5 s: the transfer was abandoned" \
	"the daemon says why"
equal "... once" 1 "$(grep -c "cannot download com.acme.crm@1.0.0" "$WORK/osfs.err")"

hostile_rules A '{}'
check "once the server is fast again, a new read downloads it" cmp "$V100" "$C/com.acme.crm/1.0.0.json"
equal "... with a second request" 2 "$(gets "$CRAWL")"

# Stopping the daemon (SIGTERM, as systemd does) while a download crawls
# cancels it: the daemon does not wait for the server.
hostile_rules A "{\"/packages/com.acme.crm/1.1.0.json\": {\"trickle\": 1}}"
STORE=$WORK/second.db
remount_osfs -o "catalog=$HOSTILE_URL,catalog_stall=60"
(cat "$C/com.acme.crm/1.1.0.json" >/dev/null 2>&1; echo $? >"$WORK/rc.term") &
for _ in $(seq 100); do [ "$(gets /packages/com.acme.crm/1.1.0.json)" -ge 2 ] && break; sleep 0.05; done
sleep 0.5
start=$(date +%s)
kill -TERM "$OSFS_PID"
for _ in $(seq 300); do kill -0 "$OSFS_PID" 2>/dev/null || break; sleep 0.1; done
elapsed=$(($(date +%s) - start))
check "SIGTERM during a crawling download: the daemon exits at once (${elapsed} s, under 10)" \
	sh -c "! kill -0 $OSFS_PID 2>/dev/null && [ $elapsed -lt 10 ]"
wait "$OSFS_PID" 2>/dev/null
OSFS_PID=
fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -u -z "$MNT" 2>/dev/null
for _ in $(seq 100); do [ -e "$WORK/rc.term" ] && break; sleep 0.1; done
check "... and its reader gets an error, not a hang" sh -c "[ -e '$WORK/rc.term' ] && [ \$(cat '$WORK/rc.term') != 0 ]"

finish
