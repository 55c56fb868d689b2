#!/usr/bin/env bash
# Whole-system benchmark, one run: HTTP requests/s from wrk straight to nginx,
# then through the JVS director (LVS-NAT, one real server), and their ratio.
#
#   bench/nat_http.sh                # both runs, prints one summary line
#   bench/nat_http.sh --direct-only  # only the nginx baseline (no director needed)
#
# Needs nginx and wrk:  apt-get install -y nginx wrk
# Raw wrk outputs and the summary line are kept under bench/results/.
# Everything listens on 127.0.0.1 only and is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
JVS_DIRECTOR=${JVS_DIRECTOR:-$ROOT/bin/jvs-director}
IPVSADM=${IPVSADM:-$ROOT/bin/ipvsadm}
VIP=127.0.0.1
VPORT=${VPORT:-9100}
RIP=127.0.0.1
RPORT=${RPORT:-9101}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
DURATION=${DURATION:-10s}
# A JIT-cold director would be measured on its first seconds; this run is not counted.
WARMUP=${WARMUP:-3s}
DIRECTOR_START_TIMEOUT=15
RESULTS=$ROOT/bench/results

DIRECT_ONLY=false
case "${1:-}" in
    --direct-only) DIRECT_ONLY=true ;;
    "") ;;
    *) echo "usage: $0 [--direct-only]" >&2; exit 2 ;;
esac

fail() {
    echo "nat_http: $*" >&2
    exit 1
}

for tool in nginx wrk setsid; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool not found; install with: apt-get install -y nginx wrk"
done

TMP=$(mktemp -d -t jvs-bench.XXXXXX)
NGINX_PGID=
DIRECTOR_PGID=

# Each server runs in its own process group (setsid), so a launcher script and
# the JVM it starts, or nginx and its worker, are stopped together.
stop_group() {
    local pgid=$1
    [ -n "$pgid" ] || return 0
    kill -TERM -- "-$pgid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 -- "-$pgid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL -- "-$pgid" 2>/dev/null || true
}

