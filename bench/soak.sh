#!/usr/bin/env bash
# Soak: the director under steady NAT and DR load while its world changes every 25 s; resources sampled every
# 10 s. Not a test: run it for as long as you can afford and read the summary.
#   bench/soak.sh MINUTES        (root; after mvn -B -q -DskipTests package; needs python3 and the JDK's jcmd)
# Topology: bench/lib/dr_topology.sh (client, director, two real servers on one bridge, in namespaces).
# Load (bench/lib/soak_load.py, in the client namespace): NAT short requests (Connection: close), one keep-alive
# connection and 4 MiB bulk downloads to VIP:8080; four long-lived DR echo flows to VIP:9000.
# Events, in turn: a NAT real server killed and restarted 8 s later (its health check flaps: TCP_CHECK), a
# weight set to 0 and back, an identical table restored in one batch (-C then ipvsadm-save's lines), SIGHUP.
# Exit status: 1 if a client error was not explained by a killed real server, or a resource kept growing.
set -euo pipefail
minutes=${1:?usage: bench/soak.sh MINUTES}
here=$(cd "$(dirname "$0")/.." && pwd)
p=sk$$ n=83
p=${p:0:6}
vip=10.$n.0.100 r1=10.$n.0.11 r2=10.$n.0.12
work=$(mktemp -d)
events=$work/events samples=$work/samples
: >"$events"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -n "${dpid:-}" ] && kill "$dpid" 2>/dev/null || true
    for ns in c r1 r2; do ip netns pids ${p}$ns 2>/dev/null | xargs -r kill 2>/dev/null || true; done
    sleep 1
    "$here/bench/lib/dr_topology.sh" down $p $n
    echo "soak: logs and samples kept in $work"
}
trap cleanup EXIT INT TERM
"$here/bench/lib/dr_topology.sh" up $p $n

http_server() { # $1 = r1|r2
    local addr; addr=$([ "$1" = r1 ] && echo $r1 || echo $r2)
    ip netns exec ${p}$1 python3 "$here/bench/lib/soak_server.py" http "$addr" 8080 >/dev/null 2>&1 &
    echo $! >"$work/http-$1.pid"
}
for r in r1 r2; do
    http_server $r
    ip netns exec ${p}$r python3 "$here/bench/lib/soak_server.py" echo 9000 >/dev/null 2>&1 &
    pids+=($!)
done

cat >"$work/keepalived.conf" <<CONF
virtual_server $vip 8080 {
    delay_loop 2
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server $r1 8080 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server $r2 8080 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
virtual_server $vip 9000 {
    delay_loop 5
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server $r1 9000 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server $r2 9000 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
CONF
export JVS_SOCKET=$work/jvs.sock
ip netns exec ${p}d "$here/bin/jvs-director" --socket "$JVS_SOCKET" --keepalived-conf "$work/keepalived.conf" \
    >"$work/director.log" 2>&1 &
dpid=$!
for i in $(seq 1 300); do grep -q "jvs-director ready" "$work/director.log" 2>/dev/null && break; sleep 0.2; done
grep -q "jvs-director ready" "$work/director.log" || { echo "soak: the director did not start"; cat "$work/director.log"; exit 1; }
sleep 3 # the first health checks

seconds=$((minutes * 60))
ip netns exec ${p}c python3 "$here/bench/lib/soak_load.py" $vip 8080 9000 $seconds "$events" "$work/result.json" &
load=$!

sample() {
    local rss threads fds heap t0 t1
    rss=$(awk '/VmRSS/ {print $2}' /proc/$dpid/status)
    threads=$(awk '/Threads/ {print $2}' /proc/$dpid/status)
    fds=$(ls /proc/$dpid/fd | wc -l)
    jcmd $dpid GC.run >/dev/null 2>&1 || true
    heap=$(jcmd $dpid GC.heap_info 2>/dev/null | awk '/used/ {for (i = 1; i <= NF; i++) if ($i == "used") {print $(i+1); exit}}' | tr -d 'K,')
    t0=$(date +%s%N)
    "$here/bin/ipvsadm" -Ln >/dev/null
    t1=$(date +%s%N)
    echo "$(date +%s) rss_kb=$rss heap_kb=${heap:-0} fds=$fds threads=$threads ipvsadm_ms=$(( (t1 - t0) / 1000000 ))" >>"$samples"
}
event() { # $1 = index
    case $(( $1 % 4 )) in
        0) echo "$(date +%s.%N) kill r1" >>"$events"; kill "$(cat "$work/http-r1.pid")"; sleep 8
           http_server r1; echo "$(date +%s.%N) restart r1" >>"$events" ;;
        1) echo "$(date +%s.%N) weight0 r2" >>"$events"; "$here/bin/ipvsadm" -e -t $vip:8080 -r $r2:8080 -m -w 0; sleep 5
           "$here/bin/ipvsadm" -e -t $vip:8080 -r $r2:8080 -m -w 1 ;;
        2) echo "$(date +%s.%N) restore" >>"$events"
           { echo "-C"; "$here/bin/ipvsadm-save" -n; } | "$here/bin/ipvsadm-restore" ;;
        3) echo "$(date +%s.%N) sighup" >>"$events"; kill -HUP $dpid ;;
    esac
}

start=$(date +%s) next_event=$((start + 25)) next_sample=$start i=0
while kill -0 $load 2>/dev/null; do
    now=$(date +%s)
    if [ "$now" -ge "$next_sample" ]; then sample; next_sample=$((now + 10)); fi
    if [ "$now" -ge "$next_event" ]; then event $i || echo "$(date +%s.%N) event-failed $i" >>"$events"; i=$((i + 1)); next_event=$((now + 25)); fi
    kill -0 $dpid 2>/dev/null || { echo "soak: the director died"; tail -30 "$work/director.log"; exit 1; }
    sleep 1
done
wait $load || true
sample

echo "soak: $minutes min, $i events ($(awk '{print $2}' "$events" | sort | uniq -c | tr '\n' ' '))"
python3 - "$work/result.json" "$samples" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
rows = [dict(kv.split("=") for kv in line.split()[1:]) for line in open(sys.argv[2])]
print("client successes:", result["ok"])
print("expected errors (a real server was down):", result["expected"] or "none")
print("unexpected errors:", result["unexpected"] or "none")
for sample in result["unexpected_samples"]:
    print("  e.g.", sample)
bad = bool(result["unexpected"])
for key in ("rss_kb", "heap_kb", "fds", "threads", "ipvsadm_ms"):
    values = [int(r[key]) for r in rows]
    third = max(1, len(values) // 3)
    early, late = values[third:2 * third] or values, values[-third:]
    print("%-11s first %8d  last %8d  max %8d" % (key, values[0], values[-1], max(values)))
    # "grew without bound": the lowest late value is well above the highest of the middle third
    limits = {"rss_kb": (1.5, 65536), "heap_kb": (1.5, 32768), "fds": (1.0, 50), "threads": (1.0, 20)}
    if key in limits and len(values) >= 6:
        factor, slack = limits[key]
        if min(late) > max(early) * factor + slack:
            print("  -> %s kept growing" % key)
            bad = True
sys.exit(1 if bad else 0)
PY
