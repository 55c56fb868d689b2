#!/bin/sh
# LVS-NAT: one virtual service, two real servers, weighted round robin.
#
# The classic LVS-NAT director script, driving JVS through its drop-in
# ipvsadm. With a director running, e.g. from the repository root:
#
#   bin/jvs-director --socket /tmp/jvs.sock &
#   JVS_SOCKET=/tmp/jvs.sock examples/lvs_nat.sh
#
# The defaults stay on loopback, so it is safe to try on a laptop; override
# any variable from the environment for real addresses, e.g.
#   VIP=192.168.1.110 VPORT=80 RIP1=10.1.1.2 RIP2=10.1.1.3 RPORT=80 examples/lvs_nat.sh
# IPVSADM=/sbin/ipvsadm runs the same rules against kernel IPVS instead.

set -e

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)

IPVSADM=${IPVSADM:-$SCRIPT_DIR/../bin/ipvsadm}
VIP=${VIP:-127.0.0.1}
VPORT=${VPORT:-8080}
RIP1=${RIP1:-127.0.0.1}
RIP2=${RIP2:-127.0.0.1}
# Real hosts usually share one port (RPORT); on loopback they need two.
RPORT1=${RPORT1:-${RPORT:-9001}}
RPORT2=${RPORT2:-${RPORT:-9002}}

if ! command -v "$IPVSADM" >/dev/null 2>&1; then
    echo "lvs_nat.sh: no ipvsadm at $IPVSADM (build JVS first, or set IPVSADM)" >&2
    exit 1
fi

# Start from an empty table, so running the script twice gives the same rules.
$IPVSADM -C
$IPVSADM -A -t "$VIP:$VPORT" -s wrr
$IPVSADM -a -t "$VIP:$VPORT" -r "$RIP1:$RPORT1" -m -w 1
$IPVSADM -a -t "$VIP:$VPORT" -r "$RIP2:$RPORT2" -m -w 1
$IPVSADM -Ln
