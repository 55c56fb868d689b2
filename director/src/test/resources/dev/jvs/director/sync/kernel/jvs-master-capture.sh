#!/bin/sh
# JVS master sync daemon with DR services and real traffic (bench/lib/dr_topology.sh, offloads off as committed);
# tcpdump captures its sync datagrams. Usage: jvs-master.sh REPO OUTDIR
set -u
R=$1 OUT=$2 p=jk15 n=79
VIP=10.$n.0.100
mkdir -p "$OUT"
PIDS=
"$R/bench/lib/dr_topology.sh" up $p $n
for x in r1 r2; do
  ip netns exec $p$x python3 -c '
import socketserver, sys
name = sys.argv[1].encode()
class H(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(name + b"\n"); self.wfile.flush()
        for line in self.rfile:
            self.wfile.write(name + b"\n"); self.wfile.flush()
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer((sys.argv[2], int(sys.argv[3])), H).serve_forever()' $x $VIP 80 > /dev/null 2>&1 &
  PIDS="$PIDS $!"
  ip netns exec $p$x python3 -c '
import socketserver, sys
name = sys.argv[1].encode()
class H(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(name + b"\n"); self.wfile.flush()
        for line in self.rfile:
            self.wfile.write(name + b"\n"); self.wfile.flush()
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer((sys.argv[2], int(sys.argv[3])), H).serve_forever()' $x $VIP 443 > /dev/null 2>&1 &
  PIDS="$PIDS $!"
done
for c in 20 21 22 23; do ip -n ${p}c addr add 10.$n.0.$c/24 dev eth0; done
export JVS_SOCKET=$OUT/jvs.sock
ip netns exec ${p}d env JVS_SOCKET=$JVS_SOCKET "$R/bin/jvs-director" --interface eth0 > "$OUT/director.log" 2>&1 &
D=$!
for i in $(seq 100); do [ -S "$JVS_SOCKET" ] && break; sleep 0.2; done
A="$R/bin/ipvsadm"
$A -A -t $VIP:80 -s rr -p 300
$A -A -t $VIP:443 -s rr
for r in 11 12; do $A -a -t $VIP:80 -r 10.$n.0.$r -g; $A -a -t $VIP:443 -r 10.$n.0.$r -g; done
ip netns exec ${p}d tcpdump -U -i eth0 -w "$OUT/jvs-master.pcap" udp port 8848 > "$OUT/tcpdump.log" 2>&1 &
T=$!
sleep 1
$A --start-daemon master --mcast-interface eth0 --syncid 7
sleep 1
ip netns exec ${p}c python3 - <<'PY' > "$OUT/traffic.log" 2>&1 &
import socket, time
VIP = "10.79.0.100"
held = []
def tcp(src, port, close):
    s = socket.socket(); s.bind((src, 0)); s.settimeout(5)
    s.connect((VIP, port))
    name = s.recv(64).decode().strip()
    s.sendall(b"hello\n"); s.recv(64); time.sleep(0.05); s.sendall(b"again\n"); s.recv(64)
    print("tcp %s -> %d: %s %s" % (s.getsockname(), port, name, "closed" if close else "held"), flush=True)
    if close: s.close()
    else: held.append(s)
for src in ["10.79.0.20", "10.79.0.21", "10.79.0.22", "10.79.0.23"]:
    tcp(src, 80, False)
    tcp(src, 80, True)
for src in ["10.79.0.20", "10.79.0.21"]:
    tcp(src, 443, False)
    tcp(src, 443, True)
time.sleep(20)
PY
sleep 6
cat "$OUT/traffic.log"
$A -Lnc | tee "$OUT/jvs-master-Lnc.txt"
sleep 2
kill $T; wait $T
kill $D; wait $D
"$R/bench/lib/dr_topology.sh" down $p $n
kill $PIDS 2>/dev/null
true
