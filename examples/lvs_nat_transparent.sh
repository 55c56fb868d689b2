#!/bin/sh
# LVS-NAT with the client's address preserved: JVS connects to the real
# servers from the client's own IP (--transparent), so they see the client
# as they would behind kernel LVS-NAT.
#
# Run it as root on the director, with the director running, e.g.:
#
#   bin/jvs-director --socket /tmp/jvs.sock &
#   JVS_SOCKET=/tmp/jvs.sock VIP=192.168.1.110 RIP1=10.1.1.2 RIP2=10.1.1.3 \
#       examples/lvs_nat_transparent.sh
#
# Prerequisites, as for any LVS-NAT director:
#  * The real servers must route their replies to clients through the
#    director (their default gateway is the director's address on their
#    network). A reply that takes another path never reaches JVS and the
#    connection hangs.
#  * The director must run with the epoll or io_uring transport (the default
#    on Linux) and with CAP_NET_ADMIN, which IP_TRANSPARENT needs.
#
# What the script sets up on the director: replies from the real servers are
# addressed to client IPs, which are not local. nftables marks every packet
# that belongs to a transparent socket (socket transparent 1), and a policy
# route sends marked packets to the local stack, where JVS's socket takes
# them. Packets for other, non-JVS traffic are not touched.
# Running the script twice gives the same state.

set -e

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)

IPVSADM=${IPVSADM:-$SCRIPT_DIR/../bin/ipvsadm}
VIP=${VIP:-192.168.1.110}
VPORT=${VPORT:-80}
RIP1=${RIP1:-10.1.1.2}
RIP2=${RIP2:-10.1.1.3}
RPORT1=${RPORT1:-${RPORT:-80}}
RPORT2=${RPORT2:-${RPORT:-80}}
# Firewall mark and routing table for the return traffic; change them if
# they clash with marks or tables already used on this host.
MARK=${MARK:-1}
TABLE=${TABLE:-100}

if ! command -v "$IPVSADM" >/dev/null 2>&1; then
    echo "lvs_nat_transparent.sh: no ipvsadm at $IPVSADM (build JVS first, or set IPVSADM)" >&2
    exit 1
fi
for tool in ip nft; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "lvs_nat_transparent.sh: $tool not found (install iproute2 and nftables)" >&2
        exit 1
    fi
done

# Marked packets are delivered locally, whatever their destination.
ip rule del fwmark "$MARK" lookup "$TABLE" 2>/dev/null || true
ip rule add fwmark "$MARK" lookup "$TABLE"
ip route replace local 0.0.0.0/0 dev lo table "$TABLE"

# Mark the packets of transparent sockets (the real servers' replies). The
# first two lines make the table exist, then drop it, so a rerun starts clean.
nft -f - <<NFT
table ip jvs_transparent
delete table ip jvs_transparent
table ip jvs_transparent {
    chain prerouting {
        type filter hook prerouting priority mangle; policy accept;
        socket transparent 1 meta mark set $MARK
    }
}
NFT

$IPVSADM -C
$IPVSADM -A -t "$VIP:$VPORT" -s wrr
$IPVSADM -a -t "$VIP:$VPORT" -r "$RIP1:$RPORT1" -m -w 1 --transparent
$IPVSADM -a -t "$VIP:$VPORT" -r "$RIP2:$RPORT2" -m -w 1 --transparent
$IPVSADM -Ln
