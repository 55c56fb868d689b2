package dev.jvs.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.jvs.e2e.VrrpLab.assertStaysTrue;
import static dev.jvs.e2e.VrrpLab.awaitTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A JVS director and a real keepalived (run with --vrrp: only its VRRP process) in one virtual
 * router: JVS must be a drop-in peer for either side of an existing pair, in VRRPv2 (with PASS
 * authentication) and VRRPv3.
 */
class KeepalivedInteropIT {

    static final String VIP = "10.77.0.100";
    static final long FAILOVER_MILLIS = 3_000 + 1_000 + 8_000;

    @BeforeAll
    static void needsRootAndKeepalived() {
        VrrpLab.assumeRootWithIp();
        assumeTrue(VrrpLab.hasCommand("keepalived"), "keepalived is not installed (apt-get install keepalived): interop tests skipped");
    }

    static String conf(int version, int priority) {
        String auth = version == 2 ? """
                    authentication {
                        auth_type PASS
                        auth_pass interop
                    }
                """ : "";
        return """
                global_defs {
                    router_id jvs-interop
                    vrrp_version %d
                }
                vrrp_instance VI_1 {
                    state BACKUP
                    interface eth0
                    virtual_router_id 42
                    priority %d
                    advert_int 1
                %s
                    virtual_ipaddress {
                        %s/24
                    }
                }
                """.formatted(version, priority, auth, VIP);
    }

    static Process keepalived(VrrpLab lab, int node, Path dir, String conf) throws Exception {
        Path home = Files.createDirectories(dir.resolve("keepalived" + node + "-" + System.nanoTime()));
        Path file = Files.writeString(home.resolve("keepalived.conf"), conf);
        return lab.spawn(node, home.resolve("keepalived.log"), "keepalived", "--vrrp", "--dont-fork", "--log-console",
                "--log-detail", "--use-file", file.toString(),
                "--pid", home.resolve("keepalived.pid").toString(), "--vrrp_pid", home.resolve("vrrp.pid").toString());
    }

    static DirectorProcess jvs(VrrpLab lab, int node, Path dir, String conf) throws Exception {
        return VrrpFailoverIT.director(lab, node, dir, conf);
    }

    static void stop(Process p) throws InterruptedException {
        p.destroy(); // SIGTERM: keepalived sends priority 0 and removes its VIPs
        p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "VRRPv{0}")
    @ValueSource(ints = {2, 3})
    void keepalivedMasterWithJvsBackupElectsFailsOverAndPreempts(int version, @TempDir Path dir) throws Exception {
        try (VrrpLab lab = new VrrpLab(2)) {
            Process ka = keepalived(lab, 1, dir, conf(version, 150));
            try (DirectorProcess backup = jvs(lab, 2, dir, conf(version, 100))) {
                awaitTrue("keepalived (150) is master, JVS (100) backup", FAILOVER_MILLIS, () -> lab.holders(VIP, 2).equals(List.of(1)));
                assertStaysTrue("JVS accepts keepalived's adverts and stays backup", 4_000, () -> lab.holders(VIP, 2).equals(List.of(1)));

                stop(ka);
                awaitTrue("JVS takes over when keepalived leaves", FAILOVER_MILLIS, () -> lab.holders(VIP, 2).equals(List.of(2)));
                assertStaysTrue("JVS stays the only master", 2_000, () -> lab.holders(VIP, 2).equals(List.of(2)));

                keepalived(lab, 1, dir, conf(version, 150));
                awaitTrue("keepalived preempts JVS and JVS releases the VIP", FAILOVER_MILLIS, () -> lab.holders(VIP, 2).equals(List.of(1)));
                assertStaysTrue("no flapping after preemption", 3_000, () -> lab.holders(VIP, 2).equals(List.of(1)));
            }
        }
    }

