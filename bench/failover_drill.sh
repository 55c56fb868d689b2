#!/bin/sh
# Failover drill: the DirectorFailoverIT topology (two JVS directors with VRRP, a DR virtual_server and
# lvs_sync_daemon, two echo real servers, a client), N long-lived echo flows through the VIP, then R rounds of
# SIGKILL-the-master / measure / restart-it-as-backup / wait-for-sync. The drill itself is
# admin-cli/src/test/java/dev/jvs/e2e/FailoverDrill.java (it reuses the IT helpers); this runs it and prints
# its report. Both directors are state BACKUP + nopreempt (priorities 150/100): drills alternate A, B, A ...
# Usage (root): bench/failover_drill.sh [FLOWS] [ROUNDS]
set -eu
flows=${1:-20}
rounds=${2:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
ip netns list | awk '{print $1}' | sort > "$work/before"
cleanup() {
    # Whatever the drill left behind if it was interrupted: only namespaces that appeared during this run.
    ip netns list | awk '{print $1}' | sort > "$work/after"
    for ns in $(comm -13 "$work/before" "$work/after" | grep '^jv' || true); do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
cd "$here"
mvn -B -q -DskipTests package
mvn -B verify -pl admin-cli -am -Dit.test=FailoverDrill -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Djvs.drill.flows="$flows" -Djvs.drill.rounds="$rounds" -Djvs.drill.report="$work/report.txt" \
    > "$work/mvn.log" 2>&1 || { tail -80 "$work/mvn.log"; cat "$work/report.txt" 2>/dev/null; exit 1; }
grep -E '^(drill|median|    broken| *[0-9]+ flows)' "$work/mvn.log" || true
echo "--- report"
cat "$work/report.txt"
