#!/bin/sh
# Namespaces for IPIP tunnel (LVS-TUN) tests: real servers one routed hop away from the director.
#   front bridge: ${p}c client 10.${n}.0.10, ${p}d director 10.${n}.0.2 (+ VIP 10.${n}.0.100), ${p}g router 10.${n}.0.1
#   back bridge:  ${p}g router 10.${n}.1.1, ${p}r1 / ${p}r2 real servers 10.${n}.1.11 / .12 (VIP on lo)
# Both bridges live in namespace ${p}s. The real servers decapsulate with bin/jvs-tun-rs (started by the caller).
# Usage: tun_topology.sh up|down PREFIX NET
set -eu
action=$1 p=$2 n=$3
here=$(cd "$(dirname "$0")/../.." && pwd)

down() {
    for x in c d g r1 r2 s; do ip netns del "${p}$x" 2>/dev/null || true; done
}
if [ "$action" = down ]; then down; exit 0; fi
down
ip netns add "${p}s"
for br in fb bb; do
    ip -n "${p}s" link add "${p}$br" type bridge
    ip -n "${p}s" link set "${p}$br" up
done
# plug NS IFNAME BRIDGE ADDRESS
plug() {
    ns=${p}$1
    ip netns list | grep -q "^$ns\b" || { ip netns add "$ns"; ip -n "$ns" link set lo up; }
    ip link add "${p}$1$2" type veth peer name "${p}$1$2e"
    ip link set "${p}$1$2e" netns "${p}s"
    ip -n "${p}s" link set "${p}$1$2e" master "${p}$3" up
    ip link set "${p}$1$2" netns "$ns"
    ip -n "$ns" link set "${p}$1$2" name "$2"
    ip -n "$ns" link set "$2" up
    ip -n "$ns" addr add "$4/24" dev "$2"
}
plug c eth0 fb "10.$n.0.10"
plug d eth0 fb "10.$n.0.2"
plug g eth0 fb "10.$n.0.1"
plug g eth1 bb "10.$n.1.1"
plug r1 eth0 bb "10.$n.1.11"
plug r2 eth0 bb "10.$n.1.12"
ip netns exec "${p}g" sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
    net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.eth1.rp_filter=0
ip -n "${p}d" route add "10.$n.1.0/24" via "10.$n.0.1"
ip -n "${p}d" addr add "10.$n.0.100/32" dev eth0
for x in r1 r2; do
    ip -n "${p}$x" route add default via "10.$n.1.1"
    ip netns exec "${p}$x" "$here/examples/lvs_dr_rs.sh" "10.$n.0.100"
done
