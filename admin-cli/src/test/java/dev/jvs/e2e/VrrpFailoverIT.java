package dev.jvs.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.jvs.e2e.VrrpLab.assertStaysTrue;
import static dev.jvs.e2e.VrrpLab.awaitTrue;
import static dev.jvs.e2e.VrrpLab.awaitWithin;
import static dev.jvs.e2e.VrrpLab.crashTakeoverBoundMillis;
import static dev.jvs.e2e.VrrpLab.leaveTakeoverBoundMillis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Two real JVS directors in one virtual router, on a bridge between network namespaces. */
class VrrpFailoverIT {

    static final String VIP = "10.77.0.100";
    /** 3 × advert_int + skew (< 1 s) for advert_int 1, plus a generous margin for a loaded CI box. */
    static final long FAILOVER_MILLIS = 3_000 + 1_000 + 8_000;

    @BeforeAll
    static void needsRoot() {
        VrrpLab.assumeRootWithIp();
    }

    static String instance(int priority, String extra) {
        return """
                vrrp_instance VI_1 {
                    state BACKUP
                    interface eth0
                    virtual_router_id 51
                    priority %d
                    advert_int 1
                    authentication {
                        auth_type PASS
                        auth_pass jvs-test
                    }
                    virtual_ipaddress {
                        %s/24 label eth0:vip
                    }
                    %s
                }
                """.formatted(priority, VIP, extra);
    }

    static DirectorProcess director(VrrpLab lab, int node, Path dir, String conf) throws Exception {
        Path home = Files.createDirectories(dir.resolve("node" + node + "-" + System.nanoTime()));
        Path file = Files.writeString(home.resolve("keepalived.conf"), conf);
        return DirectorProcess.startWith(home, lab.in(node), "--vrrp-conf", file.toString());
    }

    @Test
    void electsOneMasterFailsOverOnCrashAndPreemptsBackOnRestart(@TempDir Path dir) throws Exception {
        try (VrrpLab lab = new VrrpLab(3)) {
            Path arpLog = dir.resolve("arp.txt");
            assumeTrue(VrrpLab.hasCommand("tcpdump"), "tcpdump missing: cannot watch gratuitous ARPs");
            lab.spawn(3, arpLog, "tcpdump", "-l", "-n", "-e", "-i", "eth0", "arp");
            awaitTrue("tcpdump listening", 10_000, () -> Files.readString(arpLog).contains("listening on"));

            DirectorProcess high = director(lab, 1, dir, instance(150, ""));
            try (DirectorProcess low = director(lab, 2, dir, instance(100, ""))) {
                awaitTrue("VIP on the priority-150 director only", FAILOVER_MILLIS, () -> lab.holders(VIP, 2).equals(List.of(1)));
                assertStaysTrue("VIP stays on exactly one director", 3_000, () -> lab.holders(VIP, 2).equals(List.of(1)));

                String mac = lab.mac(1);
                awaitTrue("5 gratuitous ARPs from the new master", 5_000, () -> Files.readString(arpLog).lines()
                        .filter(l -> l.contains(mac + " > ff:ff:ff:ff:ff:ff") && l.contains("Request who-has " + VIP + " ")
                                && l.contains(" tell " + VIP + ",")).count() >= 5);

                long killed = System.nanoTime();
                high.kill(); // a crash: no priority-0 advert, so the backup must time out
                long took = awaitWithin("the priority-100 backup takes the VIP within 3 × advert_int + skew + 1 s",
                        killed, crashTakeoverBoundMillis(2, 100, 1_000), () -> lab.hasAddress(2, VIP));
                System.out.println("SIGKILL: the backup held the VIP " + took + " ms after the kill");
                String lowMac = lab.mac(2);
                awaitTrue("the backup announces the VIP", 5_000, () -> Files.readString(arpLog).contains(lowMac + " > ff:ff:ff:ff:ff:ff"));

                // The crashed director left its VIP behind; clear it as a reboot would.
                VrrpLab.sh("ip", "-n", lab.ns(1), "addr", "del", VIP + "/24", "dev", "eth0");
                try (DirectorProcess again = director(lab, 1, dir, instance(150, ""))) {
                    awaitTrue("the higher priority preempts back", FAILOVER_MILLIS, () -> lab.holders(VIP, 2).equals(List.of(1)));
                    awaitTrue("the old backup logs BACKUP again", 5_000, () -> low.log().split("Entering MASTER STATE", 2)[1].contains("Entering BACKUP STATE"));
                    long stopped = System.nanoTime();
                    assertEquals(0, again.stop(), again.log());
                    assertFalse(lab.hasAddress(1, VIP), "a director removes its VIPs when it exits");
                    long handover = awaitWithin("priority 0 at SIGTERM: the backup takes over within skew + 1 s",
                            stopped, leaveTakeoverBoundMillis(2, 100, 1_000), () -> lab.hasAddress(2, VIP));
                    System.out.println("SIGTERM: the backup held the VIP " + handover + " ms after the signal");
                }
                assertEquals(0, low.stop(), low.log());
                assertFalse(lab.hasAddress(2, VIP), "a director removes its VIPs when it exits");
            } finally {
                high.close();
            }
        }
    }

