#!/usr/bin/env bash
# CLI start-up: median wall time and median CPU time (user+sys) of N (default 50) `ipvsadm -Ln` calls against a
# running director, without the class-data-sharing archive (JVS_CLI_CDS=0: the JDK's default archive only) and
# with it. CPU time says more than wall time on a busy machine.
#
#   bench/cli_startup.sh                         # bin/ipvsadm, 50 calls each way
#   CALLS=20 IPVSADM=/usr/sbin/jvs-ipvsadm bench/cli_startup.sh
#   RT=1 bench/cli_startup.sh                    # root: as on a quiet machine, while others load this one
#
# Starts its own director on a temporary socket with a two-service table; stops it on exit. With RT=1 the
# director and every call run under SCHED_FIFO (chrt -f 1): the rest of the machine waits while they run, so the
# wall time is close to a quiet machine's (other work still shares caches and memory: a little slower).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
IPVSADM=${IPVSADM:-$ROOT/bin/ipvsadm}
CALLS=${CALLS:-50}
TMP=$(mktemp -d)
export JVS_SOCKET=$TMP/jvs.sock
cleanup() {
    [ -n "${DIRECTOR_PID:-}" ] && kill "$DIRECTOR_PID" 2>/dev/null && wait "$DIRECTOR_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
printf '%s\n' '-A -t 127.0.0.1:18080 -s wlc' '-a -t 127.0.0.1:18080 -r 127.0.0.1:18081 -m -w 2' \
    '-a -t 127.0.0.1:18080 -r 127.0.0.1:18082 -m -w 1' '-A -u 127.0.0.1:18053 -s rr' \
    '-a -u 127.0.0.1:18053 -r 127.0.0.1:18054 -m' > "$TMP/rules"
rt=
[ "${RT:-0}" = 1 ] && rt="chrt -f 1"
$rt "$ROOT/bin/jvs-director" --socket "$JVS_SOCKET" --config "$TMP/rules" > "$TMP/director.log" 2>&1 &
DIRECTOR_PID=$!
for _ in $(seq 100); do grep -q "jvs-director ready" "$TMP/director.log" && break; sleep 0.1; done
grep -q "jvs-director ready" "$TMP/director.log" || { cat "$TMP/director.log"; exit 1; }

# "median wall ms, median CPU (user+sys) ms" of CALLS calls, from bash's own timing of each child
measure() {
    local walls=() cpus=() r u s TIMEFORMAT='%3R %3U %3S'
    for _ in $(seq "$CALLS"); do
        read -r r u s < <({ time $rt "$IPVSADM" -Ln > /dev/null 2>&1; } 2>&1)
        walls+=("$r") cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
    done
    echo "$(median "${walls[@]}") $(median "${cpus[@]}")"
}
median() { # of seconds, printed in milliseconds
    printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", 1000 * (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'
}
"$IPVSADM" -Ln > /dev/null   # page cache warm for both runs
# classes one call loads, and how many of them come from the archive
JVS_CLI_JAVA_OPTS="-Xlog:class+load=info:file=$TMP/classes.log" "$IPVSADM" -Ln > /dev/null
classes="$(wc -l < "$TMP/classes.log") classes, $(grep -c 'source: shared objects file' "$TMP/classes.log") from the archive"
read -r before before_cpu < <(JVS_CLI_CDS=0 measure)
read -r after after_cpu < <(measure)
echo "cli_startup $(date +%Y%m%d-%H%M%S): median of $CALLS '$(basename "$IPVSADM") -Ln': without CLI archive ${before} ms (CPU ${before_cpu} ms), with it ${after} ms (CPU ${after_cpu} ms; $classes)${rt:+ (SCHED_FIFO)} (load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs)"
