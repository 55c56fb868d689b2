#!/bin/sh
# Builds jvs_VERSION_all.deb with dpkg-deb from the jars of a finished `mvn package` (run by `mvn -Pdeb package`,
# or by hand: packaging/deb/build-deb.sh [VERSION] [OUTDIR]).
#   /usr/share/jvs/lib/*.jar            the director's and the CLI's jars
#   /usr/sbin/jvs-director              the daemon; /lib/systemd/system/jvs-director.service runs it
#   /usr/sbin/jvs-director-restart      a restart or upgrade by takeover, refusing no client (the postinst uses it)
#   /usr/sbin/jvs-ipvsadm{,-save,-restore}   the CLI; ipvsadm{,-save,-restore} point there through update-alternatives
#   /etc/jvs/jvs.conf                   the service's options (a conffile)
set -eu
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
home=$(cd "$here/../.." && pwd)
version=${1:-$(sed -n 's#^  <version>\(.*\)</version>#\1#p' "$home/pom.xml" | head -n 1)}
out=${2:-$home/packaging/target}
debversion=$(echo "$version" | sed 's/-/~/g')   # 0.1.0-SNAPSHOT sorts before 0.1.0, as ~ does in Debian
director=$(ls "$home"/director/target/jvs-director-*.jar 2>/dev/null | head -n 1)
cli=$(ls "$home"/admin-cli/target/jvs-admin-cli-*.jar 2>/dev/null | head -n 1)
if [ -z "$director" ] || [ -z "$cli" ]; then
    echo "build-deb: build the jars first: mvn -B -DskipTests package" >&2
    exit 1
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/jvs
lib=/usr/share/jvs/lib
install -d "$root/DEBIAN" "$root$lib" "$root/usr/sbin" "$root/lib/systemd/system" "$root/etc/jvs" \
    "$root/usr/share/doc/jvs"
# the same jar in both lists is the same version (one reactor build): copy each once
for f in "$director" "$cli" "$home"/director/target/lib/*.jar "$home"/admin-cli/target/lib/*.jar; do
    [ -e "$root$lib/$(basename "$f")" ] || install -m 0644 "$f" "$root$lib/"
done

# Class paths spelled out in a fixed order: the CLI's class-data-sharing archive records it.
classpath() { # main jar, then its libs
    cp=$lib/$(basename "$1")
    for f in "$2"/*.jar; do cp="$cp:$lib/$(basename "$f")"; done
    echo "$cp"
}
director_cp=$(classpath "$director" "$home/director/target/lib")
cli_cp=$(classpath "$cli" "$home/admin-cli/target/lib")
echo "$cli_cp" > "$root/usr/share/jvs/cli.classpath"
install -m 0755 "$home/packaging/cli-cds.sh" "$root/usr/share/jvs/cli-cds.sh"

cat > "$root/usr/sbin/jvs-director" <<LAUNCHER
#!/bin/sh
# JVS director (Debian package). Options: jvs-director --help; as a service: /etc/jvs/jvs.conf.
# Its successor (SIGUSR1, jvs-director-restart) runs this launcher again: an upgraded package's jars are used.
export JVS_LAUNCHER=/usr/sbin/jvs-director
exec java \${JVS_JAVA_OPTS:-} -cp "$director_cp" dev.jvs.director.Director "\$@"
LAUNCHER
cli_launcher() { # name, main class
    cat > "$root/usr/sbin/$1" <<LAUNCHER
#!/bin/sh
# JVS's drop-in ${1#jvs-} (Debian package): talks to the director over /run/jvs/jvs.sock or \$JVS_SOCKET.
# The class-data-sharing archive is built by the package's postinst; JVS_CLI_CDS=0 runs without it.
cds=
if [ "\${JVS_CLI_CDS:-1}" != 0 ] && [ -r /var/cache/jvs/ipvsadm.jsa ]; then cds=-XX:SharedArchiveFile=/var/cache/jvs/ipvsadm.jsa; fi
exec java -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -XX:+UseG1GC -XX:-UsePerfData -Xshare:auto \$cds -Xlog:disable -Xlog:all=warning:stderr -Xlog:cds*=off:stderr \\
    \${JVS_CLI_JAVA_OPTS:-} -Djvs.prog=${1#jvs-} -cp "$cli_cp" $2 "\$@"
LAUNCHER
}
cli_launcher jvs-ipvsadm dev.jvs.cli.Ipvsadm
cli_launcher jvs-ipvsadm-restore dev.jvs.cli.IpvsadmRestore
sed -e 's#"$dir/ipvsadm"#/usr/sbin/jvs-ipvsadm#' -e '/^dir=/d' "$home/bin/ipvsadm-save" > "$root/usr/sbin/jvs-ipvsadm-save"
install -m 0755 "$home/bin/jvs-director-restart" "$root/usr/sbin/jvs-director-restart"
chmod 0755 "$root"/usr/sbin/*

install -m 0644 "$here/jvs-director.service" "$root/lib/systemd/system/"
install -m 0644 "$here/jvs.conf" "$root/etc/jvs/"
install -m 0644 "$home/README.md" "$root/usr/share/doc/jvs/README.md"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"
echo /etc/jvs/jvs.conf > "$root/DEBIAN/conffiles"
echo "interest-noawait /usr/lib/jvm" > "$root/DEBIAN/triggers"   # JDK changes: postinst rebuilds the CLI's archive
size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: jvs
Version: $debversion
Architecture: all
Maintainer: JVS developers <jvs@localhost>
Section: net
Priority: optional
Installed-Size: $size
Depends: java-runtime-headless (>= 17) | java17-runtime-headless, adduser
Recommends: iproute2, nftables
Suggests: keepalived
Homepage: https://localhost/jvs
Description: LVS-style layer-4 load balancer in user space, managed with ipvsadm
 JVS (Java Virtual Server) keeps the LVS model (virtual services, real servers,
 schedulers, NAT, direct routing and tunnelling) and a drop-in ipvsadm, for
 hosts where kernel IPVS is missing or locked down. It reads keepalived's
 configuration for health checks and VRRP, and exports Prometheus metrics.
 .
 The CLI is installed as jvs-ipvsadm and, through update-alternatives, as
 ipvsadm, ipvsadm-save and ipvsadm-restore unless Debian's ipvsadm owns them.
CONTROL
mkdir -p "$out"
deb=$out/jvs_${debversion}_all.deb
dpkg-deb --root-owner-group -Zgzip -z1 --build "$root" "$deb" >/dev/null
echo "$deb"
