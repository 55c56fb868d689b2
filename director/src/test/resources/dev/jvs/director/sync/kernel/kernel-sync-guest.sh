# Kernel master sync daemon with DR services and real traffic; its datagrams are captured (payload bytes, one
# file per datagram) and also received by a kernel backup daemon in another namespace, whose -Lnc is the reference.
set -e
. "$LAB/net.sh"
lab_topology
VIP=10.10.0.10
lab_vip $VIP
# DR replies come back through the guest with the VIP, a local address, as source: accept them (and no rp_filter)
for k in all default br-rs cl-d; do sysctl -qw net.ipv4.conf.$k.accept_local=1 net.ipv4.conf.$k.rp_filter=0; done
lab_sources 10.20.0.1 10.20.0.2 10.20.0.3 10.20.0.4
for i in 1 2 3; do
    ip -n rs$i addr add $VIP/32 dev lo
    rm -f /tmp/dr$i.ready
    ip netns exec rs$i python3 "$LAB/rs.py" rs$i $VIP 80,443,53 /tmp/dr$i.ready &
done
for i in 1 2 3; do n=0; while [ ! -e /tmp/dr$i.ready ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n+1)); done; done

services() {  # $1: command prefix (empty or "ip netns exec kbk")
    $1 ipvsadm -A -t $VIP:80 -s rr -p 300
    $1 ipvsadm -A -t $VIP:443 -s rr
    $1 ipvsadm -A -u $VIP:53 -s rr
    for i in 1 2 3; do
        $1 ipvsadm -a -t $VIP:80 -r 10.10.1.1$i -g
        $1 ipvsadm -a -t $VIP:443 -r 10.10.1.1$i -g
        $1 ipvsadm -a -u $VIP:53 -r 10.10.1.1$i -g
    done
}
services ""

# sync segment: bridge br-sy 10.30.0.1 in the guest; netns cap (capture) 10.30.0.2, netns kbk (kernel backup) 10.30.0.3
ip link add br-sy type bridge mcast_snooping 0
ip addr add 10.30.0.1/24 dev br-sy
ip link set br-sy up
n=2
for ns in cap kbk; do
    ip netns add $ns
    ip link add $ns-d type veth peer name eth0 netns $ns
    ip link set $ns-d master br-sy up
    ip -n $ns link set lo up
    ip -n $ns addr add 10.30.0.$n/24 dev eth0
    ip -n $ns link set eth0 up
    n=$((n+1))
done
services "ip netns exec kbk"
ip netns exec kbk ipvsadm --start-daemon backup --mcast-interface eth0 --syncid 7

cat > /tmp/cap.py <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("224.0.0.81", 8848))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("224.0.0.81") + socket.inet_aton("10.30.0.2"))
open("/tmp/cap.ready", "w").close()
s.settimeout(0.5)
n = 0
import os
while not os.path.exists("/tmp/cap.stop"):
    try:
        data, peer = s.recvfrom(65535)
    except socket.timeout:
        continue
    n += 1
    open("%s/kernel-master-%02d.bin" % (sys.argv[1], n), "wb").write(data)
    print("datagram %d from %s: %d bytes" % (n, peer, len(data)), flush=True)
PY
rm -f /tmp/cap.ready
ip netns exec cap python3 /tmp/cap.py "$OUT" > "$OUT/capture.log" 2>&1 &
CAP=$!
while [ ! -e /tmp/cap.ready ]; do sleep 0.1; done
ipvsadm --start-daemon master --mcast-interface br-sy --syncid 7
ipvsadm -L --daemon

cat > /tmp/traffic.py <<'PY'
import socket, time
VIP = "10.10.0.10"
held = []
def tcp(src, port, close):
  try:
    s = socket.socket(); s.bind((src, 0)); s.settimeout(5)
    s.connect((VIP, port))
    name = s.recv(64).decode().strip()
    s.sendall(b"hello\n"); time.sleep(0.05); s.sendall(b"again\n")
    print("tcp %s -> %d: %s %s" % (s.getsockname(), port, name, "closed" if close else "held"), flush=True)
    if close: s.close()
    else: held.append(s)
  except Exception as e:
    print("tcp %s -> %d failed: %s" % (src, port, e), flush=True)
for src in ["10.20.0.1", "10.20.0.2", "10.20.0.3", "10.20.0.4"]:
    tcp(src, 80, False)
    tcp(src, 80, True)
