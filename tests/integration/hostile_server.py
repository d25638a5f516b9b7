#!/usr/bin/env python3
"""A hostile catalog server for the integration tests (standard library only).

    hostile_server.py --root DIR --rules FILE --log FILE --port-file FILE

Serves the files under DIR on 127.0.0.1 (a free port, written to the port
file once it listens), except for the paths the rules file names.  The rules
are read again for every request, so a test changes the server's behaviour
by rewriting the file.  They are a JSON object, path -> behaviour:

    {"status": 403}                       that status, a short body
    {"redirect": URL, "status": 307}      a redirect (any method)
    {"trickle": BYTES_PER_S}              the file, its true Content-Length,
                                          then its bytes at that rate (0: none)
    {"huge": N, "length": true}           N bytes of spaces, Content-Length N
    {"huge": N, "length": false}          the same without Content-Length
    {"huge": N, "gzip": true}             N bytes of spaces gzip-encoded on
                                          the fly (Content-Encoding: gzip)

Every request is one line in the log: METHOD PATH auth=VALUE (or auth=-),
written before it is answered.  A PUT's body is read and dropped.
"""

import argparse
import json
import os
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOG_LOCK = threading.Lock()
CHUNK = 1 << 16


def rules():
    try:
        with open(ARGS.rules) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


class Handler(BaseHTTPRequestHandler):
    server_version = "hostile/1"

    def log_message(self, fmt, *args):  # quiet: the log file says what matters
        pass

    def note(self):
        auth = self.headers.get("Authorization") or "-"
        with LOG_LOCK, open(ARGS.log, "a") as f:
            f.write("%s %s auth=%s\n" % (self.command, self.path, auth))

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drain(self):
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            got = self.rfile.read(min(n, CHUNK))
            if not got:
                break
            n -= len(got)

    def file_bytes(self):
        path = os.path.normpath(os.path.join(ARGS.root, self.path.split("?")[0].lstrip("/")))
        if not path.startswith(os.path.abspath(ARGS.root)) or not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            return f.read()

    def trickle(self, rate):
        data = self.file_bytes()
        if data is None:
            return self.send(404, b"not found\n")
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.flush()
        for i in range(len(data)):
            if rate <= 0:
                time.sleep(3600)
            time.sleep(1.0 / rate)
            self.wfile.write(data[i:i + 1])
            self.wfile.flush()

    def huge(self, n, length, gzip):
        self.send_response(200)
        block = b" " * (1 << 20)
        if gzip:
            self.send_header("Content-Encoding", "gzip")
        elif length:
            self.send_header("Content-Length", str(n))
        self.end_headers()
        z = zlib.compressobj(6, zlib.DEFLATED, 31) if gzip else None
        sent = 0
        while sent < n:
            part = block[:min(len(block), n - sent)]
            sent += len(part)
            out = z.compress(part) if z else part
            if out:
                self.wfile.write(out)
        if z:
            self.wfile.write(z.flush())

    def answer(self):
        self.note()
        if self.command == "PUT":
            self.drain()
        rule = rules().get(self.path.split("?")[0])
        try:
            if rule is None:
                if self.command != "GET":
                    return self.send(405, b"method not allowed\n")
                data = self.file_bytes()
                return self.send(200, data) if data is not None else self.send(404, b"not found\n")
            if "redirect" in rule:
                return self.send(rule.get("status", 307), b"moved\n", [("Location", rule["redirect"])])
            if "trickle" in rule:
                return self.trickle(rule["trickle"])
            if "huge" in rule:
                return self.huge(rule["huge"], rule.get("length", True), rule.get("gzip", False))
            return self.send(rule.get("status", 500), b"as the rules say\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: what a hostile test expects

    do_GET = answer
    do_PUT = answer


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--rules", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--port-file", required=True)
    ARGS = p.parse_args()
    ARGS.root = os.path.abspath(ARGS.root)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, ARGS.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
