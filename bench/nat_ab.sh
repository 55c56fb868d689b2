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
# Two passes, half the time each. A JVM compiles what the first pass runs for what that pass saw: with keep-alive,
# reads and writes on open connections only. The next run's first connections then undo some of it
# (deoptimization), and what is compiled again costs a round a third more CPU per request. The second pass takes
# that cost here.
echo "== warm-up (${WARMUP}s through each in two passes, not counted)"
for pass in 1 2; do
    for who in nginx A B; do
        wrk -t2 -c"$CONNS" -d"$((WARMUP / 2))s" ${HEADER[@]+"${HEADER[@]}"} "http://127.0.0.1:${PORT[$who]}/" \
            >/dev/null 2>&1 || true
    done
done
declare -A GROUP=([nginx]=nginx [A]=a [B]=b)
cpu_ticks() { # CPU time (clock ticks) of a balancer's processes so far
    local total=0 pid
    for pid in $(pgrep -g "${PGID[${GROUP[$1]}]}"); do
        [ -r "/proc/$pid/stat" ] || continue
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo "$total"
}
HZ=$(getconf CLK_TCK)
declare -A RPS=() P50=() P99=() CPU=()
echo "round who requests/s p50 p99 cpu-us/$PER"
for r in $(seq "$ROUNDS"); do
    for who in nginx A B; do
        t0=$(cpu_ticks "$who")
        out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency ${HEADER[@]+"${HEADER[@]}"} \
            "http://127.0.0.1:${PORT[$who]}/")
        t1=$(cpu_ticks "$who")
        rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
        p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
        # the balancer's CPU per connection (request): steadier than the rate, which follows what else holds the
        # cores
        cpu=$(awk -v n="$(awk '/requests in/ {print $1}' <<<"$out")" -v t=$((t1 - t0)) -v hz="$HZ" \
            'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')
        echo "$r $who $rps $p50 $p99 $cpu"
        RPS[$who]+="$rps "; P50[$who]+="$p50 "; P99[$who]+="$p99 "; CPU[$who]+="$cpu "
    done
done

median() { # values with units (ms, us, s) or plain numbers: the middle one (the lower of two), as printed
    python3 - "$@" <<'EOF'
import sys, re
def val(v):
    m = re.match(r'([\d.]+)(us|ms|s)?$', v)
    n = float(m.group(1))
    return n * {'us': 0.001, 'ms': 1, 's': 1000, None: 1}[m.group(2)]
vs = sorted(sys.argv[1:], key=val)
print(vs[(len(vs) - 1) // 2] if vs else "-")
EOF
}
echo
echo "| wrk -c$CONNS, $LOAD ($ROUNDS rounds of ${DURATION}s, medians) | nginx stream | A: $1 | B: $2 |"
echo "|---|---:|---:|---:|"
# shellcheck disable=SC2086
echo "| $RATE | $(median ${RPS[nginx]}) | $(median ${RPS[A]}) | $(median ${RPS[B]}) |"
# shellcheck disable=SC2086
echo "| p50 | $(median ${P50[nginx]}) | $(median ${P50[A]}) | $(median ${P50[B]}) |"
# shellcheck disable=SC2086
echo "| p99 | $(median ${P99[nginx]}) | $(median ${P99[A]}) | $(median ${P99[B]}) |"
# shellcheck disable=SC2086
echo "| balancer CPU per $PER, us | $(median ${CPU[nginx]}) | $(median ${CPU[A]}) | $(median ${CPU[B]}) |"
