#!/bin/sh
# LVS-TUN real server: decapsulate IPIP from the director and accept the inner packets for the VIP.
# Usage: lvs_tun_rs.sh VIP       (root; needs the kernel's ipip module — else run bin/jvs-tun-rs instead)
set -eu
vip=$1
modprobe ipip 2>/dev/null || true
ip link set tunl0 up
ip addr add "$vip/32" dev tunl0 2>/dev/null || true
# Inner packets arrive on tunl0 from clients routed elsewhere: loose reverse-path filtering lets them in.
sysctl -q -w net.ipv4.conf.tunl0.rp_filter=0 net.ipv4.conf.all.rp_filter=0
sysctl -q -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
