#!/bin/sh
# LVS-DR real server: accept packets for the VIP without ever answering ARP for it.
# Usage: lvs_dr_rs.sh VIP        (run as root on each real server; the service listens on VIP or 0.0.0.0 / ::)
set -eu
vip=$1
case $vip in
*:*)
    # IPv6 needs no arp_ignore: Linux answers a neighbour solicitation only for addresses on the interface it
    # arrived on (and proxy NDP is off by default), so a VIP on lo stays silent on eth0; replies and solicitations
    # leaving eth0 take eth0's own addresses as source. nodad: duplicate detection for the VIP would be wrong here.
    ip -6 addr add "$vip/128" dev lo nodad 2>/dev/null || true
    exit 0;;
esac
# Reply to ARP only for addresses on the interface asked on, and never announce the VIP as a source.
sysctl -q -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
sysctl -q -w net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2
ip addr add "$vip/32" dev lo 2>/dev/null || true
