#!/bin/sh
# LVS-DR director, classic shape: the VIP on the director's interface, then ipvsadm rules.
# Usage: lvs_dr.sh VIP PORT IFACE RS1 [RS2 ...]      (run bin/jvs-director first, as root)
# Replies go from the real servers straight to the clients; only client->VIP traffic crosses the director.
set -eu
vip=$1 port=$2 dev=$3
shift 3
here=$(cd "$(dirname "$0")/.." && pwd)
ipvsadm=${IPVSADM:-$here/bin/ipvsadm}
ip addr add "$vip/32" dev "$dev" 2>/dev/null || true
"$ipvsadm" -A -t "$vip:$port" -s rr
for rs in "$@"; do
    "$ipvsadm" -a -t "$vip:$port" -r "$rs" -g -w 1
done
"$ipvsadm" -Ln
