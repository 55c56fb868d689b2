# Sourced by the bench scripts that run servers on loopback: each server in its own process group, all stopped
# (TERM, then KILL after 5 s) and $TMP removed when the script exits. Needs $TMP and a fail() function.
declare -A PGID=()

stop_group() {
    local pgid=$1
    [ -n "$pgid" ] || return 0
    kill -TERM -- "-$pgid" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 -- "-$pgid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL -- "-$pgid" 2>/dev/null || true
}
cleanup() {
    for name in "${!PGID[@]}"; do stop_group "${PGID[$name]}"; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start() { # name command...: runs in its own process group, output in $TMP/name.out
    local name=$1; shift
    setsid "$@" > "$TMP/$name.out" 2>&1 &
    PGID[$name]=$!
}
# Asks ss rather than connecting: a probe connection would count as a (failed) test for iperf3 -s.
port_open() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
wait_port() {
    local deadline=$((SECONDS + 30))
    until port_open "$1"; do
        [ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$TMP"/*.out >&2; fail "nothing listens on 127.0.0.1:$1"; }
        sleep 0.1
    done
}