    @ParameterizedTest(name = "VRRPv{0}")
    @ValueSource(ints = {2, 3})
    void jvsMasterWithKeepalivedBackupElectsFailsOverAndPreempts(int version, @TempDir Path dir) throws Exception {
        try (VrrpLab lab = new VrrpLab(2)) {
            DirectorProcess master = jvs(lab, 1, dir, conf(version, 150));
            try {
                keepalived(lab, 2, dir, conf(version, 100));
                awaitTrue("JVS (150) is master, keepalived (100) backup", FAILOVER_MILLIS, () -> lab.holders(VIP, 2).equals(List.of(1)));
                assertStaysTrue("keepalived accepts JVS's adverts and stays backup", 4_000, () -> lab.holders(VIP, 2).equals(List.of(1)));

                master.kill(); // crash: keepalived must notice the silence
                VrrpLab.sh("ip", "-n", lab.ns(1), "addr", "del", VIP + "/24", "dev", "eth0");
                awaitTrue("keepalived takes over when JVS dies", FAILOVER_MILLIS, () -> lab.hasAddress(2, VIP));

                master = jvs(lab, 1, dir, conf(version, 150));
                awaitTrue("JVS preempts keepalived and keepalived releases the VIP", FAILOVER_MILLIS,
                        () -> lab.holders(VIP, 2).equals(List.of(1)));
                assertStaysTrue("no flapping after preemption", 3_000, () -> lab.holders(VIP, 2).equals(List.of(1)));
            } finally {
                master.close();
            }
        }
    }

    static String unicastConf(int self, int peer, int priority) {
        return """
                vrrp_instance VI_U {
                    state BACKUP
                    interface eth0
                    virtual_router_id 43
                    priority %d
                    advert_int 1
                    unicast_src_ip 10.77.0.%d
                    unicast_peer {
                        10.77.0.%d
                    }
                    virtual_ipaddress {
                        %s/24
                    }
                }
                """.formatted(priority, self, peer, VIP);
    }

    @org.junit.jupiter.api.Test
    void unicastPeersFailOverBothWays(@TempDir Path dir) throws Exception {
        try (VrrpLab lab = new VrrpLab(2)) {
            Process ka = keepalived(lab, 2, dir, unicastConf(2, 1, 100));
            DirectorProcess jvs = jvs(lab, 1, dir, unicastConf(1, 2, 150));
            try {
                awaitTrue("JVS (150) is the unicast master", FAILOVER_MILLIS, () -> lab.holders(VIP, 2).equals(List.of(1)));
                assertStaysTrue("keepalived stays backup on unicast adverts", 4_000, () -> lab.holders(VIP, 2).equals(List.of(1)));
                jvs.stop();
                awaitTrue("keepalived takes over", FAILOVER_MILLIS, () -> lab.holders(VIP, 2).equals(List.of(2)));
                jvs = jvs(lab, 1, dir, unicastConf(1, 2, 150));
                awaitTrue("JVS preempts keepalived over unicast", FAILOVER_MILLIS, () -> lab.holders(VIP, 2).equals(List.of(1)));
                stop(ka);
                assertStaysTrue("JVS keeps the VIP", 2_000, () -> lab.holders(VIP, 2).equals(List.of(1)));
            } finally {
                jvs.close();
            }
        }
    }

    @org.junit.jupiter.api.Test
    void ipv6Version3KeepalivedMasterWithJvsBackup(@TempDir Path dir) throws Exception {
        String conf = """
                vrrp_instance V6 {
                    state BACKUP
                    interface eth0
                    virtual_router_id 44
                    priority %d
                    advert_int 1
                    virtual_ipaddress {
                        fd77::100/64
                    }
                }
                """;
        String vip6 = "fd77::100";
        try (VrrpLab lab = new VrrpLab(2)) {
            Process ka = keepalived(lab, 1, dir, conf.formatted(150));
            try (DirectorProcess backup = jvs(lab, 2, dir, conf.formatted(100))) {
                awaitTrue("keepalived is the IPv6 master", FAILOVER_MILLIS, () -> lab.holders(vip6, 2).equals(List.of(1)));
                assertStaysTrue("JVS accepts keepalived's IPv6 adverts", 4_000, () -> lab.holders(vip6, 2).equals(List.of(1)));
                stop(ka);
                awaitTrue("JVS takes the IPv6 VIP", FAILOVER_MILLIS, () -> lab.holders(vip6, 2).equals(List.of(2)));
                keepalived(lab, 1, dir, conf.formatted(150));
                awaitTrue("keepalived preempts JVS over IPv6", FAILOVER_MILLIS, () -> lab.holders(vip6, 2).equals(List.of(1)));
                assertStaysTrue("no flapping", 3_000, () -> lab.holders(vip6, 2).equals(List.of(1)));
            }
        }
    }
}
