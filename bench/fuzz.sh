#!/usr/bin/env bash
# Longer runs of the jqwik fuzz properties than the suite's few thousand cases each.
#   bench/fuzz.sh [TRIES]     (default 50000 per property; same fixed seeds, so a failure replays)
# A failure prints jqwik's shrunk sample and seed; add the sample to the property's saved corpus (@Example).
set -euo pipefail
tries=${1:-50000}
cd "$(dirname "$0")/.."
mvn -B -o -q -pl common,healthcheck,director -am test \
    -Dtest='IpvsadmGrammarProperties,KeepalivedReaderProperties,VrrpAndSyncDecoderProperties,PacketForwarderProperties' \
    -Dsurefire.failIfNoSpecifiedTests=false \
    -DargLine="-Djqwik.tries.default=$tries"
echo "fuzz: every property passed $tries tries (the include-graph property runs its own, smaller count)"
