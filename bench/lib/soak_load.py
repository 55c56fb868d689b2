#!/usr/bin/env python3
"""Client load for bench/soak.sh, run in the client namespace.

NAT: short requests (Connection: close), one keep-alive connection, bulk downloads; DR: long-lived echo flows
that send a line every second. Every failure is recorded with its time and cause; at the end, failures of NAT
requests inside a window when a real server was down (from the events file) are counted as expected.
Usage: soak_load.py VIP NAT_PORT DR_PORT SECONDS EVENTS_FILE RESULT_FILE
"""
import http.client
import json
import socket
import sys
import threading
import time

vip, nat_port, dr_port, seconds, events_file, result_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    float(sys.argv[4]), sys.argv[5], sys.argv[6]
deadline = time.time() + seconds
lock = threading.Lock()
ok = {"short": 0, "keepalive": 0, "bulk": 0, "dr_echo": 0}
errors = []  # (time, kind, cause)


def fail(kind, cause):
    with lock:
        errors.append((time.time(), kind, cause))


def count(kind):
    with lock:
        ok[kind] += 1


def get(conn, path):
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise IOError("HTTP %d" % resp.status)
    return body


def short():
    while time.time() < deadline:
        conn = http.client.HTTPConnection(vip, nat_port, timeout=5)
        try:
            conn.request("GET", "/small", headers={"Connection": "close"})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                raise IOError("HTTP %d" % resp.status)
            count("short")
        except Exception as e:  # noqa: BLE001 - every failure is counted by its cause
            fail("short", type(e).__name__ + ": " + str(e))
            time.sleep(0.05)
        finally:
            conn.close()


def keepalive():
    conn = None
    while time.time() < deadline:
        try:
            if conn is None:
                conn = http.client.HTTPConnection(vip, nat_port, timeout=5)
            get(conn, "/small")
            count("keepalive")
            time.sleep(0.01)
        except Exception as e:  # noqa: BLE001
            fail("keepalive", type(e).__name__ + ": " + str(e))
            conn = None
            time.sleep(0.05)


def bulk():
    while time.time() < deadline:
        conn = http.client.HTTPConnection(vip, nat_port, timeout=10)
        try:
            body = get(conn, "/bulk")
            if len(body) != 4 << 20:
                raise IOError("short body %d" % len(body))
            count("bulk")
        except Exception as e:  # noqa: BLE001
            fail("bulk", type(e).__name__ + ": " + str(e))
            time.sleep(0.05)
        finally:
            conn.close()


def dr_flow(i):
    sock = None
    n = 0
    while time.time() < deadline:
        try:
            if sock is None:
                sock = socket.create_connection((vip, dr_port), timeout=5)
                f = sock.makefile("rb")
            line = ("flow %d line %d\n" % (i, n)).encode()
            sock.sendall(line)
            if f.readline() != line:
                raise IOError("echo mismatch")
            count("dr_echo")
            n += 1
            time.sleep(1)
        except Exception as e:  # noqa: BLE001
            fail("dr_flow", type(e).__name__ + ": " + str(e))
            sock = None
            time.sleep(0.5)


threads = [threading.Thread(target=t) for t in (short, keepalive, bulk)]
threads += [threading.Thread(target=dr_flow, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()

# A real server is down from its "kill" event until 3 s after its "restart" event.
windows, down = [], {}
with open(events_file) as f:
    for line in f:
        parts = line.split()
        if len(parts) >= 3 and parts[1] == "kill":
            down[parts[2]] = float(parts[0])
        elif len(parts) >= 3 and parts[1] == "restart" and parts[2] in down:
            windows.append((down.pop(parts[2]), float(parts[0]) + 3))
for start in down.values():
    windows.append((start, float("inf")))
expected, unexpected = {}, {}
for t, kind, cause in errors:
    bucket = expected if kind != "dr_flow" and any(a <= t <= b for a, b in windows) else unexpected
    key = kind + " " + cause.split(":")[0]
    bucket[key] = bucket.get(key, 0) + 1
with open(result_file, "w") as f:
    json.dump({"ok": ok, "expected": expected, "unexpected": unexpected,
               "unexpected_samples": [e for e in errors if e[1] == "dr_flow" or
                                      not any(a <= e[0] <= b for a, b in windows)][:10]}, f)
