#!/usr/bin/env bash
# Side by side, in one run: direct to the backends, HAProxy (mode tcp), nginx stream and JVS NAT, all in front
# of the same nginx backends and dnsmasq servers on loopback, interleaved (A B C D, A B C D, ...) for ROUNDS
# rounds; prints a markdown table of medians with each figure's ratio to direct.
#
#   bench/nat_compare.sh              # installs what is missing with apt-get, then measures (~14 min)
#   ROUNDS=1 DURATION=5 bench/nat_compare.sh   # a quick look
#
# Rows: new connections/s (wrk, Connection: close) and their p50/p99, keep-alive requests/s and p50/p99 (each with
# the balancer's CPU per connection or request),
# 1 MiB GETs in Gbit/s, iperf3 with 1 and 4 streams, DNS queries/s with dnsperf through a UDP service (JVS
# with and without -o; nginx stream UDP as the peer; HAProxy has no UDP), the CPU each balancer used, and
# JVS's heap after a full GC at the end with the bytes of heap per TIME_WAIT entry.
# Raw outputs go to bench/results/nat_compare-<time>/. Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JVS_DIRECTOR=${JVS_DIRECTOR:-$ROOT/bin/jvs-director}
IPVSADM=${IPVSADM:-$ROOT/bin/ipvsadm}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}          # seconds per measurement
CONNS=${CONNS:-64}               # wrk connections
DNS_CLIENTS=${DNS_CLIENTS:-32}
CORES=${CORES:-$(nproc)}
WARMUP=${WARMUP:-6}              # seconds of each uncounted measurement before round 1 (JVS: JIT), ...
WARMUP_PASSES=${WARMUP_PASSES:-2} # ... run this many times through each balancer
BASE=${BASE_PORT:-19200}
RESULTS=$ROOT/bench/results

# Ports: backends, then one block per balancer (web, iperf, dns, dns -o)
B1=$((BASE + 1)); B2=$((BASE + 2)); IPERF_PORT=$((BASE + 11)); DNS1=$((BASE + 21)); DNS2=$((BASE + 22))
declare -A WEB=([direct]=$B1 [haproxy]=$((BASE + 31)) [nginx]=$((BASE + 41)) [jvs]=$((BASE + 51)))
declare -A IPERF=([direct]=$IPERF_PORT [haproxy]=$((BASE + 32)) [nginx]=$((BASE + 42)) [jvs]=$((BASE + 52)))
declare -A DNS=([direct]=$DNS1 [nginx]=$((BASE + 43)) [jvs]=$((BASE + 53)) [jvs-o]=$((BASE + 54)))
LBS=(direct haproxy nginx jvs)

fail() { echo "nat_compare: $*" >&2; exit 1; }

