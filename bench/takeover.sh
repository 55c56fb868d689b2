#!/usr/bin/env bash
# Restarts nobody notices: ROUNDS takeovers in a row (SIGUSR1: the running director starts its successor with
# --takeover; each successor is the next one's predecessor) under NAT load on loopback, counting failed requests
# and lost datagrams. Not a test: a longer run than TakeoverIT's single takeover.
#   bench/takeover.sh [ROUNDS]      (default 10; after mvn -B -q -DskipTests package; needs python3)
# Load (bench/lib/takeover_load.py): three threads of HTTP requests on new connections (Connection: close) to a
# TCP NAT service, two threads of numbered UDP request/reply exchanges (2 s per reply) through a UDP NAT service.
# Exit status: 1 if a request failed, a datagram was lost or a takeover did not complete.
set -euo pipefail
rounds=${1:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
sock=$work/jvs.sock
log=$work/director.log
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -n "${director:-}" ] && kill "$director" 2>/dev/null || true
    echo "takeover: logs kept in $work"
}
trap cleanup EXIT INT TERM
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
web1=$(port) web2=$(port) udp1=$(port) udp2=$(port) vport=$(port)
for p in $web1 $web2; do
    python3 -m http.server "$p" --bind 127.0.0.1 --directory "$work" >/dev/null 2>&1 &
    pids+=($!)
done
for p in $udp1 $udp2; do
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    data, peer = s.recvfrom(512); s.sendto(b"echo " + data, peer)' "$p" &
    pids+=($!)
done
"$here/bin/jvs-director" --socket "$sock" --drain-timeout 10 >"$log" 2>&1 &
director=$!
ipvsadm() { JVS_SOCKET=$sock "$here/bin/ipvsadm" "$@"; }
for i in $(seq 1 100); do grep -q "jvs-director ready" "$log" && break; sleep 0.2; done
ipvsadm -A -t 127.0.0.1:$vport -s rr
ipvsadm -a -t 127.0.0.1:$vport -r 127.0.0.1:$web1 -m
ipvsadm -a -t 127.0.0.1:$vport -r 127.0.0.1:$web2 -m
ipvsadm -A -u 127.0.0.1:$vport -s rr
ipvsadm -a -u 127.0.0.1:$vport -r 127.0.0.1:$udp1 -m
ipvsadm -a -u 127.0.0.1:$vport -r 127.0.0.1:$udp2 -m
exec 3> >(python3 "$here/bench/lib/takeover_load.py" 127.0.0.1 $vport $vport >"$work/result.json")
sleep 3
status=0
started=$(date +%s)
for round in $(seq 1 "$rounds"); do
    old=$director
    kill -USR1 "$old"
    director=
    for i in $(seq 1 300); do
        director=$(sed -n "s/.*started a successor (pid \([0-9]*\)).*/\1/p" "$log" | tail -n 1)
        [ -n "$director" ] && [ "$director" != "$old" ] && grep -q "took over from pid $old" "$log" && break
        director=; sleep 0.1
    done
    if [ -z "$director" ]; then echo "takeover: round $round: no successor took over from pid $old" >&2; status=1; break; fi
    while kill -0 "$old" 2>/dev/null; do sleep 0.1; done  # not our child: wait for it to be gone
    echo "takeover: round $round: pid $old -> pid $director"
    sleep 2
done
seconds=$(($(date +%s) - started))
echo stop >&3
exec 3>&-
for i in $(seq 1 50); do [ -s "$work/result.json" ] && break; sleep 0.2; done
python3 - "$work/result.json" "$rounds" "$seconds" <<'PY' || status=1
import json, sys
r = json.load(open(sys.argv[1]))
c = r["counts"]
print("takeover: %s takeovers in %s s: %d requests served, %d datagrams answered, %d failures"
      % (sys.argv[2], sys.argv[3], c["requests"], c["datagrams"], len(r["failures"])))
for f in r["failures"][:20]:
    print("  " + f)
sys.exit(1 if r["failures"] else 0)
PY
exit $status
