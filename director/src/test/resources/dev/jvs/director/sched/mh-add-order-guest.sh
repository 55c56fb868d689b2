# mh: which real server the kernel picks for chosen clients with the same three servers added in two orders.
. "$LAB/net.sh"
lab_topology
VIP=10.10.0.10
lab_vip $VIP
CLIENTS="10.20.0.228 10.20.4.89 10.20.17.74 10.20.19.67 10.20.46.25 10.20.66.71 10.20.0.1 10.20.0.2 10.20.0.3 10.20.0.4"
lab_sources $CLIENTS
for i in 1 2 3; do
    ip -n rs$i addr add $VIP/32 dev lo
    rm -f /tmp/dr$i.ready
    ip netns exec rs$i python3 "$LAB/rs.py" rs$i $VIP 80 /tmp/dr$i.ready &
done
for i in 1 2 3; do n=0; while [ ! -e /tmp/dr$i.ready ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n+1)); done; done
targets=$(for c in $CLIENTS; do printf '%s>%s:80,' $c $VIP; done | sed 's/,$//')
for order in "1 2 3" "3 2 1" "2 3 1"; do
    ipvsadm -C
    ipvsadm -A -t $VIP:80 -s mh
    for i in $order; do ipvsadm -a -t $VIP:80 -r 10.10.1.1$i:80 -g; done
    echo "== added in order: $order"
    ipvsadm -Ln | tail -n 3
    lab_client --targets "$targets" | paste -d' ' - /dev/null > /tmp/names
    i=0; for c in $CLIENTS; do i=$((i+1)); echo "$c $(sed -n ${i}p /tmp/names)"; done | tee -a "$OUT/mh-order.txt"
    echo "--" >> "$OUT/mh-order.txt"
done
