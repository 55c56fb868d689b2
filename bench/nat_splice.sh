#!/usr/bin/env bash
# Bulk TCP through JVS NAT with the splice(2) relay on and off, interleaved in one run: two directors, both on
# the epoll transport, one with --splice on and one with --splice off, in front of the same nginx (a 1 MiB file)
# and iperf3 server on loopback. Each round measures, for each director in turn: iperf3 with 1 and 4 streams and
# 1 MiB GETs (wrk -c8), and the CPU the director used meanwhile. Prints each run and the medians.
#
#   bench/nat_splice.sh                      # 3 rounds of 8 s per measurement
#   ROUNDS=1 DURATION=5 bench/nat_splice.sh  # a quick look
#
# Needs nginx, iperf3, wrk (apt-get install -y nginx-full iperf3 wrk) and a built JVS
# (mvn -B -q -DskipTests package). Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JVS_DIRECTOR=${JVS_DIRECTOR:-$ROOT/bin/jvs-director}
IPVSADM=${IPVSADM:-$ROOT/bin/ipvsadm}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-10}
BASE=${BASE_PORT:-19700}
WEB=$((BASE + 1)); IPERF=$((BASE + 2))
declare -A VWEB=([on]=$((BASE + 11)) [off]=$((BASE + 21)))
declare -A VIPERF=([on]=$((BASE + 12)) [off]=$((BASE + 22)))

fail() { echo "nat_splice: $*" >&2; exit 1; }
for tool in nginx iperf3 wrk setsid; do command -v "$tool" >/dev/null || fail "$tool not found (apt-get install -y nginx-full iperf3 wrk)"; done
[ -x "$JVS_DIRECTOR" ] || fail "no director at $JVS_DIRECTOR (build JVS first)"

TMP=$(mktemp -d -t jvs-splice.XXXXXX)
chmod 755 "$TMP"
# shellcheck source=lib/processes.sh
. "$ROOT/bench/lib/processes.sh"
for p in $WEB $IPERF "${VWEB[@]}" "${VIPERF[@]}"; do port_open "$p" && fail "127.0.0.1:$p is in use (set BASE_PORT)"; done

mkdir -p "$TMP/www" "$TMP/temp"
head -c 1048576 /dev/zero > "$TMP/www/1m.bin"
chmod 755 "$TMP/www"; chmod 644 "$TMP/www/1m.bin"
cat > "$TMP/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $TMP/temp/b; proxy_temp_path $TMP/temp/p; fastcgi_temp_path $TMP/temp/f;
    uwsgi_temp_path $TMP/temp/u; scgi_temp_path $TMP/temp/s;
    default_type application/octet-stream;
    server { listen 127.0.0.1:$WEB; root $TMP/www; }
}
CONF
start nginx nginx -p "$TMP" -c "$TMP/nginx.conf"
start iperf3 iperf3 -s -B 127.0.0.1 -p "$IPERF"
wait_port "$WEB"; wait_port "$IPERF"

for mode in on off; do
    start "jvs-$mode" "$JVS_DIRECTOR" --socket "$TMP/jvs-$mode.sock" --transport epoll --splice "$mode"
    deadline=$((SECONDS + 30))
    until [ -S "$TMP/jvs-$mode.sock" ]; do
        [ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$TMP/jvs-$mode.out" >&2; fail "director --splice $mode did not start"; }
        sleep 0.1
    done
    JVS_SOCKET=$TMP/jvs-$mode.sock "$IPVSADM" -A -t "127.0.0.1:${VWEB[$mode]}" -s rr
    JVS_SOCKET=$TMP/jvs-$mode.sock "$IPVSADM" -a -t "127.0.0.1:${VWEB[$mode]}" -r "127.0.0.1:$WEB" -m
    JVS_SOCKET=$TMP/jvs-$mode.sock "$IPVSADM" -A -t "127.0.0.1:${VIPERF[$mode]}" -s rr
    JVS_SOCKET=$TMP/jvs-$mode.sock "$IPVSADM" -a -t "127.0.0.1:${VIPERF[$mode]}" -r "127.0.0.1:$IPERF" -m
    wait_port "${VWEB[$mode]}"; wait_port "${VIPERF[$mode]}"
done

cpu_seconds() { # CPU time of a director's processes so far
    local total=0
    for pid in $(pgrep -g "${PGID[jvs-$1]}"); do
        [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}
gbps_wrk() { awk '/^Transfer\/sec:/ { v = $2; n = v + 0; if (v ~ /GB$/) n *= 8; else if (v ~ /MB$/) n *= 8 / 1024; printf "%.2f", n }' "$1"; }
gbps_iperf() { python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$1" 2>/dev/null || echo nan; }

echo "== warm-up (${WARMUP}s per director)"
for mode in on off; do
    wrk -t2 -c8 -d"${WARMUP}s" "http://127.0.0.1:${VWEB[$mode]}/1m.bin" >/dev/null 2>&1 || true
done
: > "$TMP/values"
for r in $(seq "$ROUNDS"); do
    for mode in on off; do
        cpu0=$(cpu_seconds "$mode"); t0=$(date +%s.%N)
        for streams in 1 4; do
            iperf3 -c 127.0.0.1 -p "${VIPERF[$mode]}" -t "$DURATION" -P "$streams" -J > "$TMP/iperf.json" 2>&1 || true
            echo "iperf$streams $mode $(gbps_iperf "$TMP/iperf.json")" >> "$TMP/values"
        done
        wrk -t2 -c8 -d"${DURATION}s" "http://127.0.0.1:${VWEB[$mode]}/1m.bin" > "$TMP/wrk.txt" 2>&1 || true
        echo "mib $mode $(gbps_wrk "$TMP/wrk.txt")" >> "$TMP/values"
        cpu1=$(cpu_seconds "$mode"); t1=$(date +%s.%N)
        echo "cpu $mode $(awk -v a="$cpu0" -v b="$cpu1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", 100 * (b - a) / (e - s) }')" >> "$TMP/values"
        echo "round $r, --splice $mode: $(grep " $mode " "$TMP/values" | tail -n 4 | awk '{ printf "%s %s  ", $1, $3 }')"
    done
done
python3 - "$TMP/values" "$ROUNDS" "$DURATION" <<'PY'
import statistics, sys
values, rounds, duration = sys.argv[1:]
data = {}
for line in open(values):
    metric, mode, value = (line.split() + ["nan"])[:3]
    try:
        data.setdefault((metric, mode), []).append(float(value))
    except ValueError:
        pass
def med(m, mode):
    v = data.get((m, mode))
    return statistics.median(v) if v else float("nan")
print(f"\nMedians of {rounds} interleaved rounds, {duration} s each (--transport epoll).\n")
print("| metric | --splice on | --splice off | on/off |")
print("|---|---:|---:|---:|")
for title, m in (("iperf3 1 stream, Gbit/s", "iperf1"), ("iperf3 4 streams, Gbit/s", "iperf4"),
                 ("1 MiB GETs (wrk -c8), Gbit/s", "mib"), ("director CPU, % of one core", "cpu")):
    on, off = med(m, "on"), med(m, "off")
    print(f"| {title} | {on:.2f} | {off:.2f} | {on / off if off else float('nan'):.2f} |")
PY
