#!/usr/bin/env bash
# DNS queries/s through a UDP virtual service, interleaved in one run:
#   direct      dnsperf straight to one dnsmasq
#   nginx       nginx stream UDP (2 workers, reuseport, no logging) over both dnsmasqs
#   jvs         JVS UDP NAT, sessions (-A -u VIP -s rr)
#   jvs-o       JVS UDP NAT, one-packet scheduling (-A -u VIP -s rr -o)
# ROUNDS rounds of (direct, nginx, jvs, jvs-o); prints each run and the medians.
#
#   bench/udp_dns.sh                 # defaults: 3 rounds of 10 s, 32 clients
#   ROUNDS=1 DURATION=5 bench/udp_dns.sh
#
# Needs dnsperf, dnsmasq and nginx with the stream module:
#   apt-get install -y dnsperf dnsmasq nginx-full libnginx-mod-stream
# and a built JVS (mvn -B -q -DskipTests package). Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JVS_DIRECTOR=${JVS_DIRECTOR:-$ROOT/bin/jvs-director}
IPVSADM=${IPVSADM:-$ROOT/bin/ipvsadm}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-32}
# dnsperf's -q: queries in flight at once, over all clients
OUTSTANDING=${OUTSTANDING:-100}
WARMUP=${WARMUP:-5}
BASE_PORT=${BASE_PORT:-15300}
DNS_A=$BASE_PORT; DNS_B=$((BASE_PORT + 1))
NGINX_PORT=$((BASE_PORT + 10))
JVS_PORT=$((BASE_PORT + 20)); JVS_O_PORT=$((BASE_PORT + 21))
RESULTS=$ROOT/bench/results

fail() { echo "udp_dns: $*" >&2; exit 1; }

for tool in dnsperf dnsmasq nginx dig setsid; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] \
        || fail "$tool not found; install with: apt-get install -y dnsperf dnsmasq nginx-full libnginx-mod-stream dnsutils"
done
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
STREAM_MODULE=/usr/lib/nginx/modules/ngx_stream_module.so
[ -f "$STREAM_MODULE" ] || fail "no $STREAM_MODULE: apt-get install -y libnginx-mod-stream"
[ -x "$JVS_DIRECTOR" ] || fail "no director at $JVS_DIRECTOR (build JVS first)"

