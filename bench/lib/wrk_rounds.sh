# Sourced after lib/processes.sh by the scripts that set balancers side by side with wrk on one small file
# (nat_ab.sh, nat_floor.sh): a warm-up, interleaved rounds with each balancer's rate, p50, p99 and CPU per
# connection (request), and rows of medians. The caller sets ROUNDS, DURATION, WARMUP, CONNS, PER (connection or
# request), URL_PATH, HEADER (wrk's extra arguments, an array, may be empty), PORT[who] (its port on 127.0.0.1)
# and GROUP[who] (its process group's name in PGID).

# Two passes, half the time each. A JVM compiles what the first pass runs for what that pass saw: with keep-alive,
# reads and writes on open connections only. The next run's first connections then undo some of it
# (deoptimization), and what is compiled again costs a round a third more CPU per request. The second pass takes
# that cost here.
warm_up() { # who...
    local pass who
    echo "== warm-up (${WARMUP}s through each in two passes, not counted)"
    for pass in 1 2; do
        for who in "$@"; do
            wrk -t2 -c"$CONNS" -d"$((WARMUP / 2))s" ${HEADER[@]+"${HEADER[@]}"} \
                "http://127.0.0.1:${PORT[$who]}$URL_PATH" >/dev/null 2>&1 || true
        done
    done
}

cpu_ticks() { # who: CPU time (clock ticks) of a balancer's processes so far
    local total=0 pid
    for pid in $(pgrep -g "${PGID[${GROUP[$1]}]}"); do
        [ -r "/proc/$pid/stat" ] || continue
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    echo "$total"
}

declare -A RPS=() P50=() P99=() CPU=()
measure_rounds() { # who...: a line per measurement; the figures go to RPS, P50, P99 and CPU by who
    local r who t0 t1 out rps p50 p99 cpu hz
    hz=$(getconf CLK_TCK)
    echo "round who rate p50 p99 cpu-us/$PER"
    for r in $(seq "$ROUNDS"); do
        for who in "$@"; do
            t0=$(cpu_ticks "$who")
            out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency ${HEADER[@]+"${HEADER[@]}"} \
                "http://127.0.0.1:${PORT[$who]}$URL_PATH")
            t1=$(cpu_ticks "$who")
            if grep -qE 'Socket errors|Non-2xx' <<<"$out"; then
                echo "   ($who: $(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr -s ' '))" >&2
            fi
            rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
            p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
            p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
            # the balancer's CPU per connection (request): steadier than the rate, which follows what else holds
            # the cores
            cpu=$(awk -v n="$(awk '/requests in/ {print $1}' <<<"$out")" -v t=$((t1 - t0)) -v hz="$hz" \
                'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')
            echo "$r $who $rps $p50 $p99 $cpu"
            RPS[$who]+="$rps "; P50[$who]+="$p50 "; P99[$who]+="$p99 "; CPU[$who]+="$cpu "
        done
    done
}

median() { # values with units (ms, us, s) or plain numbers: the middle one (the lower of two), as printed
    python3 - "$@" <<'PY'
import sys, re
def val(v):
    m = re.match(r'([\d.]+)(us|ms|s)?$', v)
    return float(m.group(1)) * {'us': 0.001, 'ms': 1, 's': 1000, None: 1}[m.group(2)]
vs = sorted(sys.argv[1:], key=val)
print(vs[(len(vs) - 1) // 2] if vs else "-")
PY
}

median_row() { # label figures(RPS, P50, P99 or CPU) who...: a markdown row of each who's median
    local label=$1 who line
    local -n figures=$2
    shift 2
    line="| $label |"
    # shellcheck disable=SC2086
    for who in "$@"; do line+=" $(median ${figures[$who]}) |"; done
    echo "$line"
}
