package dev.jvs.e2e;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IPv6 direct routing: the real director forwards {@code -t [VIP6]:80 -g} to two real servers that hold the VIP
 * on lo without ever answering neighbour solicitations for it. The director starts with an empty neighbour table,
 * so it must solicit the real servers' MACs itself; replies bypass it.
 */
class DirectRoutingIpv6IT extends DirectorInNamespaces {

    @Override
    Namespaces topology(Path dir) throws Exception {
        return Namespaces.createDualStack(dir);
    }

    @Test
    void rrSpreadsHttpRequestsOverBothIpv6RealServersAfterSolicitingTheirMacs() throws Exception {
        // Nothing known beforehand: the director's packet path has to send its own neighbour solicitations.
        Shell.sh(net.exec("d", "ip", "-6", "neigh", "flush", "all").toArray(new String[0]));
        // Frames the director sends from its packet socket bypass its own taps: watch them arrive at the client,
        // which sees every solicitation (they are multicast).
        Process solicitations = new ProcessBuilder(net.exec("c", "timeout", "60", "tcpdump", "-elni", "eth0", "-c",
                "100", "icmp6 and ip6[40] == 135")).redirectErrorStream(true).start();
        Thread.sleep(1000);
        String vip = "[" + Namespaces.VIP6 + "]:80";
        director.ok("-A", "-t", vip, "-s", "rr");
        director.ok("-a", "-t", vip, "-r", "[" + Namespaces.RS1_6 + "]:80", "-g");
        director.ok("-a", "-t", vip, "-r", "[" + Namespaces.RS2_6 + "]:80", "-g");

        Process replies = capture("tcp and src host " + Namespaces.VIP6);
        Thread.sleep(1000);
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) answers.add(net.curl6("/"));
        // Captures end when the requests are done, however long the commands before them took.
        String capturedReplies = stopAndRead(replies);
        String capturedSolicitations = stopAndRead(solicitations);
        String directorMac = mac("d");

        // newest first, as the kernel's list: RS2, RS1, RS2, RS1
        assertEquals(List.of("RS2", "RS1", "RS2", "RS1"), answers, director.log());
        assertTrue(capturedReplies.contains("0 packets captured"),
                "no server->client packet crosses the director:\n" + capturedReplies);
        assertTrue(capturedSolicitations.lines().anyMatch(l -> l.contains(directorMac + " > ") && l.contains("who has "
                        + Namespaces.RS1_6 + ",")) && capturedSolicitations.lines().anyMatch(l -> l.contains(
                        directorMac + " > ") && l.contains("who has " + Namespaces.RS2_6 + ",")),
                "the director solicited both real servers:\n" + capturedSolicitations);
        String stats = director.ok("-Ln", "--stats");
        assertTrue(stats.contains("TCP  " + vip) && stats.matches("(?s).*\\]:80 +4 +\\d+ +0 +\\d+ +0\n.*"),
                "4 connections counted in, nothing out:\n" + stats);
    }

    @Test
    void theClientLearnsTheVipFromTheDirectorOnlyNeverFromARealServer() throws Exception {
        Shell.sh(net.exec("c", "ip", "-6", "neigh", "flush", "all").toArray(new String[0]));
        // Every host sees the multicast solicitation; only the director may answer it.
        Process advertisements = new ProcessBuilder(net.exec("c", "timeout", "4", "tcpdump", "-lni", "eth0",
                "-c", "20", "icmp6 and ip6[40] == 136")).redirectErrorStream(true).start();
        Thread.sleep(1000);
        // any packet to the VIP makes the client resolve it; port 81 is nobody's, the director's kernel resets it
        Shell.run(net.exec("c", "curl", "-6", "-s", "-m", "2", "http://[" + Namespaces.VIP6 + "]:81/")
                .toArray(new String[0]));
        String advertised = output(advertisements);
        String directorMac = mac("d");
        String learned = Shell.run(net.exec("c", "ip", "-6", "neigh", "show", Namespaces.VIP6)
                .toArray(new String[0])).output();

        assertTrue(learned.contains("lladdr " + directorMac), "the VIP resolves to the director (" + directorMac
                + "): " + learned);
        assertTrue(advertised.contains("1 packet captured"), "exactly one advertisement, the director's:\n"
                + advertised);
        assertTrue(!learned.contains(mac("r1")) && !learned.contains(mac("r2")), learned);
    }

    private Process capture(String filter) throws Exception {
        return new ProcessBuilder(net.exec("d", "timeout", "60", "tcpdump", "-lni", "eth0", "-c", "100", filter))
                .redirectErrorStream(true).start();
    }

    /** Stops a capture (timeout passes the signal on; tcpdump prints its counts and exits) and reads it. */
    private static String stopAndRead(Process capture) throws Exception {
        capture.toHandle().destroy(); // SIGTERM, leaving our end of its output open (Process.destroy closes it)
        return output(capture);
    }

    private static String output(Process capture) throws Exception {
        String out = new String(capture.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        capture.waitFor(15, TimeUnit.SECONDS);
        return out;
    }

    private String mac(String ns) throws Exception {
        String link = Shell.run(net.exec(ns, "ip", "-br", "link", "show", "eth0").toArray(new String[0])).output();
        return link.split("\\s+")[2];
    }
}