TMP=$(mktemp -d -t jvs-udp-dns.XXXXXX)
PGIDS=()
stop_group() {
    kill -TERM -- "-$1" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 -- "-$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL -- "-$1" 2>/dev/null || true
}
cleanup() {
    for pgid in "${PGIDS[@]}"; do stop_group "$pgid"; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts "$@" in its own process group; remembers the group to stop it at exit.
start_group() {
    local log=$1; shift
    setsid "$@" > "$log" 2>&1 < /dev/null &
    PGIDS+=($!)
}

# The address that 127.0.0.1:PORT answers for example.test, or nothing (dig prints its errors on stdout too).
answers() {
    dig @127.0.0.1 -p "$1" example.test +short +tries=1 +time=1 2>/dev/null | grep -E '^[0-9.]+$' || true
}
await_answer() {
    for _ in $(seq 100); do
        [ -n "$(answers "$1")" ] && return 0
        sleep 0.1
    done
    fail "nothing answers DNS on 127.0.0.1:$1 (logs in $TMP)"
}

for port in $DNS_A $DNS_B $NGINX_PORT $JVS_PORT $JVS_O_PORT; do
    [ -z "$(answers "$port")" ] || fail "127.0.0.1:$port already answers DNS"
done

i=0
for port in $DNS_A $DNS_B; do
    i=$((i + 1))
    start_group "$TMP/dnsmasq-$port.log" "$DNSMASQ" --no-daemon --port="$port" --listen-address=127.0.0.1 \
        --bind-interfaces --no-resolv --no-hosts --address=/example.test/10.0.0.$i --conf-file=/dev/null \
        --pid-file="$TMP/dnsmasq-$port.pid" --user="$(id -un)" --cache-size=0
done

cat > "$TMP/nginx.conf" <<EOF
load_module $STREAM_MODULE;
worker_processes 2;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log error;
events { worker_connections 65536; }
stream {
    upstream dns { server 127.0.0.1:$DNS_A; server 127.0.0.1:$DNS_B; }
    server {
        listen 127.0.0.1:$NGINX_PORT udp reuseport;
        proxy_pass dns;
        proxy_responses 1;
        proxy_timeout 5s;
    }
}
EOF
start_group "$TMP/nginx.log" "$NGINX" -c "$TMP/nginx.conf" -p "$TMP"

export JVS_SOCKET=$TMP/jvs.sock
start_group "$TMP/director.log" "$JVS_DIRECTOR" --socket "$JVS_SOCKET"
for _ in $(seq 150); do [ -S "$JVS_SOCKET" ] && break; sleep 0.1; done
[ -S "$JVS_SOCKET" ] || fail "the director did not open $JVS_SOCKET: $(cat "$TMP/director.log")"
"$IPVSADM" -A -u "127.0.0.1:$JVS_PORT" -s rr
"$IPVSADM" -A -u "127.0.0.1:$JVS_O_PORT" -s rr -o
for vport in $JVS_PORT $JVS_O_PORT; do
    "$IPVSADM" -a -u "127.0.0.1:$vport" -r "127.0.0.1:$DNS_A" -m
    "$IPVSADM" -a -u "127.0.0.1:$vport" -r "127.0.0.1:$DNS_B" -m
done

for port in $DNS_A $DNS_B $NGINX_PORT $JVS_PORT $JVS_O_PORT; do await_answer "$port"; done

for _ in $(seq 2000); do echo "example.test A"; done > "$TMP/queries"

# run NAME PORT SECONDS: one dnsperf run; prints "qps avg_latency_ms lost"
run() {
    local out=$TMP/$1-$RANDOM.txt
    dnsperf -s 127.0.0.1 -p "$2" -d "$TMP/queries" -c "$CLIENTS" -q "$OUTSTANDING" -l "$3" > "$out" 2>&1 \
        || fail "dnsperf against $1 failed: $(cat "$out")"
    awk '/Queries per second:/ { q = $4 } /Average Latency \(s\):/ { l = $4 * 1000 }
         /Queries lost:/ { lost = $3 } END { printf "%.0f %.2f %s\n", q, l, lost }' "$out"
}

TARGETS=("direct:$DNS_A" "nginx:$NGINX_PORT" "jvs:$JVS_PORT" "jvs-o:$JVS_O_PORT")
if [ "$WARMUP" -gt 0 ]; then
    for t in "${TARGETS[@]}"; do run "${t%%:*}" "${t#*:}" "$WARMUP" > /dev/null; done
fi

declare -A QPS
for round in $(seq "$ROUNDS"); do
    for t in "${TARGETS[@]}"; do
        name=${t%%:*}
        read -r qps latency lost < <(run "$name" "${t#*:}" "$DURATION")
        printf 'round %d  %-7s %8s queries/s  avg %6s ms  lost %s\n' "$round" "$name" "$qps" "$latency" "$lost"
        QPS[$name]="${QPS[$name]:-} $qps"
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
direct=$(echo "${QPS[direct]}" | median)
mkdir -p "$RESULTS"
line="udp_dns $(date +%Y%m%d-%H%M%S): medians of $ROUNDS x ${DURATION}s, dnsperf -c $CLIENTS -q $OUTSTANDING:"
for t in "${TARGETS[@]}"; do
    name=${t%%:*}
    m=$(echo "${QPS[$name]}" | median)
    line="$line $name $m ($(awk -v a="$m" -v b="$direct" 'BEGIN { printf "%.2f", a / b }'))"
done
echo "$line" | tee -a "$RESULTS/summary.log"
