#!/usr/bin/env bash
# JVS NAT against the floor of its framework: a bare proxy on the same Netty io_uring transport (floor/FloorProxy.java:
# no connection table, scheduler, timers or counters), once passing half-closes on as JVS does and once closing
# both sockets at the first FIN as nginx stream does by default, and a relay on Netty's io_uring event loops below
# its channels (floor/RingRelay.java: ring operations on bare descriptors, half-closes passed on), and a hybrid of
# the two (floor/HybridProxy.java: the client's socket a Netty channel, the real server's driven by ring
# operations), with HAProxy and nginx stream beside them; all in front of the same two nginx backends on loopback,
# interleaved (HAProxy nginx JVS floor floor-close ring hybrid, ...). Answers "is the time per connection JVS's own, the channels', or the
# half-close's": the balancer's CPU per connection (request) of each, with the rate, p50 and p99.
#
#   bench/nat_floor.sh                       # new connections (wrk, Connection: close), ~9 min
#   KEEPALIVE=1 bench/nat_floor.sh           # keep-alive requests instead
#   ROUNDS=6 DURATION=8 bench/nat_floor.sh
#
# Needs a built tree (mvn -B -q package -DskipTests: the Netty jars in director/target/lib), javac, HAProxy, nginx
# with the stream module and wrk (bench/nat_compare.sh installs them). Everything listens on 127.0.0.1 and is
# stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JVS_DIRECTOR=${JVS_DIRECTOR:-$ROOT/bin/jvs-director}
IPVSADM=${IPVSADM:-$ROOT/bin/ipvsadm}
ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-8}
CONNS=${CONNS:-64}
WARMUP=${WARMUP:-16}
BASE=${BASE_PORT:-19600}
HEADER=(-H 'Connection: close'); LOAD="Connection: close"; RATE="new connections/s"; PER=connection
if [ "${KEEPALIVE:-0}" = 1 ]; then HEADER=(); LOAD=keep-alive; RATE="requests/s"; PER=request; fi
B1=$((BASE + 1)); B2=$((BASE + 2))
WHO=(haproxy nginx jvs floor floor-close ring hybrid)
declare -A PORT=([haproxy]=$((BASE + 10)) [nginx]=$((BASE + 11)) [jvs]=$((BASE + 12)) [floor]=$((BASE + 13))
    [floor-close]=$((BASE + 14)) [ring]=$((BASE + 15)) [hybrid]=$((BASE + 16)))

fail() { echo "nat_floor: $*" >&2; exit 1; }
LIB=$ROOT/director/target/lib
ls "$LIB"/netty-transport-classes-io_uring-*.jar >/dev/null 2>&1 || fail "no Netty jars in $LIB: build first (mvn -B -q package -DskipTests)"
command -v javac >/dev/null || fail "javac is missing (a JDK, not a JRE)"
command -v wrk >/dev/null || fail "wrk is missing (apt-get install wrk)"
command -v haproxy >/dev/null || fail "haproxy is missing (apt-get install haproxy)"
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || fail "nginx's stream module is missing (libnginx-mod-stream)"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
TMP=$(mktemp -d -t jvs-floor.XXXXXX)
chmod 755 "$TMP"
# shellcheck source=lib/processes.sh
. "$ROOT/bench/lib/processes.sh"
# shellcheck source=lib/web_backends.sh
. "$ROOT/bench/lib/web_backends.sh"
# shellcheck source=lib/wrk_rounds.sh
. "$ROOT/bench/lib/wrk_rounds.sh"
# shellcheck source=lib/peers.sh
. "$ROOT/bench/lib/peers.sh"
for p in $B1 $B2 "${PORT[@]}"; do port_open "$p" && fail "127.0.0.1:$p is in use (set BASE_PORT)"; done

javac -d "$TMP/floor" -cp "$LIB/*" "$ROOT"/bench/floor/*.java

mkdir -p "$TMP/www"
chmod 755 "$TMP/www"
printf 'jvs bench: a small static file\n' > "$TMP/www/index.html"
chmod 644 "$TMP/www/index.html"
start_web_backends "$B1" "$B2"

haproxy_config "$(nproc)" "${PORT[haproxy]}" "$B1" "$B2" > "$TMP/haproxy.cfg"
start haproxy haproxy -db -f "$TMP/haproxy.cfg"
nginx_stream_config "$(nproc)" "${PORT[nginx]}" "$B1" "$B2" "$TMP" > "$TMP/lb-nginx.conf"
start nginx nginx -p "$TMP" -c "$TMP/lb-nginx.conf"

start jvs "$JVS_DIRECTOR" --socket "$TMP/jvs.sock"
# the floor with the director's collector settings (bin/jvs-director)
for mode in half-close close; do
    name=$([ $mode = close ] && echo floor-close || echo floor)
    start "$name" java -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -cp "$TMP/floor:$LIB/*" FloorProxy "$mode" \
        "${PORT[$name]}" "$B1" "$B2"
done
start ring java -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -cp "$TMP/floor:$LIB/*" RingRelay "${PORT[ring]}" "$B1" "$B2"
start hybrid java -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -cp "$TMP/floor:$LIB/*" HybridProxy "${PORT[hybrid]}" "$B1" "$B2"
deadline=$((SECONDS + 30))
until [ -S "$TMP/jvs.sock" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$TMP/jvs.out" >&2; fail "the director did not start"; }
    sleep 0.1
done
export JVS_SOCKET=$TMP/jvs.sock
"$IPVSADM" -A -t "127.0.0.1:${PORT[jvs]}" -s rr
"$IPVSADM" -a -t "127.0.0.1:${PORT[jvs]}" -r "127.0.0.1:$B1" -m
"$IPVSADM" -a -t "127.0.0.1:${PORT[jvs]}" -r "127.0.0.1:$B2" -m
for who in "${WHO[@]}"; do wait_port "${PORT[$who]}"; done

declare -A GROUP=()
for who in "${WHO[@]}"; do GROUP[$who]=$who; done
URL_PATH=/index.html
warm_up "${WHO[@]}"
measure_rounds "${WHO[@]}"
echo
echo "| wrk -c$CONNS, $LOAD ($ROUNDS rounds of ${DURATION}s, medians) | HAProxy | nginx stream | JVS | floor, half-close | floor, close at FIN | ring relay, half-close | client channel, server ring |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
median_row "$RATE" RPS "${WHO[@]}"
median_row p50 P50 "${WHO[@]}"
median_row p99 P99 "${WHO[@]}"
median_row "balancer CPU per $PER, µs" CPU "${WHO[@]}"
