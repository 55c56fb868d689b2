#!/bin/sh
# Builds admin-cli/target/ipvsadm.jsa for bin/ipvsadm and bin/ipvsadm-restore (run by Maven at package time),
# with the class path those launchers spell out.
home=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
jar=$(ls "$home"/admin-cli/target/jvs-admin-cli-*.jar | head -n 1)
cp=$jar
for f in "$home"/admin-cli/target/lib/*.jar; do cp="$cp:$f"; done
exec "$home/packaging/cli-cds.sh" "$home/admin-cli/target/ipvsadm.jsa" "$cp"
