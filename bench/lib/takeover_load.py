#!/usr/bin/env python3
"""Client load for bench/takeover.sh: NAT requests on new connections (Connection: close) and UDP request/reply
exchanges (one socket per thread, numbered datagrams, 2 s for each reply), until a line arrives on stdin. Prints
one JSON line of counts and failures (each with its cause) at the end.
Usage: takeover_load.py HOST TCP_PORT UDP_PORT
"""
import http.client
import json
import socket
import sys
import threading

host, tcp_port, udp_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
stop = threading.Event()
lock = threading.Lock()
counts = {"requests": 0, "datagrams": 0}
failures = []


def add(kind, failure=None):
    with lock:
        if failure is None:
            counts[kind] += 1
        else:
            failures.append(kind + ": " + failure)


def requests():
    while not stop.is_set():
        conn = http.client.HTTPConnection(host, tcp_port, timeout=5)
        try:
            conn.request("GET", "/", headers={"Connection": "close"})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                raise IOError("HTTP %d" % resp.status)
            add("requests")
        except Exception as e:  # noqa: BLE001 - every failure is counted with its cause
            add("requests", type(e).__name__ + ": " + str(e))
        finally:
            conn.close()


def datagrams(name):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    seq = 0
    while not stop.is_set():
        seq += 1
        request = ("%s %d" % (name, seq)).encode()
        s.sendto(request, (host, udp_port))
        try:
            while True:
                reply = s.recv(512)
                if reply.endswith(b" " + request):
                    add("datagrams")
                    break
        except socket.timeout:
            add("datagrams", "no reply to " + request.decode())


threads = [threading.Thread(target=requests) for _ in range(3)]
threads += [threading.Thread(target=datagrams, args=("udp%d" % i,)) for i in range(2)]
for t in threads:
    t.start()
sys.stdin.readline()
stop.set()
for t in threads:
    t.join()
print(json.dumps({"counts": counts, "failures": failures}), flush=True)
