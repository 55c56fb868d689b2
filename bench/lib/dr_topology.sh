#!/bin/sh
# Namespaces for direct-routing tests and benchmarks, all on one bridge:
#   (bridge in namespace ${p}s) ${p}c client 10.${n}.0.10, ${p}d director 10.${n}.0.2 (+ VIP 10.${n}.0.100 on its interface),
#   ${p}r1 / ${p}r2 real servers 10.${n}.0.11 / .12 with the VIP on lo (arp_ignore=1, arp_announce=2).
# With "ipv6" the same hosts are dual-stack: fd00:${n}::10 / ::2 / ::11 / ::12 on eth0, the VIP fd00:${n}::100 on
# the director's eth0 and on the real servers' lo (see examples/lvs_dr_rs.sh for why they never answer for it).
# Usage: dr_topology.sh up|down PREFIX NET [ipv6]     PREFIX: up to 6 characters, unique; NET: 16..250
set -eu
action=$1 p=$2 n=$3 family=${4:-ipv4}
here=$(cd "$(dirname "$0")/../.." && pwd)
br=${p}br
nets="c d r1 r2"
addr() { case $1 in c) echo 10.$n.0.10;; d) echo 10.$n.0.2;; r1) echo 10.$n.0.11;; r2) echo 10.$n.0.12;; esac; }
addr6() { case $1 in c) echo fd00:$n::10;; d) echo fd00:$n::2;; r1) echo fd00:$n::11;; r2) echo fd00:$n::12;; esac; }

down() {
    for x in $nets s; do ip netns del "${p}$x" 2>/dev/null || true; done
}

if [ "$action" = down ]; then down; exit 0; fi
down
# The bridge lives in its own namespace, away from the host's firewall (br_netfilter would filter it).
ip netns add "${p}s"
ip -n "${p}s" link add "$br" type bridge
ip -n "${p}s" link set "$br" up
for x in $nets; do
    ns=${p}$x
    ip netns add "$ns"
    ip link add "${p}$x" type veth peer name "${p}${x}e"
    ip link set "${p}${x}e" netns "${p}s"
    ip -n "${p}s" link set "${p}${x}e" master "$br" up
    ip link set "${p}$x" netns "$ns"
    ip -n "$ns" link set "${p}$x" name eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ip -n "$ns" addr add "$(addr "$x")/24" dev eth0
    if [ "$family" = ipv6 ]; then
        # nodad: usable at once, no tentative second in which the kernel would not answer or use them.
        ip -n "$ns" -6 addr add "$(addr6 "$x")/64" dev eth0 nodad
    else
        ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 || true
    fi
done
ip netns exec "${p}d" ip addr add "10.$n.0.100/32" dev eth0
[ "$family" = ipv6 ] && ip -n "${p}d" -6 addr add "fd00:$n::100/128" dev eth0 nodad
for x in r1 r2; do
    ip netns exec "${p}$x" "$here/examples/lvs_dr_rs.sh" "10.$n.0.100"
    [ "$family" = ipv6 ] && ip netns exec "${p}$x" "$here/examples/lvs_dr_rs.sh" "fd00:$n::100"
done
exit 0
