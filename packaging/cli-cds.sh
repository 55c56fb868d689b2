#!/bin/sh
# Builds the CLI's class-data-sharing archive: a training run (dev.jvs.cli.CdsTraining) lists the classes a
# call loads, then a static dump maps them, with the method-handle forms they need, into ARCHIVE. The CLI's
# launchers pass it with -XX:SharedArchiveFile; the JVM checks it against the class path and the JDK and
# quietly ignores it when either changed (-Xshare:auto), so a stale archive costs speed, never correctness.
# Usage: cli-cds.sh ARCHIVE CLASSPATH        (CLASSPATH exactly as the launcher passes it)
set -eu
archive=$1 cp=$2
list=$(mktemp)
trap 'rm -f "$list" "$archive.tmp"' EXIT
# G1, at dump time and in the launchers: on JDK 17 only G1 maps the archive's heap objects, and without them the
# JVM rebuilds the module graph on every call (~20 ms of CPU; serial GC is otherwise the lighter choice).
opts="-XX:TieredStopAtLevel=1 -XX:+UseG1GC -Xlog:disable -Xlog:all=error:stderr"
java $opts -XX:DumpLoadedClassList="$list" -cp "$cp" dev.jvs.cli.CdsTraining
java $opts -Xshare:dump -XX:SharedClassListFile="$list" -XX:SharedArchiveFile="$archive.tmp" -cp "$cp" >/dev/null
chmod 644 "$archive.tmp"
mv -f "$archive.tmp" "$archive"
