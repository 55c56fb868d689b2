#!/usr/bin/env python3
"""A real server for bench/soak.sh: "http ADDR PORT" serves /small and /bulk (4 MiB) over HTTP/1.1 keep-alive;
"echo PORT" echoes lines on 0.0.0.0:PORT (the VIP is on lo for direct routing)."""
import http.server
import socketserver
import sys

SMALL = b"ok\n"
BULK = bytes(range(256)) * (4 << 12)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - the http.server hook name
        body = BULK if self.path == "/bulk" else SMALL
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if sys.argv[1] == "http":
    Server((sys.argv[2], int(sys.argv[3])), Handler).serve_forever()
else:
    Server(("0.0.0.0", int(sys.argv[2])), Echo).serve_forever()
