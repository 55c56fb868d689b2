#!/bin/sh
# Packets per second forwarded by the JVS director in DR mode vs the kernel's own IP forwarding, between the
# same namespaces (bench/lib/dr_topology.sh), with the same generator (iperf3, 64-byte UDP payloads, unlimited
# rate) and the same pinning: generator on CPU ${GEN_CPU:-0}, director (JVM or kernel forwarding) on CPU ${FWD_CPU:-1}.
# Usage (root, after mvn -B -q -DskipTests package): bench/dr_pps.sh [SECONDS]
set -eu
secs=${1:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
p=jb$$ n=79
vip=10.$n.0.100 rs=10.$n.0.11
gen=${GEN_CPU:-0} fwd=${FWD_CPU:-1}
work=$(mktemp -d)
cleanup() {
    [ -n "${dpid:-}" ] && kill "$dpid" 2>/dev/null || true
    ip netns pids ${p}r1 2>/dev/null | xargs -r kill 2>/dev/null || true
    sleep 1
    "$here/bench/lib/dr_topology.sh" down $p $n
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
"$here/bench/lib/dr_topology.sh" up $p $n

# one real server; UDP replies must leave from the VIP, so one iperf3 binds the VIP (5201, for the director)
# and another the server's own address (5202, for kernel forwarding)
ip netns exec ${p}r1 sh -c "iperf3 -s -B $vip -p 5201 >/dev/null 2>&1 & iperf3 -s -B $rs -p 5202 >/dev/null 2>&1 & echo \$!" > "$work/spid"
spid=$(cat "$work/spid")
sleep 1

# receiver-side packet count: what the real server's eth0 received during the run
rx() { ip netns exec ${p}r1 cat /sys/class/net/eth0/statistics/rx_packets; }
run() { # $1 = target address, $2 = port
    before=$(rx)
    taskset -c "$gen" ip netns exec ${p}c iperf3 -u -c "$1" -p "$2" -l 64 -b 0 -t "$secs" >"$work/gen.txt" 2>&1 || true
    after=$(rx)
    echo $(( (after - before) / secs ))
}

# 1. JVS director, DR service for UDP and TCP 5201 (iperf3's control connection), once per packet backend
director_run() { # $1 = af_packet | pcap
    ip netns exec ${p}d taskset -c "$fwd" "$here/bin/jvs-director" --socket "$work/jvs.sock" --packet-backend "$1" \
        >"$work/director.log" 2>&1 &
    dpid=$!
    for i in $(seq 1 100); do grep -q "jvs-director ready" "$work/director.log" 2>/dev/null && break; sleep 0.2; done
    export JVS_SOCKET="$work/jvs.sock"
    "$here/bin/ipvsadm" -A -u $vip:5201 -s rr && "$here/bin/ipvsadm" -a -u $vip:5201 -r $rs -g
    "$here/bin/ipvsadm" -A -t $vip:5201 -s rr && "$here/bin/ipvsadm" -a -t $vip:5201 -r $rs -g
    sleep 1
    run $vip 5201
    kill $dpid; wait $dpid 2>/dev/null || true; dpid=
}
jvs=$(director_run af_packet)
pcap=$(director_run pcap)

# 2. the generator's own ceiling: straight to the real server on the same segment, nothing forwarding
ceiling=$(run $rs 5202)

# 3. the director namespace's kernel routing client -> real server (pinned by steering its RX to one CPU)
ip netns exec ${p}d sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0
ip -n ${p}c route add $rs/32 via 10.$n.0.2
ip netns exec ${p}d sh -c "printf %x $((1 << fwd)) > /sys/class/net/eth0/queues/rx-0/rps_cpus" 2>/dev/null || true
kernel=$(run $rs 5202)

echo "DR forwarding, 64-byte UDP payloads, ${secs}s each, generator on CPU $gen, forwarder on CPU $fwd"
echo "  generator ceiling (direct):     $ceiling packets/s received by the real server"
echo "  kernel IP forwarding:           $kernel packets/s received by the real server"
echo "  jvs-director (af_packet rings): $jvs packets/s received by the real server"
echo "  jvs-director (pcap4j):          $pcap packets/s received by the real server"
awk -v j="$jvs" -v k="$kernel" -v c="$pcap" 'BEGIN {
    if (k > 0) printf "  ratio af_packet / kernel: %.2f\n", j / k;
    if (c > 0) printf "  ratio af_packet / pcap4j: %.2f\n", j / c }'
