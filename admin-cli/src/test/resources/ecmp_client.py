"""Client for EcmpBgpIT, run in the client namespace.

  ecmp_client.py spread VIP PORT N          N new connections, one echo each; prints the servers' names
  ecmp_client.py flows VIP PORT N STOPFILE  N long-lived flows, an echo every 100 ms each, until STOPFILE exists;
                                            then one line per flow:
                                            flow I NAME changed=0|1 broken=0|TIME replies=R gaps=T:G,...
                                            (gaps: every wait of more than 150 ms between replies, wall-clock start)
"""
import os
import selectors
import socket
import sys
import time

INTERVAL = 0.1


def spread(vip, port, n):
    for _ in range(n):
        s = socket.create_connection((vip, port), timeout=5)
        s.sendall(b"hello\n")
        print(s.makefile().readline().strip(), flush=True)
        s.close()


class Flow:
    def __init__(self, i, sock):
        self.i, self.sock = i, sock
        self.name, self.changed, self.broken = None, False, 0
        self.replies, self.gaps, self.buf = 0, [], b""
        self.last = time.time()
        self.next_send = self.last + (i % 100) * INTERVAL / 100
        self.waiting = False


def flows(vip, port, n, stop):
    sel = selectors.DefaultSelector()
    fl = []
    for i in range(n):
        s = socket.create_connection((vip, port), timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        f = Flow(i, s)
        fl.append(f)
        sel.register(s, selectors.EVENT_READ, f)
    while not os.path.exists(stop):
        now = time.time()
        for f in fl:
            if not f.broken and not f.waiting and now >= f.next_send:
                try:
                    f.sock.send(b"ping\n")
                    f.waiting = True
                except OSError:
                    f.broken = now
        for key, _ in sel.select(timeout=0.01):
            f = key.data
            try:
                data = f.sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                f.broken = f.broken or time.time()
                sel.unregister(f.sock)
                continue
            f.buf += data
            while b"\n" in f.buf:
                line, f.buf = f.buf.split(b"\n", 1)
                t = time.time()
                name = line.decode().strip()
                if f.name is None:
                    f.name = name
                elif name != f.name:
                    f.changed = True
                if t - f.last > 0.15 and f.replies > 0:
                    f.gaps.append("%.3f:%.3f" % (f.last, t - f.last))
                f.last, f.replies, f.waiting = t, f.replies + 1, False
                f.next_send = t + INTERVAL
    for f in fl:
        print("flow %d %s changed=%d broken=%s replies=%d gaps=%s" % (
            f.i, f.name, f.changed, ("%.3f" % f.broken) if f.broken else "0", f.replies, ",".join(f.gaps)),
            flush=True)


if __name__ == "__main__":
    mode, vip, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if mode == "spread":
        spread(vip, port, n)
    else:
        flows(vip, port, n, sys.argv[5])
