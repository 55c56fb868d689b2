#!/bin/sh
# The kernel's IPVS selftest topology (tools/testing/selftests/net/netfilter/ipvs.sh), with private addresses:
#   ${p}c  client: bridge br0 10.${n}.0.2 over veth01 (to the director) and veth02 (to the real server)
#   ${p}d  director: veth10 10.${n}.0.1 (the clients' gateway), veth12 172.16.${n}.1 (towards the real server)
#   ${p}r  real server: veth21 172.16.${n}.2, veth20 10.${n}.0.3 (straight back to the clients)
# The client routes the VIP 10.${n}.9.110 through the director. Mode dr|nat|tun prepares the director and real
# server as the selftest does, except the director's VIP on lo: the caller adds it after the ipvsadm commands.
# For tun the caller also starts bin/jvs-tun-rs --interface veth21 in the real server.
# Usage: ipvs_selftest_topology.sh up|down PREFIX NET [dr|nat|tun]
set -eu
action=$1 p=$2 n=$3 mode=${4:-dr}
c=${p}c d=${p}d r=${p}r
vip=10.$n.9.110

down() {
    for x in $c $d $r; do ip netns del "$x" 2>/dev/null || true; done
}
if [ "$action" = down ]; then down; exit 0; fi
down
for x in $c $d $r; do
    ip netns add "$x"
    ip -n "$x" link set lo up
done
ip link add veth01 netns "$c" type veth peer name veth10 netns "$d"
ip link add veth02 netns "$c" type veth peer name veth20 netns "$r"
ip link add veth12 netns "$d" type veth peer name veth21 netns "$r"
ip -n "$c" link add br0 type bridge
ip -n "$c" link set veth01 master br0 up
ip -n "$c" link set veth02 master br0 up
ip -n "$c" link set br0 up
ip -n "$c" addr add "10.$n.0.2/24" dev br0
ip -n "$d" link set veth10 up
ip -n "$d" addr add "10.$n.0.1/24" dev veth10
ip -n "$d" link set veth12 up
ip -n "$d" addr add "172.16.$n.1/24" dev veth12
ip -n "$r" link set veth21 up
ip -n "$r" addr add "172.16.$n.2/24" dev veth21
ip -n "$r" link set veth20 up
ip -n "$r" addr add "10.$n.0.3/24" dev veth20
ip -n "$c" route add "$vip" via "10.$n.0.1" dev br0
for x in $c $d $r; do ip netns exec "$x" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1; done

case $mode in
dr|tun)
    [ "$mode" = dr ] && ip netns exec "$d" sysctl -q -w net.ipv4.ip_forward=1
    [ "$mode" = tun ] && ip netns exec "$d" sysctl -q -w net.ipv4.ip_forward=0
    ip netns exec "$r" sysctl -q -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
        net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.veth21.rp_filter=0
    ip -n "$r" addr add "$vip/32" dev lo
    ;;
nat)
    ip netns exec "$d" sysctl -q -w net.ipv4.ip_forward=1
    ip -n "$r" link del veth20
    ip -n "$r" route add default via "172.16.$n.1" dev veth21
    ;;
esac
exit 0
