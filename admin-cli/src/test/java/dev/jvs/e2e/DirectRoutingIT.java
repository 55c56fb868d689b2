package dev.jvs.e2e;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real director in its own network namespace forwarding a DR service (-g) to two real servers on the same
 * bridge: requests reach both, replies bypass the director, and nothing gets through once it is stopped.
 */
class DirectRoutingIT extends DirectorInNamespaces {

    private void drService(String port, String scheduler) throws Exception {
        director.ok("-A", "-t", Namespaces.VIP + ":" + port, "-s", scheduler);
        director.ok("-a", "-t", Namespaces.VIP + ":" + port, "-r", Namespaces.RS1, "-g");
        director.ok("-a", "-t", Namespaces.VIP + ":" + port, "-r", Namespaces.RS2, "-g");
    }

    @Test
    void rrSpreadsHttpRequestsOverBothRealServersAndRepliesBypassTheDirector() throws Exception {
        drService("80", "rr");
        // a capture on the director of any TCP the real servers send back (from the VIP; ARP for it is the director's)
        Process capture = new ProcessBuilder(net.exec("d", "timeout", "8", "tcpdump", "-lni", "eth0", "-c", "100",
                "tcp and src host " + Namespaces.VIP)).redirectErrorStream(true).start();
        Thread.sleep(1000);
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) answers.add(net.curl("/"));
        String captured = new String(capture.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        capture.waitFor(15, TimeUnit.SECONDS);

        // newest first, as the kernel's list: RS2, RS1, RS2, RS1
        assertEquals(List.of("RS2", "RS1", "RS2", "RS1"), answers, director.log());
        assertTrue(captured.contains("0 packets captured"), "no server->client packet crosses the director:\n"
                + captured);
        String stats = director.ok("-Ln", "--stats");
        assertTrue(stats.matches("(?s).*TCP  " + Namespaces.VIP.replace(".", "\\.") + ":80 +4 +\\d+ +0 +\\d+ +0\n.*"),
                "4 connections counted in, nothing out:\n" + stats);
        String connections = director.ok("-Lnc");
        assertTrue(connections.contains(Namespaces.VIP + ":80"), connections);
        assertTrue(connections.contains("FIN_WAIT") || connections.contains("CLOSE"), connections);
    }

    @Test
    void aBigDownloadCompletesThroughTheVip() throws Exception {
        drService("80", "rr");
        String size = net.runIn("c", "curl", "-s", "-m", "20", "-o", "/dev/null", "-w", "%{size_download}",
                "http://" + Namespaces.VIP + "/big");
        assertEquals(Integer.toString(4 * 1024 * 1024), size.trim());
    }

    /** The one test with offloads off everywhere, as older setups and guides have it: plain frames still flow. */
    @Test
    void withEveryOffloadTurnedOffRequestsAndABigDownloadStillGoThrough() throws Exception {
        assumeTrue(Namespaces.onPath("ethtool"), "skipped: needs ethtool on the PATH");
        for (String ns : List.of("c", "d", "r1", "r2")) {
            net.run(net.exec(ns, "ethtool", "-K", "eth0", "tso", "off", "gso", "off", "gro", "off", "tx", "off")
                    .toArray(new String[0]));
        }
        drService("80", "rr");
        assertEquals(List.of("RS2", "RS1"), List.of(net.curl("/"), net.curl("/")), director.log());
        String size = net.runIn("c", "curl", "-s", "-m", "20", "-o", "/dev/null", "-w", "%{size_download}",
                "http://" + Namespaces.VIP + "/big");
        assertEquals(Integer.toString(4 * 1024 * 1024), size.trim());
    }