need=()
command -v haproxy >/dev/null || need+=(haproxy)
command -v nginx >/dev/null || need+=(nginx-full)
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || need+=(libnginx-mod-stream)
command -v wrk >/dev/null || need+=(wrk)
command -v iperf3 >/dev/null || need+=(iperf3)
command -v dnsperf >/dev/null || need+=(dnsperf)
command -v dnsmasq >/dev/null || need+=(dnsmasq)
if [ ${#need[@]} -gt 0 ]; then
    echo "== apt-get install ${need[*]}"
    apt-get install -y --no-install-recommends "${need[@]}" >/dev/null \
        || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; } \
        || fail "cannot install ${need[*]}"
fi
[ -x "$JVS_DIRECTOR" ] || fail "no director at $JVS_DIRECTOR (build JVS first: mvn -B -q -DskipTests package)"
command -v jcmd >/dev/null || fail "jcmd not found (a JDK, not only a JRE, is needed for the heap figures)"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
TMP=$(mktemp -d -t jvs-compare.XXXXXX)
chmod 755 "$TMP"
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$RESULTS/nat_compare-$STAMP
mkdir -p "$OUT"
# shellcheck source=lib/processes.sh
. "$ROOT/bench/lib/processes.sh"
# shellcheck source=lib/web_backends.sh
. "$ROOT/bench/lib/web_backends.sh"
# shellcheck source=lib/peers.sh
. "$ROOT/bench/lib/peers.sh"
for p in $B1 $B2 $IPERF_PORT "${WEB[@]}" "${IPERF[@]}"; do port_open "$p" && fail "127.0.0.1:$p is in use (set BASE_PORT)"; done

# ---- backends: nginx (two ports, one small file and one of 1 MiB), iperf3, two dnsmasq
mkdir -p "$TMP/www"
chmod 755 "$TMP/www"
printf 'jvs bench: a small static file\n' > "$TMP/www/index.html"
head -c 1048576 /dev/zero > "$TMP/www/1m.bin"
chmod 644 "$TMP/www/"*
start_web_backends "$B1" "$B2"
start iperf3 iperf3 -s -B 127.0.0.1 -p "$IPERF_PORT"
for d in $DNS1 $DNS2; do
    # A pid file each: with the default one, the second dnsmasq finds it taken and exits, and every second query
    # through a balancer goes unanswered.
    start "dnsmasq$d" dnsmasq -k -C /dev/null --user=root --port="$d" --listen-address=127.0.0.1 --bind-interfaces \
        --no-resolv --no-hosts --address=/bench.test/192.0.2.1 --cache-size=0 --dns-forward-max=1000 \
        --pid-file="$TMP/dnsmasq$d.pid"
done
printf 'bench.test A\n' > "$TMP/queries"
wait_port "$IPERF_PORT"
# Waits until one query to 127.0.0.1:PORT is answered (UDP has no listening state to wait for).
wait_dns() {
    local deadline=$((SECONDS + 30))
    until dnsperf -s 127.0.0.1 -p "$1" -d "$TMP/queries" -c 1 -n 1 -t 1 2>/dev/null \
            | awk '/Queries completed:/ { ok = $3 > 0 } END { exit !ok }'; do
        [ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$TMP"/*.out >&2; fail "nothing answers DNS on 127.0.0.1:$1"; }
        sleep 0.2
    done
}
for d in $DNS1 $DNS2; do wait_dns "$d"; done

# ---- the balancers
haproxy_config "$CORES" "${WEB[haproxy]}" "$B1" "$B2" "listen iperf
    bind 127.0.0.1:${IPERF[haproxy]}
    server i1 127.0.0.1:$IPERF_PORT" > "$TMP/haproxy.cfg"
start haproxy haproxy -db -f "$TMP/haproxy.cfg"

nginx_stream_config "$CORES" "${WEB[nginx]}" "$B1" "$B2" "$TMP" "\
    upstream dns { server 127.0.0.1:$DNS1; server 127.0.0.1:$DNS2; }
    server { listen 127.0.0.1:${IPERF[nginx]} reuseport; proxy_pass 127.0.0.1:$IPERF_PORT; }
    server { listen 127.0.0.1:${DNS[nginx]} udp reuseport; proxy_pass dns; proxy_responses 1; proxy_timeout 5s; }" \
    > "$TMP/lb-nginx.conf"
start nginx nginx -p "$TMP" -c "$TMP/lb-nginx.conf"

SOCKET=$TMP/jvs.sock
start jvs "$JVS_DIRECTOR" --socket "$SOCKET"
deadline=$((SECONDS + 30))
until [ -S "$SOCKET" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$TMP/jvs.out" >&2; fail "the director did not start"; }
    sleep 0.1
done
JVS_PID=$(pgrep -g "${PGID[jvs]}" -f dev.jvs.director.Director | head -n 1)
export JVS_SOCKET=$SOCKET
ipvs() { "$IPVSADM" "$@"; }
ipvs -A -t "127.0.0.1:${WEB[jvs]}" -s rr
ipvs -a -t "127.0.0.1:${WEB[jvs]}" -r "127.0.0.1:$B1" -m
ipvs -a -t "127.0.0.1:${WEB[jvs]}" -r "127.0.0.1:$B2" -m
ipvs -A -t "127.0.0.1:${IPERF[jvs]}" -s rr
ipvs -a -t "127.0.0.1:${IPERF[jvs]}" -r "127.0.0.1:$IPERF_PORT" -m
ipvs -A -u "127.0.0.1:${DNS[jvs]}" -s rr
ipvs -A -u "127.0.0.1:${DNS[jvs-o]}" -s rr -o
for s in ${DNS[jvs]} ${DNS[jvs-o]}; do
    ipvs -a -u "127.0.0.1:$s" -r "127.0.0.1:$DNS1" -m
    ipvs -a -u "127.0.0.1:$s" -r "127.0.0.1:$DNS2" -m
done
for lb in haproxy nginx jvs; do wait_port "${WEB[$lb]}"; wait_port "${IPERF[$lb]}"; done
for lb in nginx jvs jvs-o; do wait_dns "${DNS[$lb]}"; done

heap_after_gc_kib() { # live heap after a full collection
    jcmd "$JVS_PID" GC.run >/dev/null
    jcmd "$JVS_PID" GC.heap_info | awk '/ used /{ for (i = 1; i <= NF; i++) if ($i == "used") {
        v = $(i + 1); sub(/,$/, "", v); n = v + 0
        if (v ~ /M$/) n *= 1024; else if (v ~ /G$/) n *= 1048576
        print n; exit } }'
}

cpu_seconds() { # CPU time of a balancer's processes so far
    [ "$1" = direct ] && { echo 0; return; }
    local g=${PGID[$1]} total=0
    for pid in $(pgrep -g "$g"); do
        [ -r "/proc/$pid/stat" ] || continue
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

to_ms() { # wrk latency (e.g. 812.00us, 1.23ms, 2.01s) in ms
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
wrk_run() { # label url extra-args...
    local label=$1 url=$2; shift 2
    local f=$OUT/$label.txt
    wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$@" "$url" > "$f" 2>&1 || true
    if grep -qE 'Socket errors|Non-2xx' "$f"; then echo "   ($label: $(grep -E 'Socket errors|Non-2xx' "$f" | tr -s ' '))" >&2; fi
}
record() { echo "$1 $2 $3" >> "$OUT/values"; } # metric lb value
per_request() { # cpu-seconds-before after wrk-output: the balancer's CPU per request wrk counted, in µs
    awk -v a="$1" -v b="$2" -v n="$(awk '/requests in/ { print $1 }' "$3")" \
        'BEGIN { if (n > 0) printf "%.1f", (b - a) * 1e6 / n; else print "nan" }'
}

measure() { # lb round
    local lb=$1 r=$2 f
    local web=${WEB[$lb]} cpu0 t0 c0 c1
    cpu0=$(cpu_seconds "$lb"); t0=$(date +%s.%N)
    c0=$cpu0
    wrk_run "$lb-close-$r" "http://127.0.0.1:$web/index.html" -H 'Connection: close'
    c1=$(cpu_seconds "$lb")
    f=$OUT/$lb-close-$r.txt
    [ "$lb" = direct ] || record close_cpu_us "$lb" "$(per_request "$c0" "$c1" "$f")"
    record close_rps "$lb" "$(awk '/^Requests\/sec:/ { print $2 }' "$f")"
    record close_p50 "$lb" "$(to_ms "$(awk '$1 == "50%" { print $2 }' "$f")")"
    record close_p99 "$lb" "$(to_ms "$(awk '$1 == "99%" { print $2 }' "$f")")"
    c0=$(cpu_seconds "$lb")
    wrk_run "$lb-keepalive-$r" "http://127.0.0.1:$web/index.html"
    c1=$(cpu_seconds "$lb")
    f=$OUT/$lb-keepalive-$r.txt
    [ "$lb" = direct ] || record ka_cpu_us "$lb" "$(per_request "$c0" "$c1" "$f")"
    record ka_rps "$lb" "$(awk '/^Requests\/sec:/ { print $2 }' "$f")"
    record ka_p50 "$lb" "$(to_ms "$(awk '$1 == "50%" { print $2 }' "$f")")"
    record ka_p99 "$lb" "$(to_ms "$(awk '$1 == "99%" { print $2 }' "$f")")"
    CONNS=8 wrk_run "$lb-1mib-$r" "http://127.0.0.1:$web/1m.bin"
    f=$OUT/$lb-1mib-$r.txt
    record mib_gbps "$lb" "$(awk '/^Transfer\/sec:/ { v = $2; n = v + 0; if (v ~ /GB$/) n *= 8; else if (v ~ /MB$/) n *= 8 / 1024; else if (v ~ /KB$/) n *= 8 / 1048576; printf "%.2f", n }' "$f")"
    for streams in 1 4; do
        f=$OUT/$lb-iperf$streams-$r.json
        iperf3 -c 127.0.0.1 -p "${IPERF[$lb]}" -t "$DURATION" -P "$streams" -J > "$f" 2>&1 || true
        record "iperf$streams" "$lb" "$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$f" 2>/dev/null || echo nan)"
    done
    local lbdns=$lb
    for lbdns in $lb $([ "$lb" = jvs ] && echo jvs-o); do
        [ -n "${DNS[$lbdns]:-}" ] || continue
        f=$OUT/$lbdns-dns-$r.txt
        dnsperf -s 127.0.0.1 -p "${DNS[$lbdns]}" -d "$TMP/queries" -c "$DNS_CLIENTS" -l "$DURATION" > "$f" 2>&1 || true
        record dns_qps "$lbdns" "$(awk '/Queries per second:/ { print $4 }' "$f")"
        record dns_lost "$lbdns" "$(awk '/Queries lost:/ { gsub(/[(%)]/, "", $4); print $4 }' "$f")"
    done
    local cpu1 t1
    cpu1=$(cpu_seconds "$lb"); t1=$(date +%s.%N)
    record cpu_pct "$lb" "$(awk -v a="$cpu0" -v b="$cpu1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", 100 * (b - a) / (e - s) }')"
}

# The warm-up runs every measurement uncounted, WARMUP_PASSES times through each balancer. JVS's JIT compiles each
# path for the traffic it has seen, and compiles it again when other traffic changes what it sees: warmed up with
# short connections and keep-alive only, its compiler took 0.45 s of CPU during round 1's short connections and
# 1.6 s during its keep-alive and 1 MiB measurements, time the balancers without a JIT never spend.
echo "== warm-up: every measurement, ${WARMUP_PASSES} times ${WARMUP}s through each balancer, not counted"
for pass in $(seq "$WARMUP_PASSES"); do
    for lb in haproxy nginx jvs; do DURATION=$WARMUP measure "$lb" "warmup$pass"; done
done

inactive_entries() { ipvs -Ln | awk '$1 == "->" && ($2 ~ /:'"$B1"'$/ || $2 ~ /:'"$B2"'$/) { n += $6 } END { print n + 0 }'; }
# After the warm-up: JIT-compiled code, buffer pools and the warm-up's own entries are in the baseline.
HEAP_BASE=$(heap_after_gc_kib)
ENTRIES_BASE=$(inactive_entries)
: > "$OUT/values" # what the warm-up recorded is not counted (its raw outputs stay, named *-warmup*)
for r in $(seq "$ROUNDS"); do
    for lb in "${LBS[@]}"; do
        echo "== round $r/$ROUNDS: $lb"
        measure "$lb" "$r"
    done
done

# ---- JVS's memory at the end: live heap after a full GC, and per TIME_WAIT entry
HEAP_END=$(heap_after_gc_kib)
ENTRIES=$(inactive_entries)
# Only meaningful when the table grew by many entries: wrk's clients reuse their ports, each reuse replaces an
# entry, so the table stops growing at about the port range's worth of TIME_WAIT entries (ConnectionFootprintTest
# and nat_memory.sh measure the entry itself). A growth of a few thousand would divide unrelated heap by it.
PER_ENTRY=$(awk -v a="$HEAP_BASE" -v b="$HEAP_END" -v n="$((ENTRIES - ENTRIES_BASE))" 'BEGIN { if (n > 20000) printf "%.0f", (b - a) * 1024 / n; else printf "n/a (%d new entries: clients reuse their ports)", n }')
ipvs -Ln > "$OUT/jvs-ipvsadm-Ln.txt"

# ---- the table: medians over the rounds, ratio to direct
python3 - "$OUT/values" "$HEAP_END" "$ENTRIES" "$PER_ENTRY" "$ROUNDS" "$DURATION" "$CORES" > "$OUT/table.md" <<'PY'
import statistics, sys
values, heap_kib, entries, per_entry, rounds, duration, cores = sys.argv[1:]
data = {}
for line in open(values):
    metric, lb, value = (line.split() + ["nan"])[:3]
    try:
        data.setdefault((metric, lb), []).append(float(value))
    except ValueError:
        pass
def med(metric, lb):
    v = data.get((metric, lb))
    return statistics.median(v) if v else None
rows = [
    ("new connections/s (wrk -c64, Connection: close)", "close_rps", "{:,.0f}"),
    ("  p50 of those, ms", "close_p50", "{:.2f}"), ("  p99 of those, ms", "close_p99", "{:.2f}"),
    ("  balancer CPU per connection, µs", "close_cpu_us", "{:.1f}"),
    ("keep-alive requests/s", "ka_rps", "{:,.0f}"),
    ("  p50, ms", "ka_p50", "{:.2f}"), ("  p99, ms", "ka_p99", "{:.2f}"),
    ("  balancer CPU per request, µs", "ka_cpu_us", "{:.1f}"),
    ("1 MiB GETs (wrk -c8), Gbit/s", "mib_gbps", "{:.2f}"),
    ("iperf3 1 stream, Gbit/s", "iperf1", "{:.2f}"), ("iperf3 4 streams, Gbit/s", "iperf4", "{:.2f}"),
    ("DNS queries/s (dnsperf -c32; JVS sessions)", "dns_qps", "{:,.0f}"),
    ("CPU used by the balancer, % of one core", "cpu_pct", "{:.0f}"),
]
lbs = [("direct", "direct"), ("haproxy", "HAProxy"), ("nginx", "nginx stream"), ("jvs", "JVS")]
print(f"Medians of {rounds} interleaved rounds, {duration} s per measurement, {cores} cores; (ratio to direct).\n")
print("| metric | " + " | ".join(n for _, n in lbs) + " |")
print("|---|" + "---:|" * len(lbs))
for title, metric, fmt in rows:
    base = med(metric, "direct")
    cells = []
    for lb, _ in lbs:
        v = med(metric, lb)
        if v is None:
            cells.append("–")
        elif lb == "direct" or not base or metric.startswith("cpu") or metric.endswith("cpu_us"):
            cells.append(fmt.format(v))
        else:
            cells.append(fmt.format(v) + f" ({v / base:.2f})")
    print(f"| {title} | " + " | ".join(cells) + " |")
o, base = med("dns_qps", "jvs-o"), med("dns_qps", "direct")
if o is not None:
    print("| DNS queries/s, JVS `-o` | " + ("–" if base is None else f"{base:,.0f}") + " | – | – | "
          + f"{o:,.0f}" + (f" ({o / base:.2f})" if base else "") + " |")
# A balancer that loses queries is measured by dnsperf's timeouts, not by its speed: say so under the table.
for (metric, lb), v in sorted(data.items()):
    if metric == "dns_lost" and max(v) > 1:
        print(f"\n**{lb} lost up to {max(v):.1f} % of its DNS queries in a round**: its DNS figure counts timeouts.")
print(f"\nJVS after the run: live heap {int(heap_kib) / 1024:.0f} MiB after a full GC, {entries} inactive (TIME_WAIT)"
      f" entries, {per_entry} bytes of heap per entry (heap growth since the warm-up / entries added since).")
PY
cat "$OUT/table.md"
echo
echo "raw outputs: $OUT"
