#!/bin/sh
# Namespaces for the ECMP/BGP tests: a client behind a router, three directors and three real servers on one
# segment (a bridge in its own namespace, away from the host's firewall).
#   ${p}c  client 10.90.0.2, default via the router
#   ${p}r  router 10.90.0.1 (client side), 10.91.0.1 (segment); forwards, hashes multipath flows on ports too
#   ${p}d1..3 directors 10.91.0.11..13, default via the router
#   ${p}s1..3 real servers 10.91.0.21..23 with the VIP 10.92.0.1 on lo (examples/lvs_dr_rs.sh), default via router
# Default offloads everywhere. Usage: ecmp_topology.sh up|down PREFIX     (PREFIX: up to 5 characters, unique)
set -eu
action=$1 p=$2
here=$(cd "$(dirname "$0")/../.." && pwd)
VIP=10.92.0.1
nets="c r d1 d2 d3 s1 s2 s3"

down() {
    for x in $nets b; do ip netns del "${p}$x" 2>/dev/null || true; done
}
if [ "$action" = down ]; then down; exit 0; fi
down
for x in $nets b; do
    ip netns add "${p}$x"
    ip -n "${p}$x" link set lo up
done
ip -n "${p}b" link add name sw type bridge
ip -n "${p}b" link set sw up
# client <-> router
ip link add "${p}c" netns "${p}c" type veth peer name "${p}rc" netns "${p}r"
ip -n "${p}c" link set "${p}c" name eth0
ip -n "${p}c" addr add 10.90.0.2/24 dev eth0
ip -n "${p}c" link set eth0 up
ip -n "${p}c" route add default via 10.90.0.1
ip -n "${p}r" addr add 10.90.0.1/24 dev "${p}rc"
ip -n "${p}r" link set "${p}rc" up
# the segment
seg() { # ns address
    ip link add "${p}$1" netns "${p}$1" type veth peer name "${p}$1b" netns "${p}b"
    ip -n "${p}b" link set "${p}$1b" master sw up
    ip -n "${p}$1" link set "${p}$1" name eth0
    ip -n "${p}$1" addr add "$2/24" dev eth0
    ip -n "${p}$1" link set eth0 up
}
seg r 10.91.0.1
for i in 1 2 3; do
    seg d$i 10.91.0.1$i
    ip -n "${p}d$i" route add default via 10.91.0.1
    seg s$i 10.91.0.2$i
    ip -n "${p}s$i" route add default via 10.91.0.1
    ip netns exec "${p}s$i" "$here/examples/lvs_dr_rs.sh" $VIP
done
ip netns exec "${p}r" sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1
exit 0