cleanup() {
    stop_group "$DIRECTOR_PGID"
    stop_group "$NGINX_PGID"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# Waits until host:port accepts connections, or gives up after $3 seconds.
wait_for_port() {
    local deadline=$((SECONDS + $3))
    until port_open "$1" "$2"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# One plain HTTP/1.0 GET, to see the right file come back before measuring.
# Prints the reply's status line and fails if it is not the test file.
http_get_check() {
    local reply
    # shellcheck disable=SC2016  # $0 and $1 are expanded by the inner bash
    reply=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1"; printf "GET /index.html HTTP/1.0\r\nHost: bench\r\n\r\n" >&3; cat <&3' "$1" "$2" 2>/dev/null) || true
    printf '%s' "${reply%%$'\r'*}"
    [[ $reply == "HTTP/1.1 200 OK"* && $reply == *"jvs bench"* ]]
}

requests_per_second() {
    awk '/^Requests\/sec:/ { print $2 }' "$1"
}

# wrk counts only completed responses, but errors mean the number is not clean.
warn_on_errors() {
    if grep -qE '^ *(Socket errors|Non-2xx or 3xx responses)' "$1"; then
        echo "nat_http: warning: $2 run had errors:" >&2
        grep -E '^ *(Socket errors|Non-2xx or 3xx responses)' "$1" >&2
    fi
}

run_wrk() {
    local url=$1 out=$2
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$url" > "$out"
    cat "$out"
    [ -n "$(requests_per_second "$out")" ] || fail "no Requests/sec in wrk output ($out)"
}

if ! $DIRECT_ONLY; then
    [ -x "$JVS_DIRECTOR" ] || fail "no director at $JVS_DIRECTOR (build JVS first, or set JVS_DIRECTOR)"
    [ -x "$IPVSADM" ] || fail "no ipvsadm at $IPVSADM (build JVS first, or set IPVSADM)"
fi
port_open "$RIP" "$RPORT" && fail "$RIP:$RPORT is already in use"
if ! $DIRECT_ONLY; then
    port_open "$VIP" "$VPORT" && fail "$VIP:$VPORT is already in use"
fi

# --- the real server: nginx, one worker, no access log, one small static file
mkdir -p "$TMP/www" "$TMP/nginx-temp"
# Run as root, nginx's worker drops to an unprivileged user that must read the file.
chmod 755 "$TMP" "$TMP/www"
printf 'jvs bench: a small static file\n' > "$TMP/www/index.html"
cat > "$TMP/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx-temp/body;
    proxy_temp_path $TMP/nginx-temp/proxy;
    fastcgi_temp_path $TMP/nginx-temp/fastcgi;
    uwsgi_temp_path $TMP/nginx-temp/uwsgi;
    scgi_temp_path $TMP/nginx-temp/scgi;
    default_type text/plain;
    server {
        listen $RIP:$RPORT;
        root $TMP/www;
    }
}
NGINX
setsid nginx -p "$TMP" -c "$TMP/nginx.conf" > "$TMP/nginx.out" 2>&1 &
NGINX_PGID=$!
wait_for_port "$RIP" "$RPORT" 10 || { cat "$TMP/nginx.out" "$TMP/nginx-error.log" >&2 2>/dev/null; fail "nginx did not start on $RIP:$RPORT"; }
status=$(http_get_check "$RIP" "$RPORT") || fail "nginx on $RIP:$RPORT does not serve the test file (got: ${status:-no reply})"

mkdir -p "$RESULTS"
STAMP=$(date +%Y%m%d-%H%M%S)
DIRECT_OUT=$RESULTS/nat_http-$STAMP-direct.txt
DIRECTOR_OUT=$RESULTS/nat_http-$STAMP-director.txt
WRK_DESC="wrk -t$THREADS -c$CONNECTIONS -d$DURATION"

echo "== direct: $WRK_DESC http://$RIP:$RPORT/index.html"
run_wrk "http://$RIP:$RPORT/index.html" "$DIRECT_OUT"
warn_on_errors "$DIRECT_OUT" direct
DIRECT_RPS=$(requests_per_second "$DIRECT_OUT")

if $DIRECT_ONLY; then
    SUMMARY="nat_http $STAMP: direct $DIRECT_RPS req/s ($WRK_DESC, nginx $RIP:$RPORT; director not run)"
    echo "$SUMMARY" | tee -a "$RESULTS/summary.log"
    exit 0
fi

# --- the director, configured as LVS-NAT with nginx as its one real server
SOCKET=$TMP/jvs.sock
setsid "$JVS_DIRECTOR" --socket "$SOCKET" > "$TMP/director.log" 2>&1 &
DIRECTOR_PGID=$!
deadline=$((SECONDS + DIRECTOR_START_TIMEOUT))
until [ -S "$SOCKET" ]; do
    if ! kill -0 "$DIRECTOR_PGID" 2>/dev/null; then
        tail -n 20 "$TMP/director.log" >&2
        fail "$JVS_DIRECTOR exited before opening its control socket (log above)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        tail -n 20 "$TMP/director.log" >&2
        fail "$JVS_DIRECTOR did not open $SOCKET within ${DIRECTOR_START_TIMEOUT}s (log above)"
    fi
    sleep 0.1
done

export JVS_SOCKET=$SOCKET
"$IPVSADM" -A -t "$VIP:$VPORT" -s rr
"$IPVSADM" -a -t "$VIP:$VPORT" -r "$RIP:$RPORT" -m
"$IPVSADM" -Ln
wait_for_port "$VIP" "$VPORT" 5 || fail "the director does not listen on $VIP:$VPORT after ipvsadm -A"
status=$(http_get_check "$VIP" "$VPORT") \
    || fail "the director on $VIP:$VPORT does not pass the test file through from nginx (got: ${status:-no reply})"

if [ "$WARMUP" != 0 ]; then
    echo "== warm-up (not counted): wrk -d$WARMUP through the director"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "http://$VIP:$VPORT/index.html" > /dev/null
fi

echo "== through the director: $WRK_DESC http://$VIP:$VPORT/index.html"
run_wrk "http://$VIP:$VPORT/index.html" "$DIRECTOR_OUT"
warn_on_errors "$DIRECTOR_OUT" director
DIRECTOR_RPS=$(requests_per_second "$DIRECTOR_OUT")

RATIO=$(awk -v director="$DIRECTOR_RPS" -v direct="$DIRECT_RPS" 'BEGIN { printf "%.3f", director / direct }')
SUMMARY="nat_http $STAMP: direct $DIRECT_RPS req/s, director $DIRECTOR_RPS req/s, ratio $RATIO ($WRK_DESC, VIP $VIP:$VPORT -> nginx $RIP:$RPORT)"
echo "$SUMMARY" | tee -a "$RESULTS/summary.log"