    /**
     * The pcap backend at the kernel's default offloads: libpcap hands over frames without the offload header, so
     * checksums the client's veth left unfinished and its TSO aggregates must be finished and cut in user space.
     * A 4-byte UDP datagram (shorter than any TCP frame, as iperf3's UDP greeting), HTTP and an 8 MiB upload
     * all arrive intact.
     */
    @Test
    void thePcapBackendForwardsOffloadedFramesAtDefaultOffloads() throws Exception {
        director.stop();
        director = DirectorProcess.startWith(dir, net.exec("d"), "--packet-backend", "pcap");
        drService("80", "rr");
        assertEquals(List.of("RS2", "RS1"), List.of(net.curl("/"), net.curl("/")), director.log());

        // A service added for a next hop the packet path already reaches forwards its first datagram at once: the
        // MAC learnt from the wire for the service above goes with the next hop, whatever the kernel's neighbour
        // cache holds (flushed here, as its entries age away). The datagram follows the command that adds the
        // real server without a pause, and is sent once: dropped while RS1 was asked for again, it was lost.
        net.run(net.exec("d", "ip", "neigh", "flush", "all").toArray(new String[0]));
        director.ok("-A", "-u", Namespaces.VIP + ":7001", "-s", "rr");
        Process echo = new ProcessBuilder(net.exec("r1", "python3", "-c", """
                import socket, sys
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 7001))
                print("ready", flush=True)
                data, peer = s.recvfrom(100); s.sendto(b"RS1:" + data, peer)
                """, Namespaces.VIP)).redirectErrorStream(true).start();
        try {
            assertEquals("ready", new BufferedReader(new InputStreamReader(echo.getInputStream())).readLine());
            director.ok("-a", "-u", Namespaces.VIP + ":7001", "-r", Namespaces.RS1, "-g");
            assertEquals("RS1:ping", net.runIn("c", "python3", "-c", """
                    import socket, sys
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
                    s.sendto(b"ping", (sys.argv[1], 7001))
                    try: print(s.recv(100).decode())
                    except socket.timeout: print("no answer")
                    """, Namespaces.VIP).trim(), director.log());
        } finally {
            echo.destroy();
        }

        director.ok("-A", "-t", Namespaces.VIP + ":7000", "-s", "rr");
        director.ok("-a", "-t", Namespaces.VIP + ":7000", "-r", Namespaces.RS1, "-g");
        int bytes = 8 * 1024 * 1024;
        String[] words = net.uploadWithDigest(bytes).split("\\s+");
        assertEquals(4, words.length, String.join(" ", words) + "\n" + director.log());
        assertEquals(Integer.toString(bytes), words[2], "bytes received:\n" + director.log());
        assertEquals(words[0], words[3], "the real server's SHA-256 equals the sender's");
    }

    /**
     * The socket filter: with the bridge flooding every frame to every port (as a hub, or a switch that has not
     * learnt the MACs), an iperf3 run between the client and a real server's own address reaches the director's
     * interface but not its packet path: the frames it saw (logged when it stops) are only the VIP's.
     */
    @Test
    void trafficBetweenOtherHostsNeverReachesThePacketPath() throws Exception {
        assumeTrue(Namespaces.onPath("iperf3"), "skipped: needs iperf3 on the PATH");
        drService("80", "rr");
        net.run("ip", "-n", net.prefix + "s", "link", "set", net.prefix + "br", "type", "bridge", "ageing_time", "0");
        long before = receivedPackets();
        Process server = new ProcessBuilder(net.exec("r2", "iperf3", "-s", "-1", "-B", Namespaces.RS2))
                .redirectErrorStream(true).start();
        try {
            String flood = "";
            for (int attempt = 0; attempt < 50 && !flood.contains("receiver"); attempt++) {
                Thread.sleep(100); // until the server listens
                flood = net.runIn("c", "iperf3", "-c", Namespaces.RS2, "-t", "2");
            }
            assertTrue(flood.contains("receiver"), flood);
        } finally {
            server.destroy();
        }
        long flooded = receivedPackets() - before;
        assertTrue(flooded > 1_000, "the flood reached the director's interface: " + flooded + " packets");
        assertEquals("RS2", net.curl("/"));
        assertEquals(0, director.stop());
        String log = director.log();
        director = null;
        java.util.regex.Matcher seen = java.util.regex.Pattern.compile("packet path stopped: seen=(\\d+)").matcher(log);
        assertTrue(seen.find(), log);
        assertTrue(Long.parseLong(seen.group(1)) < 100, "frames the packet path saw: " + seen.group(1)
                + " of " + flooded + " on its interface");
    }

    /** The director's eth0 receive counter, from sysfs. */
    private long receivedPackets() throws Exception {
        return Long.parseLong(net.runIn("d", "cat", "/sys/class/net/eth0/statistics/rx_packets").trim());
    }

