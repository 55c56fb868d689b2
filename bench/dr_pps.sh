#!/bin/sh
# Packets per second forwarded by the JVS director in DR mode vs the kernel's own IP forwarding, between the
# same namespaces (bench/lib/dr_topology.sh, offloads at their defaults), with the same generator (iperf3, 64-byte
# UDP payloads, unlimited rate): generator on CPU ${GEN_CPU:-0}, a one-thread director (or kernel forwarding) on
# CPU ${FWD_CPU:-1}, a two-thread director unpinned. Then TCP bulk (iperf3, 1 and 4 streams) through the director
# and through kernel forwarding, in Gbit/s.
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

# TCP bulk: Gbit/s the receiver counted. $1 = target, $2 = port, $3 = parallel streams
bulk() {
    taskset -c "$gen" ip netns exec ${p}c iperf3 -c "$1" -p "$2" -P "$3" -t "$secs" >"$work/bulk.txt" 2>&1 || true
    awk '/receiver/ { v = $(NF-2); u = $(NF-1) } END {
        if (u == "Gbits/sec") printf "%.2f", v; else if (u == "Mbits/sec") printf "%.2f", v / 1000;
        else printf "0" }' "$work/bulk.txt"
}

# 1. JVS director, DR service for UDP and TCP 5201 (iperf3's control connection), per backend and thread count
director_run() { # $1 = af_packet | pcap, $2 = packet threads, $3 = CPUs, $4 = also measure TCP bulk (yes/no)
    ip netns exec ${p}d taskset -c "$3" "$here/bin/jvs-director" --socket "$work/jvs.sock" --packet-backend "$1" \
        --packet-threads "$2" >"$work/director.log" 2>&1 &
    dpid=$!
    for i in $(seq 1 100); do grep -q "jvs-director ready" "$work/director.log" 2>/dev/null && break; sleep 0.2; done
    export JVS_SOCKET="$work/jvs.sock"
    "$here/bin/ipvsadm" -A -u $vip:5201 -s rr && "$here/bin/ipvsadm" -a -u $vip:5201 -r $rs -g
    "$here/bin/ipvsadm" -A -t $vip:5201 -s rr && "$here/bin/ipvsadm" -a -t $vip:5201 -r $rs -g
    sleep 1
    printf "%s" "$(run $vip 5201)"
    [ "$4" = yes ] && printf " %s %s" "$(bulk $vip 5201 1)" "$(bulk $vip 5201 4)"
    kill $dpid; wait $dpid 2>/dev/null || true; dpid=
}
set -- $(director_run af_packet 1 "$fwd" yes)
jvs=$1 jvs_bulk1=$2 jvs_bulk4=$3
set -- $(director_run af_packet 2 "0-$(( $(nproc) - 1 ))" yes)
jvs2=$1 jvs2_bulk1=$2 jvs2_bulk4=$3
pcap=$(director_run pcap 1 "$fwd" no)

# 2. the generator's own ceiling: straight to the real server on the same segment, nothing forwarding
ceiling=$(run $rs 5202)

# 3. the director namespace's kernel routing client -> real server (pinned by steering its RX to one CPU)
ip netns exec ${p}d sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0
ip -n ${p}c route add $rs/32 via 10.$n.0.2
ip netns exec ${p}d sh -c "printf %x $((1 << fwd)) > /sys/class/net/eth0/queues/rx-0/rps_cpus" 2>/dev/null || true
kernel=$(run $rs 5202)
kernel_bulk1=$(bulk $rs 5202 1)
kernel_bulk4=$(bulk $rs 5202 4)

echo "DR forwarding, 64-byte UDP payloads, ${secs}s each, generator on CPU $gen, forwarder on CPU $fwd"
echo "  generator ceiling (direct):               $ceiling packets/s received by the real server"
echo "  kernel IP forwarding:                     $kernel packets/s received by the real server"
echo "  jvs-director (af_packet, 1 thread):       $jvs packets/s received by the real server"
echo "  jvs-director (af_packet, 2 threads):      $jvs2 packets/s received by the real server"
echo "  jvs-director (pcap4j):                    $pcap packets/s received by the real server"
awk -v j="$jvs" -v j2="$jvs2" -v k="$kernel" -v c="$pcap" -v g="$ceiling" 'BEGIN {
    if (k > 0) printf "  ratio af_packet 1 thread / kernel: %.2f, 2 threads / kernel: %.2f\n", j / k, j2 / k;
    if (g > 0) printf "  ratio 2 threads / generator ceiling: %.2f\n", j2 / g;
    if (c > 0) printf "  ratio af_packet / pcap4j: %.2f\n", j / c }'
echo "TCP bulk through DR (iperf3, offloads on), Gbit/s received"
echo "  kernel IP forwarding:           1 stream $kernel_bulk1, 4 streams $kernel_bulk4"
echo "  jvs-director, 1 packet thread:  1 stream $jvs_bulk1, 4 streams $jvs_bulk4"
echo "  jvs-director, 2 packet threads: 1 stream $jvs2_bulk1, 4 streams $jvs2_bulk4"
awk -v a="$jvs2_bulk1" -v b="$jvs2_bulk4" -v k1="$kernel_bulk1" -v k4="$kernel_bulk4" 'BEGIN {
    if (k1 > 0 && k4 > 0) printf "  ratio 2 threads / kernel: 1 stream %.2f, 4 streams %.2f\n", a / k1, b / k4 }'