for src in ["10.20.0.1", "10.20.0.2"]:
    tcp(src, 443, False)
    tcp(src, 443, True)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("10.20.0.3", 5353)); u.settimeout(5)
for i in range(4):
  try:
    u.sendto(b"q", (VIP, 53)); print("udp:", u.recv(64).decode().strip(), flush=True)
  except Exception as e:
    print("udp failed:", e, flush=True)
time.sleep(4)
open("/tmp/traffic.held", "w").close()
time.sleep(12)
PY
rm -f /tmp/traffic.held
ip netns exec cl python3 /tmp/traffic.py > "$OUT/traffic.log" 2>&1 &
while [ ! -e /tmp/traffic.held ]; do sleep 0.2; done
cat "$OUT/traffic.log"
sleep 3
echo "== master -Lnc"; ipvsadm -Lnc | tee "$OUT/kernel-master-Lnc.txt"
echo "== backup -Lnc"; ip netns exec kbk ipvsadm -Lnc | tee "$OUT/kernel-backup-Lnc.txt"
echo "== backup -Ln --persistent-conn"; ip netns exec kbk ipvsadm -Ln --persistent-conn | tee "$OUT/kernel-backup-Ln.txt"
sleep 3
touch /tmp/cap.stop
wait $CAP || true
ipvsadm --stop-daemon master
cat "$OUT/capture.log"
ls -l "$OUT"