    @Test
    void nopreemptLeavesTheRunningLowerMasterInPlace(@TempDir Path dir) throws Exception {
        try (VrrpLab lab = new VrrpLab(2);
             DirectorProcess low = director(lab, 2, dir, instance(100, ""))) {
            awaitTrue("the only director becomes master", FAILOVER_MILLIS, () -> lab.hasAddress(2, VIP));
            try (DirectorProcess high = director(lab, 1, dir, instance(150, "nopreempt"))) {
                assertStaysTrue("the lower-priority master keeps the VIP", 8_000, () -> lab.holders(VIP, 2).equals(List.of(2)));
                assertTrue(high.log().contains("Entering BACKUP STATE"), high.log());
                long stopped = System.nanoTime();
                low.stop();
                awaitWithin("nopreempt still takes over when the master leaves, within skew + 1 s", stopped,
                        leaveTakeoverBoundMillis(2, 150, 1_000), () -> lab.holders(VIP, 2).equals(List.of(1)));
            }
        }
    }

    @Test
    void version3Ipv6InstanceFailsOver(@TempDir Path dir) throws Exception {
        String conf = """
                vrrp_instance V6 {
                    interface eth0
                    virtual_router_id 61
                    priority %d
                    advert_int 0.5
                    virtual_ipaddress {
                        fd77::100/64
                    }
                }
                """;
        try (VrrpLab lab = new VrrpLab(3)) {
            assumeTrue(VrrpLab.hasCommand("tcpdump"), "tcpdump missing: cannot watch neighbour advertisements");
            Path naLog = dir.resolve("na.txt");
            lab.spawn(3, naLog, "tcpdump", "-l", "-n", "-e", "-i", "eth0", "icmp6 and ip6[40] == 136");
            awaitTrue("tcpdump listening", 10_000, () -> Files.readString(naLog).contains("listening on"));
            try (DirectorProcess a = director(lab, 1, dir, conf.formatted(200));
                 DirectorProcess b = director(lab, 2, dir, conf.formatted(100))) {
                ipv6Failover(lab, a, b, naLog);
            }
        }
    }

    private static void ipv6Failover(VrrpLab lab, DirectorProcess a, DirectorProcess b, Path naLog) throws Exception {
        awaitTrue("IPv6 VIP on the priority-200 director only", FAILOVER_MILLIS,
                () -> lab.holders("fd77::100", 2).equals(List.of(1)));
        String mac = lab.mac(1);
        awaitTrue("5 unsolicited NAs for the VIP from the master", 5_000, () -> Files.readString(naLog).lines()
                .filter(l -> l.contains(mac + " > 33:33:00:00:00:01") && l.contains("neighbor advertisement")
                        && l.contains("tgt is fd77::100")).count() >= 5);
        long killed = System.nanoTime();
        a.kill();
        awaitWithin("v3: the IPv6 VIP moves to the backup within 3 × advert_int + skew + 1 s", killed,
                crashTakeoverBoundMillis(3, 100, 500), () -> lab.hasAddress(2, "fd77::100"));
        awaitTrue("the backup logs MASTER", 5_000, () -> b.log().contains("Entering MASTER STATE"));
    }

