#!/usr/bin/env bash
# Memory under a sustained connection rate: the director at -Xmx512m, wrk opening new connections
# (Connection: close) as fast as the machine allows for DURATION seconds (default 300) through a NAT service
# with two nginx backends on loopback. Every SAMPLE seconds it records the live heap (after a full GC it asks
# for with jcmd), the entries in the table and how long the director takes to answer `ipvsadm -Ln` on its
# control socket; at the end it stops the director with SIGTERM and reports whether it exited cleanly.
#
#   bench/nat_memory.sh                 # 5 minutes
#   DURATION=60 bench/nat_memory.sh     # a quick look
#
# Memory must stay bounded by rate x TIME_WAIT timeout x a small entry: the heap after GC flattens once the
# first TIME_WAIT entries expire (120 s), `-Ln` stays under 100 ms, and SIGTERM ends the process.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JVS_DIRECTOR=${JVS_DIRECTOR:-$ROOT/bin/jvs-director}
IPVSADM=${IPVSADM:-$ROOT/bin/ipvsadm}
DURATION=${DURATION:-300}
SAMPLE=${SAMPLE:-10}
CONNS=${CONNS:-64}
HEAP=${HEAP:-512m}
BASE=${BASE_PORT:-19300}
B1=$((BASE + 1)); B2=$((BASE + 2)); VPORT=$((BASE + 10))
RESULTS=$ROOT/bench/results

fail() { echo "nat_memory: $*" >&2; exit 1; }
for tool in nginx wrk python3; do command -v "$tool" >/dev/null || fail "$tool not found (apt-get install -y nginx wrk)"; done
[ -x "$JVS_DIRECTOR" ] || fail "no director at $JVS_DIRECTOR (build JVS first)"

TMP=$(mktemp -d -t jvs-memory.XXXXXX)
chmod 755 "$TMP"
OUT=$RESULTS/nat_memory-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
# shellcheck source=lib/processes.sh
. "$ROOT/bench/lib/processes.sh"
# shellcheck source=lib/web_backends.sh
. "$ROOT/bench/lib/web_backends.sh"
for p in $B1 $B2 $VPORT; do port_open "$p" && fail "port $p is in use (set BASE_PORT)"; done

mkdir -p "$TMP/www"
printf 'jvs bench\n' > "$TMP/www/index.html"
chmod 755 "$TMP/www"; chmod 644 "$TMP/www/index.html"
start_web_backends "$B1" "$B2"

SOCKET=$TMP/jvs.sock
GC_LOG=$OUT/gc.log
SAFEPOINT_LOG=$OUT/safepoint.log
export JVS_JAVA_OPTS="${JVS_JAVA_OPTS:-} -Xmx$HEAP -Xlog:gc:file=$GC_LOG:uptime -Xlog:safepoint:file=$SAFEPOINT_LOG:uptime"
start jvs "$JVS_DIRECTOR" --socket "$SOCKET"
deadline=$((SECONDS + 30))
until [ -S "$SOCKET" ]; do [ "$SECONDS" -lt "$deadline" ] || fail "the director did not start"; sleep 0.1; done
export JVS_SOCKET=$SOCKET
"$IPVSADM" -A -t "127.0.0.1:$VPORT" -s rr
"$IPVSADM" -a -t "127.0.0.1:$VPORT" -r "127.0.0.1:$B1" -m
"$IPVSADM" -a -t "127.0.0.1:$VPORT" -r "127.0.0.1:$B2" -m
wait_port "$VPORT"

# Times the director's own answer to `-L -n` on its control socket (no CLI start-up), prints ms and entries.
cat > "$TMP/list.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
t0 = time.monotonic()
s.connect(sys.argv[1])
s.sendall(b"jvs1\tipvsadm\tsingle\n1\t-L\t-n\n")
s.shutdown(socket.SHUT_WR)
reply = b""
while chunk := s.recv(65536):
    reply += chunk
ms = (time.monotonic() - t0) * 1000
entries = 0
for line in reply.decode(errors="replace").splitlines():
    f = line[1:].split()
    if len(f) >= 6 and f[0] == "->" and f[4].isdigit() and f[5].isdigit():
        entries += int(f[4]) + int(f[5])