    /**
     * Two packet threads share the traffic by flow hash: a persistent client's connections land on both, yet all
     * go to one real server (the template is shared), and -Lnc lists each connection once.
     */
    @Test
    void withTwoPacketThreadsAPersistentClientStaysOnOneServerAndEachFlowIsListedOnce() throws Exception {
        director.stop();
        director = DirectorProcess.startWith(dir, net.exec("d"), "--packet-threads", "2");
        director.ok("-A", "-t", Namespaces.VIP + ":80", "-s", "rr", "-p", "60");
        director.ok("-a", "-t", Namespaces.VIP + ":80", "-r", Namespaces.RS1, "-g");
        director.ok("-a", "-t", Namespaces.VIP + ":80", "-r", Namespaces.RS2, "-g");
        java.util.Set<String> answers = new java.util.TreeSet<>();
        int connections = 30;
        for (int i = 0; i < connections; i++) answers.add(net.curl("/"));
        assertEquals(1, answers.size(), "one real server for the client: " + answers + "\n" + director.log());
        String listing = director.ok("-Lnc");
        // the template (client port 0) is NONE at first, ASSURED once a connection it controls is established
        List<String> flows = listing.lines().filter(l -> l.startsWith("TCP") && !l.split("\\s+")[3].endsWith(":0"))
                .toList();
        assertEquals(connections, flows.size(), listing);
        assertEquals(connections, flows.stream().map(l -> l.split("\\s+")[3]).distinct().count(),
                "each client port once:\n" + listing);
        assertEquals(0, director.stop());
        String log = director.log();
        director = null;
        for (int lane = 0; lane < 2; lane++) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("packet thread " + lane
                    + ": seen=\\d+ forwarded=\\d+ newFlows=(\\d+)").matcher(log);
            assertTrue(m.find() && Integer.parseInt(m.group(1)) > 0, "thread " + lane + " had flows:\n" + log);
        }
    }

    @Test
    void withTheDirectorStoppedNoClientTrafficReachesTheRealServers() throws Exception {
        drService("80", "rr");
        assertEquals("RS2", net.curl("/"));
        assertEquals(0, director.stop());
        director = null;
        Process capture = new ProcessBuilder(net.exec("r1", "timeout", "5", "tcpdump", "-lni", "eth0", "-c", "20",
                "tcp port 80")).redirectErrorStream(true).start();
        Thread.sleep(1000);
        assertEquals("", net.curl("/"));
        assertEquals("", net.curl("/"));
        String captured = new String(capture.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        capture.waitFor(15, TimeUnit.SECONDS);
        assertTrue(captured.contains("0 packets captured"), captured);
        assertEquals("", net.runIn("d", "nft", "list", "table", "inet", "jvs").replaceAll("(?s).*No such file.*", ""),
                "the director removed its nftables table on exit");
    }

    @Test
    void anEstablishedFlowStaysOnItsServerWhenWeightsChangeAndAServerIsAdded() throws Exception {
        drService("7000", "wrr");
        Process client = new ProcessBuilder(net.exec("c", "python3", "-c", """
                import socket, sys
                s = socket.create_connection((sys.argv[1], 7000), timeout=10)
                f = s.makefile("rwb")
                for line in sys.stdin:
                    f.write(b"x\\n"); f.flush()
                    print(f.readline().decode().strip(), flush=True)
                """, Namespaces.VIP)).redirectErrorStream(true).start();
        try (OutputStream in = client.getOutputStream();
             BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream()))) {
            in.write("go\n".getBytes());
            in.flush();
            String first = out.readLine();
            assertTrue(first.equals("RS1") || first.equals("RS2"), first);
            String other = first.equals("RS1") ? Namespaces.RS2 : Namespaces.RS1;
            String own = first.equals("RS1") ? Namespaces.RS1 : Namespaces.RS2;
            director.ok("-e", "-t", Namespaces.VIP + ":7000", "-r", own, "-g", "-w", "0");
            director.ok("-e", "-t", Namespaces.VIP + ":7000", "-r", other, "-g", "-w", "5");
            director.ok("-a", "-t", Namespaces.VIP + ":7000", "-r", "10." + Namespaces.NET + ".0.13", "-g", "-w", "9");
            for (int i = 0; i < 3; i++) {
                in.write("again\n".getBytes());
                in.flush();
                assertEquals(first, out.readLine(), "the flow keeps its real server");
            }
            String connections = director.ok("-Lnc");
            assertTrue(connections.contains("ESTABLISHED") && connections.contains(own + ":7000"), connections);
        } finally {
            client.destroyForcibly();
        }
    }

    @Test
    void underRrWithPersistenceAClientStaysOnOneRealServerAndItsTemplateIsListed() throws Exception {
        director.ok("-A", "-t", Namespaces.VIP + ":80", "-s", "rr", "-p", "60");
        director.ok("-a", "-t", Namespaces.VIP + ":80", "-r", Namespaces.RS1, "-g");
        director.ok("-a", "-t", Namespaces.VIP + ":80", "-r", Namespaces.RS2, "-g");
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) answers.add(net.curl("/"));

        String first = answers.get(0);
        assertTrue(first.equals("RS1") || first.equals("RS2"), answers + "\n" + director.log());
        assertEquals(List.of(first, first, first, first), answers, "rr alone would alternate");
        String connections = director.ok("-Lnc");
        assertTrue(connections.matches("(?s).*TCP +\\S+ +ASSURED +10\\." + Namespaces.NET
                + "\\.0\\.10:0 +" + Namespaces.VIP.replace(".", "\\.") + ":80 .*"),
                "the persistence template is listed:\n" + connections);
        String persistent = director.ok("-Ln", "--persistent-conn");
        assertTrue(persistent.matches("(?s).*-> " + (first.equals("RS1") ? Namespaces.RS1 : Namespaces.RS2)
                + ":80 +\\d+ +1 +.*"), "PersistConn counts it:\n" + persistent);
    }
}