    @Test
    void keepalivedConfRunsTheVirtualServersAndTheIncludedVrrpInstanceFromOneFile(@TempDir Path dir) throws Exception {
        Path home = Files.createDirectories(dir.resolve("node1"));
        Files.writeString(home.resolve("vrrp.conf"), instance(150, ""));
        Path file = Files.writeString(home.resolve("keepalived.conf"), """
                virtual_server %s 80 {
                    lb_algo rr
                    lb_kind NAT
                    protocol TCP
                    real_server %s1 8080 {
                        weight 1
                    }
                }
                include vrrp.conf
                """.formatted(VIP, VrrpLab.SUBNET));
        try (VrrpLab lab = new VrrpLab(1);
             DirectorProcess d = DirectorProcess.startWith(home, lab.in(1), "--keepalived-conf", file.toString())) {
            awaitTrue("the VIP of the included vrrp_instance appears", FAILOVER_MILLIS, () -> lab.hasAddress(1, VIP));
            assertTrue(d.ok("-L", "-n").contains("TCP  " + VIP + ":80 rr"), d.ok("-L", "-n"));
            assertEquals(0, d.stop(), d.log());
            assertFalse(lab.hasAddress(1, VIP), "a director removes its VIPs when it exits");
        }
    }

    static Path notifyScript(Path dir) throws Exception {
        Path log = dir.resolve("notify.log");
        Path script = dir.resolve("notify.sh");
        Files.writeString(script, "#!/bin/sh\necho \"$@\" >> " + log + "\n");
        script.toFile().setExecutable(true);
        return script;
    }

    @Test
    void failingUnweightedTrackScriptMeansFaultAndNotifiesEveryTransition(@TempDir Path dir) throws Exception {
        Path healthy = Files.writeString(dir.resolve("healthy"), "ok");
        Path notify = notifyScript(dir);
        Path notifyLog = dir.resolve("notify.log");
        String conf = """
                vrrp_script chk_file {
                    script "/usr/bin/test -e %s"
                    interval 1
                }
                %s
                """.formatted(healthy, instance(150, """
                    track_script {
                        chk_file
                    }
                    notify_master "%1$s master"
                    notify_fault "%1$s fault"
                    notify %1$s
                """.formatted(notify)));
        try (VrrpLab lab = new VrrpLab(1);
             DirectorProcess d = director(lab, 1, dir, conf)) {
            awaitTrue("master with a healthy script", FAILOVER_MILLIS, () -> lab.hasAddress(1, VIP));
            Files.delete(healthy);
            awaitTrue("FAULT releases the VIP", 5_000, () -> !lab.hasAddress(1, VIP));
            awaitTrue("notify scripts ran", 5_000, () -> Files.exists(notifyLog)
                    && Files.readString(notifyLog).contains("fault\nINSTANCE VI_1 FAULT 150"));
            String log = Files.readString(notifyLog);
            assertTrue(log.startsWith("INSTANCE VI_1 BACKUP 150\nmaster\nINSTANCE VI_1 MASTER 150\n"), log);
            Files.writeString(healthy, "ok");
            awaitTrue("back to MASTER once the script succeeds", FAILOVER_MILLIS, () -> lab.hasAddress(1, VIP));
        }
    }

    @Test
    void weightedTrackScriptFailureLowersPriorityAndTheBackupPreempts(@TempDir Path dir) throws Exception {
        Path healthy = Files.writeString(dir.resolve("healthy"), "ok");
        String script = """
                vrrp_script chk_file {
                    script "/usr/bin/test -e %s"
                    interval 1
                    weight -60
                    fall 2
                    rise 1
                }
                """.formatted(healthy);
        String track = "track_script {\n chk_file\n }";
        try (VrrpLab lab = new VrrpLab(2);
             DirectorProcess high = director(lab, 1, dir, script + instance(150, track));
             DirectorProcess low = director(lab, 2, dir, instance(100, ""))) {
            awaitTrue("priority 150 is master", FAILOVER_MILLIS, () -> lab.holders(VIP, 2).equals(List.of(1)));
            Files.delete(healthy);
            awaitTrue("150 − 60 = 90 < 100: the backup preempts", FAILOVER_MILLIS, () -> lab.holders(VIP, 2).equals(List.of(2)));
            awaitTrue("the change is logged", 5_000, () -> high.log().contains("Changing effective priority from 150 to 90"));
            Files.writeString(healthy, "ok");
            awaitTrue("healthy again: 150 preempts back", FAILOVER_MILLIS, () -> lab.holders(VIP, 2).equals(List.of(1)));
        }
    }