print(f"{ms:.1f} {entries}")
PY

JVS_PID=$(pgrep -g "${PGID[jvs]}" java | head -n 1)
live_heap() {
    jcmd "$JVS_PID" GC.run >/dev/null 2>&1 || { echo none; return; }
    jcmd "$JVS_PID" GC.heap_info 2>/dev/null | awk '/ used /{ for (i = 1; i <= NF; i++) if ($i == "used") {
        v = $(i + 1); sub(/,$/, "", v); n = v + 0
        if (v ~ /K$/) n /= 1024; else if (v ~ /G$/) n *= 1024
        printf "%.0fM\n", n; exit } }'
}

echo "== wrk -t2 -c$CONNS -d${DURATION}s -H 'Connection: close' through 127.0.0.1:$VPORT, director at -Xmx$HEAP"
wrk -t2 -c"$CONNS" -d"${DURATION}s" -H 'Connection: close' "http://127.0.0.1:$VPORT/index.html" > "$OUT/wrk.txt" 2>&1 &
WRK=$!
printf '%8s %14s %10s %12s\n' seconds heap_after_gc entries ipvsadm_-Ln | tee "$OUT/samples.txt"
t0=$SECONDS
worst_ms=0
while kill -0 "$WRK" 2>/dev/null; do
    sleep "$SAMPLE"
    answer=$(timeout 20 python3 "$TMP/list.py" "$SOCKET" 2>/dev/null || echo "20000 0") # no answer in 20 s
    read -r ms entries <<< "$answer" || true
    # The live heap: after a full collection (a young collection leaves old garbage in place until the next
    # marking cycle, so its "after" figure grows between cycles even when nothing leaks).
    heap=$(live_heap)
    printf '%8d %14s %10s %12s\n' $((SECONDS - t0)) "${heap:-none}" "$entries" "$ms ms" | tee -a "$OUT/samples.txt"
    worst_ms=$(awk -v a="$worst_ms" -v b="$ms" 'BEGIN { print (b + 0 > a + 0) ? b : a }')
done
wait "$WRK" || true
rate=$(awk '/^Requests\/sec:/ { print $2 }' "$OUT/wrk.txt")

JVS_PID=${PGID[jvs]}
kill -TERM "$JVS_PID"
t_term=$SECONDS
exit_code=
for _ in $(seq 300); do
    if ! kill -0 "$JVS_PID" 2>/dev/null; then wait "$JVS_PID" && exit_code=0 || exit_code=$?; break; fi
    sleep 0.1
done
unset 'PGID[jvs]'
if [ -z "$exit_code" ]; then
    exit_verdict="did NOT exit within 30 s of SIGTERM"
    kill -KILL "$JVS_PID" 2>/dev/null || true
else
    exit_verdict="exited $exit_code $((SECONDS - t_term)) s after SIGTERM"
fi
full_gcs=$(grep 'Pause Full' "$GC_LOG" | grep -vc 'Diagnostic Command' || true) # not counting the samples' own
# Every stop of the Java threads, whatever the collector: count, longest and total
stw=$(awk '/Total: [0-9]+ ns/ { v = $0; sub(/.*Total: /, "", v); v += 0; n++; t += v; if (v > m) m = v } END { printf "%d pauses, longest %.1f ms, total %.0f ms", n, m / 1e6, t / 1e6 }' "$SAFEPOINT_LOG")
cp "$TMP/jvs.out" "$OUT/director.log"
heaps=$(awk 'NR == 2 { f = $2 } NR > 1 { l = $2 } END { print f " ... " l }' "$OUT/samples.txt")
{
    echo
    echo "connection rate: $rate new connections/s for ${DURATION}s (wrk -c$CONNS, Connection: close)"
    echo "heap after GC, first and last samples: $heaps"
    echo "longest ipvsadm -Ln answer: $worst_ms ms; full GCs: $full_gcs; stop-the-world: $stw"
    echo "JVS_JAVA_OPTS: $JVS_JAVA_OPTS"
    echo "director $exit_verdict"
} | tee -a "$OUT/samples.txt"
echo "raw outputs: $OUT"
