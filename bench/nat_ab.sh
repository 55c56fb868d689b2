#!/usr/bin/env bash
# Two builds of the director side by side, with nginx stream as the yardstick in every round: new connections
# per second (wrk, Connection: close; keep-alive requests with KEEPALIVE=1), their p50/p99 and the balancer's CPU
# time per connection (request) through each,
# interleaved (nginx A B, nginx A B, ...), all in front of the same two nginx backends on loopback. For "did this
# change make NAT faster": figures from one run only, since a shared machine's speed drifts by tens of percent
# within the hour; the CPU per connection drifts less than the rate.
#
#   cp -r director/target/jvs-director-*.jar director/target/lib /tmp/before   # before the change
#   (change, then: mvn -B -q -DskipTests package)
#   bench/nat_ab.sh /tmp/before director/target        # each directory: a jvs-director-*.jar and lib/
#   ROUNDS=4 DURATION=8 A_OPTS=... B_OPTS=... bench/nat_ab.sh DIR_A DIR_B   # JVM options per build
#   B_ARGS='--transport epoll' bench/nat_ab.sh DIR DIR     # one build, different director options (A_ARGS too)
#   KEEPALIVE=1 bench/nat_ab.sh DIR_A DIR_B                  # keep-alive requests instead of new connections
#
# Needs nginx with the stream module and wrk (bench/nat_compare.sh installs them). Prints one line per
# measurement and a markdown table of medians; everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IPVSADM=${IPVSADM:-$ROOT/bin/ipvsadm}
ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-8}
CONNS=${CONNS:-64}
WARMUP=${WARMUP:-16}
BASE=${BASE_PORT:-19400}
HEADER=(-H 'Connection: close'); LOAD="Connection: close"; RATE="new connections/s"; PER=connection
if [ "${KEEPALIVE:-0}" = 1 ]; then HEADER=(); LOAD=keep-alive; RATE="requests/s"; PER=request; fi
B1=$((BASE + 1)); B2=$((BASE + 2)); NGINX=$((BASE + 10)); PORT_A=$((BASE + 11)); PORT_B=$((BASE + 12))

fail() { echo "nat_ab: $*" >&2; exit 1; }
[ $# -eq 2 ] || fail "usage: nat_ab.sh DIR_A DIR_B (each with a jvs-director-*.jar and lib/)"
classpath() {
    local jar
    jar=$(ls "$1"/jvs-director-*.jar 2>/dev/null | head -n 1)
    [ -n "$jar" ] && [ -d "$1/lib" ] || fail "$1 has no jvs-director-*.jar and lib/"
    echo "$jar:$1/lib/*"
}
CP_A=$(classpath "$1"); CP_B=$(classpath "$2")
command -v wrk >/dev/null || fail "wrk is missing (apt-get install wrk)"
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || fail "nginx's stream module is missing (libnginx-mod-stream)"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
TMP=$(mktemp -d -t jvs-ab.XXXXXX)
chmod 755 "$TMP"
# shellcheck source=lib/processes.sh
. "$ROOT/bench/lib/processes.sh"
# shellcheck source=lib/web_backends.sh
. "$ROOT/bench/lib/web_backends.sh"
# shellcheck source=lib/wrk_rounds.sh
. "$ROOT/bench/lib/wrk_rounds.sh"
for p in $B1 $B2 $NGINX $PORT_A $PORT_B; do port_open "$p" && fail "127.0.0.1:$p is in use (set BASE_PORT)"; done

mkdir -p "$TMP/www"
chmod 755 "$TMP/www"
printf 'jvs bench: a small static file\n' > "$TMP/www/index.html"
chmod 644 "$TMP/www/index.html"
cat > "$TMP/lb-nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off;
worker_processes $(nproc);
pid $TMP/lb-nginx.pid;
error_log $TMP/lb-nginx-error.log crit;
events { worker_connections 50000; }
stream {
    upstream web { server 127.0.0.1:$B1; server 127.0.0.1:$B2; }
    server { listen 127.0.0.1:$NGINX reuseport backlog=4096; proxy_pass web; }
}
EOF
start_web_backends "$B1" "$B2"
start nginx nginx -p "$TMP" -c "$TMP/lb-nginx.conf"
# the director's launcher, with each build's classpath
start a java -XX:+UseG1GC -XX:MaxGCPauseMillis=20 ${A_OPTS:-} -cp "$CP_A" dev.jvs.director.Director \
    --socket "$TMP/a.sock" ${A_ARGS:-}
start b java -XX:+UseG1GC -XX:MaxGCPauseMillis=20 ${B_OPTS:-} -cp "$CP_B" dev.jvs.director.Director \
    --socket "$TMP/b.sock" ${B_ARGS:-}
wait_port "$NGINX"
for side in a b; do
    port=$([ $side = a ] && echo "$PORT_A" || echo "$PORT_B")
    for _ in $(seq 300); do [ -S "$TMP/$side.sock" ] && break; sleep 0.1; done
    export JVS_SOCKET=$TMP/$side.sock
    "$IPVSADM" -A -t "127.0.0.1:$port" -s rr || fail "director $side did not start (see $TMP/$side.out)"
    "$IPVSADM" -a -t "127.0.0.1:$port" -r "127.0.0.1:$B1" -m
    "$IPVSADM" -a -t "127.0.0.1:$port" -r "127.0.0.1:$B2" -m
    wait_port "$port"
done

declare -A PORT=([nginx]=$NGINX [A]=$PORT_A [B]=$PORT_B)
declare -A GROUP=([nginx]=nginx [A]=a [B]=b)
URL_PATH=/
warm_up nginx A B
measure_rounds nginx A B
echo
echo "| wrk -c$CONNS, $LOAD ($ROUNDS rounds of ${DURATION}s, medians) | nginx stream | A: $1 | B: $2 |"
echo "|---|---:|---:|---:|"
median_row "$RATE" RPS nginx A B
median_row p50 P50 nginx A B
median_row p99 P99 nginx A B
median_row "balancer CPU per $PER, us" CPU nginx A B