    /**
     * Raw VRRPv2 adverts for VRID 51 from 10.77.0.2 to 224.0.0.18 (TTL 255, auth PASS jvs-test, the VIP), one every
     * 100 ms with the priority cycling through argv[1] (comma separated); after each valid advert one with a broken
     * checksum and one of 5 garbage bytes.
     */
    private static final String FLAPPING_PEER = """
            import socket, struct, sys, time
            prios = [int(p) for p in sys.argv[1].split(",")]
            vip = socket.inet_aton(sys.argv[2])
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(sys.argv[3]))
            def csum(b):
                t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
                while t >> 16: t = (t & 0xffff) + (t >> 16)
                return ~t & 0xffff
            def advert(prio):
                body = struct.pack("!BBBBBBH", 0x21, 51, prio, 1, 1, 1, 0) + vip + b"jvs-test"
                c = csum(body)
                return body[:6] + struct.pack("!H", c) + body[8:]
            n = 0
            while True:
                a = advert(prios[n % len(prios)]); n += 1
                s.sendto(a, ("224.0.0.18", 0))
                s.sendto(a[:6] + bytes([a[6] ^ 0xff]) + a[7:], ("224.0.0.18", 0))
                s.sendto(bytes([0x21, 0x33, 0, 0, 0]), ("224.0.0.18", 0))
                print(n, flush=True)
                time.sleep(0.1)
            """;

    @Test
    void aFlappingPeerCannotMoveTheVipFasterThanTheTimersAllowAndItsBadAdvertsAreCounted(@TempDir Path dir)
            throws Exception {
        assumeTrue(VrrpLab.hasCommand("python3"), "python3 is needed for the raw adverts");
        try (VrrpLab lab = new VrrpLab(2);
             DirectorProcess d = director(lab, 1, dir, instance(100, ""))) {
            awaitTrue("the only director becomes master", FAILOVER_MILLIS, () -> lab.hasAddress(1, VIP));
            Path peerLog = dir.resolve("peer.txt");
            lab.spawn(2, peerLog, "python3", "-c", FLAPPING_PEER, "200,50", VIP, VrrpLab.SUBNET + 2);
            long seconds = 12;
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            boolean held = true;
            int moves = 0;
            while (System.nanoTime() < deadline) {
                boolean now = lab.hasAddress(1, VIP);
                if (now != held) moves++;
                held = now;
                Thread.sleep(50);
            }
            assertTrue(Files.readString(peerLog).lines().count() > 50, "the peer sent: " + Files.readString(peerLog));
            // Taking the VIP back needs master_down_interval (3.61 s) without a priority-200 advert, which comes
            // every 200 ms: the first priority-200 advert unseats the director and nothing more may move.
            long timersAllow = 2 * (seconds * 1000 / (3_000 + VrrpLab.skewMillis(2, 100, 1_000)) + 1);
            assertTrue(moves <= timersAllow, moves + " VIP moves in " + seconds + " s; the timers allow " + timersAllow);
            assertEquals(1, moves, "the VIP leaves once, for the priority-200 peer, and stays away:\n" + d.log());
            assertFalse(lab.hasAddress(1, VIP));
            assertTrue(d.log().contains("Entering BACKUP STATE"), d.log());
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\((\\d+) adverts dropped so far\\)")
                    .matcher(d.log());
            long dropped = 0;
            while (m.find()) dropped = Long.parseLong(m.group(1));
            assertTrue(dropped >= 10, "bad-checksum and garbage adverts are counted in the log: " + d.log());
            assertTrue(d.log().contains("invalid checksum"), d.log());
        }
    }
}
