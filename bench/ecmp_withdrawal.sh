#!/bin/sh
# How fast the router forgets a director: time from a director's crash (its traffic silenced, then JVS and BIRD
# SIGKILLed) and from a SIGTERM (drain) to the VIP's next hop leaving the router's table, with BFD and without
# (hold time 3 s). Topology: bench/lib/ecmp_topology.sh; BIRD configs: examples/ecmp-bgp. Needs root and bird2.
# Usage: bench/ecmp_withdrawal.sh [ROUNDS]       (default 3 rounds of each mode)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
VIP=10.92.0.1
work=$(mktemp -d /tmp/jvs-ecmp.XXXXXX)
p=jw$$
p=$(echo "$p" | cut -c1-5)
pids=
cleanup() {
    for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
    "$here/bench/lib/ecmp_topology.sh" down "$p"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM   # through the EXIT trap: nothing left behind when interrupted
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
via() { ip -n "${p}r" route show $VIP | grep -q "via 10.91.0.1$1 "; }
wait_gone() { t0=$1; while via "$2"; do sleep 0.01; done; echo $(( $(now_ms) - t0 )); }

round() { # bfd: on|off
    pids=
    "$here/bench/lib/ecmp_topology.sh" up "$p"
    filter=cat
    [ "$1" = off ] && filter="sed -e /^protocol.bfd/,/^}/d -e /bfd.on;/d"
    $filter < "$here/examples/ecmp-bgp/bird-router.conf" > "$work/r.conf"
    ip netns exec "${p}r" bird -f -c "$work/r.conf" -s "$work/r.ctl" > "$work/r.log" 2>&1 & pids="$pids $!"
    for i in 1 2 3; do
        sed "s/10\.91\.0\.11/10.91.0.1$i/g" "$here/examples/ecmp-bgp/bird-director.conf" | $filter > "$work/d$i.conf"
        ip netns exec "${p}d$i" bird -f -c "$work/d$i.conf" -s "$work/d$i.ctl" > "$work/bd$i.log" 2>&1 &
        eval "bird$i=$!"; pids="$pids $!"
        ip netns exec "${p}d$i" "$here/bin/jvs-director" --socket "$work/d$i.sock" --announce-interface lo \
            --sloppy-tcp --drain-delay 2 --interface eth0 > "$work/jvs$i.log" 2>&1 &
        eval "jvs$i=$!"; pids="$pids $!"
    done
    for i in 1 2 3; do
        while [ ! -S "$work/d$i.sock" ]; do sleep 0.1; done
        A="env JVS_SOCKET=$work/d$i.sock $here/bin/ipvsadm"
        until $A -A -t $VIP:7000 -s mh 2>/dev/null; do sleep 0.2; done
        for s in 1 2 3; do $A -a -t $VIP:7000 -r 10.91.0.2$s -g; done
    done
    until via 1 && via 2 && via 3; do sleep 0.1; done
    sleep 1
    t0=$(now_ms)
    ip netns exec "${p}d1" nft add table inet crash
    ip netns exec "${p}d1" nft add chain inet crash out '{ type filter hook output priority 0 ; policy drop ; }'
    kill -9 "$jvs1" "$bird1"
    crash=$(wait_gone "$t0" 1)
    t0=$(now_ms)
    kill -TERM "$jvs2"
    term=$(wait_gone "$t0" 2)
    wait "$jvs2" || true
    exit_ms=$(( $(now_ms) - t0 ))
    echo "bfd $1: crash -> withdrawn ${crash} ms; SIGTERM -> withdrawn ${term} ms (director exited after ${exit_ms} ms)"
    for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "$here/bench/lib/ecmp_topology.sh" down "$p"
}

for n in $(seq "$rounds"); do
    round on
    round off
done