echo '=== direction B: JVS master -> kernel backup'
set +e
# Kernel backup sync daemon fed with a JVS master's captured datagrams (embedded base64): what does it install?
VIP=10.79.0.100
ip netns add kb2
ip netns exec kb2 ip link set lo up
ipvsadm() { ip netns exec kb2 /usr/sbin/ipvsadm "$@"; }
ipvsadm -A -t $VIP:80 -s rr -p 300
ipvsadm -A -t $VIP:443 -s rr
for r in 11 12; do ipvsadm -a -t $VIP:80 -r 10.79.0.$r -g; ipvsadm -a -t $VIP:443 -r 10.79.0.$r -g; done
ip netns add snd
ip link add sy0 netns kb2 type veth peer name eth0 netns snd
ip -n kb2 addr add 10.40.0.1/24 dev sy0
ip -n kb2 link set sy0 up
ip -n snd link set lo up
ip -n snd addr add 10.40.0.2/24 dev eth0
ip -n snd link set eth0 up
ipvsadm --start-daemon backup --mcast-interface sy0 --syncid 7
ipvsadm -L --daemon
mkdir -p /tmp/msgs
base64 -d > /tmp/msgs/jvs-master-01.bin <<'B64'
AAcFqCgBAAAABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAUCk8AZApPAAwABgAkAAARAwAAAAAA
UABQAAAAAAAAASwKTwAUCk8AZApPAAwABgAkAAAAAwABgkUAUABQAAAAAAAAA4QKTwAUCk8AZApP
AAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAUCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAA
AAAAASwKTwAUCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAUCk8AZApPAAwABgAk
AAARAwAAAAAAUABQAAAAAAAAASwKTwAUCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwK
TwAUCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAUCk8AZApPAAwABgAkAAARAwAA
AAAAUABQAAAAAAAAASwKTwAUCk8AZApPAAwABgAkAAAAAwABpucAUABQAAAAAAAAA4QKTwAUCk8A
ZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAUCk8AZApPAAwABgAkAAARAwAAAAAAUABQ
AAAAAAAAASwKTwAUCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAUCk8AZApPAAwA
BgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAUCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAA
ASwKTwAUCk8AZApPAAwABgAkAAABAwAEpucAUABQAAAAAAAAAHgKTwAUCk8AZApPAAwABgAkAAAR
AwAAAAAAUABQAAAAAAAAASwKTwAUCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAV
Ck8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAVCk8AZApPAAsABgAkAAARAwAAAAAA
UABQAAAAAAAAASwKTwAUCk8AZApPAAwABgAkAAAAAwAByxMAUABQAAAAAAAAA4QKTwAVCk8AZApP
AAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAVCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAA
AAAAASwKTwAVCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAVCk8AZApPAAsABgAk
AAARAwAAAAAAUABQAAAAAAAAASwKTwAVCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwK
TwAVCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAVCk8AZApPAAsABgAkAAARAwAA
AAAAUABQAAAAAAAAASwKTwAVCk8AZApPAAsABgAkAAAAAwABkbMAUABQAAAAAAAAA4QKTwAVCk8A
ZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAVCk8AZApPAAsABgAkAAARAwAAAAAAUABQ
AAAAAAAAASwKTwAVCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAVCk8AZApPAAsA
BgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAVCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAA
ASwKTwAVCk8AZApPAAsABgAkAAABAwAEkbMAUABQAAAAAAAAAHgKTwAVCk8AZApPAAsABgAkAAAR
AwAAAAAAUABQAAAAAAAAASwKTwAVCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAW
Ck8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAWCk8AZApPAAwABgAkAAARAwAAAAAA
UABQAAAAAAAAASwKTwAVCk8AZApPAAs=
B64
base64 -d > /tmp/msgs/jvs-master-02.bin <<'B64'
AAcFqCgBAAAABgAkAAAAAwABuT8AUABQAAAAAAAAA4QKTwAWCk8AZApPAAwABgAkAAARAwAAAAAA
UABQAAAAAAAAASwKTwAWCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAWCk8AZApP
AAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAWCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAA
AAAAASwKTwAWCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAWCk8AZApPAAwABgAk
AAARAwAAAAAAUABQAAAAAAAAASwKTwAWCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwK
TwAWCk8AZApPAAwABgAkAAAAAwABzuEAUABQAAAAAAAAA4QKTwAWCk8AZApPAAwABgAkAAARAwAA
AAAAUABQAAAAAAAAASwKTwAWCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAWCk8A
ZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAWCk8AZApPAAwABgAkAAARAwAAAAAAUABQ
AAAAAAAAASwKTwAWCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAWCk8AZApPAAwA
BgAkAAABAwAEzuEAUABQAAAAAAAAAHgKTwAWCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAA
ASwKTwAWCk8AZApPAAwABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAXCk8AZApPAAsABgAkAAAR
AwAAAAAAUABQAAAAAAAAASwKTwAXCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAW
Ck8AZApPAAwABgAkAAAAAwABoe8AUABQAAAAAAAAA4QKTwAXCk8AZApPAAsABgAkAAARAwAAAAAA
UABQAAAAAAAAASwKTwAXCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAXCk8AZApP
AAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAXCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAA
AAAAASwKTwAXCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAXCk8AZApPAAsABgAk
AAARAwAAAAAAUABQAAAAAAAAASwKTwAXCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwK
TwAXCk8AZApPAAsABgAkAAAAAwABvukAUABQAAAAAAAAA4QKTwAXCk8AZApPAAsABgAkAAARAwAA
AAAAUABQAAAAAAAAASwKTwAXCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAXCk8A
ZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAXCk8AZApPAAsABgAkAAARAwAAAAAAUABQ
AAAAAAAAASwKTwAXCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAXCk8AZApPAAsA
BgAkAAABAwAEvukAUABQAAAAAAAAAHgKTwAXCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAA
ASwKTwAXCk8AZApPAAsABgAkAAARAwAAAAAAUABQAAAAAAAAASwKTwAXCk8AZApPAAsABgAkAAAA
AwABoU0BuwG7AAAAAAAAA4QKTwAUCk8AZApPAAwABgAkAAAAAwABofcBuwG7AAAAAAAAA4QKTwAU
Ck8AZApPAAsABgAkAAABAwAEofcBuwG7AAAAAAAAAHgKTwAUCk8AZApPAAsABgAkAAAAAwABz6UB
uwG7AAAAAAAAA4QKTwAVCk8AZApPAAw=
B64
base64 -d > /tmp/msgs/jvs-master-03.bin <<'B64'
AAcAUAIBAAAABgAkAAAAAwABoI0BuwG7AAAAAAAAA4QKTwAVCk8AZApPAAsABgAkAAABAwAEoI0B
uwG7AAAAAAAAAHgKTwAVCk8AZApPAAs=
B64
sleep 1
ip netns exec snd python3 - <<'PY'
import socket, glob, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("10.40.0.2"))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
for f in sorted(glob.glob("/tmp/msgs/*.bin")):
    data = open(f, "rb").read()
    s.sendto(data, ("224.0.0.81", 8848))
    print("sent", f, len(data), flush=True)
    time.sleep(0.2)
PY
sleep 2
echo "== kernel backup -Lnc"; ipvsadm -Lnc | tee "$OUT/kernel-backup-Lnc.txt"
echo "== kernel backup -Ln --persistent-conn"; ipvsadm -Ln --persistent-conn | tee "$OUT/kernel-backup-Ln.txt"
