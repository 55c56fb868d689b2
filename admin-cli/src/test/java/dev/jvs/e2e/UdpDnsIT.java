package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Real DNS through a UDP NAT service: two dnsmasq real servers, queried with dig through the director. */
class UdpDnsIT {

    /** What each real server answers for example.test, so the test can tell them apart. */
    static final String A = "10.0.0.1";
    static final String B = "10.0.0.2";

    static Path dnsmasq;
    static Path dig;

    @TempDir
    Path dir;
    DirectorProcess director;
    final List<Process> realServers = new ArrayList<>();
    int portA;
    int portB;
    String vip;

    @BeforeAll
    static void findTools() {
        dnsmasq = executable("dnsmasq");
        dig = executable("dig");
        if (dnsmasq == null || dig == null) {
            fail("UdpDnsIT needs dnsmasq and dig: install the Debian packages 'dnsmasq' and 'dnsutils'"
                    + " (apt-get install -y dnsmasq dnsutils; .ci/run does this)");
        }
    }

    @BeforeEach
    void start() throws Exception {
        portA = freePort();
        portB = freePort();
        realServers.add(startDnsmasq(portA, A));
        realServers.add(startDnsmasq(portB, B));
        awaitAnswer(portA, A);
        awaitAnswer(portB, B);
        director = DirectorProcess.start(dir);
        vip = "127.0.0.1:" + freePort();
    }

    @AfterEach
    void stop() throws Exception {
        int status = director == null ? 0 : director.stop();
        for (Process p : realServers) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
        }
        assertEquals(0, status, "a SIGTERM'd director exits 0");
    }

    @Test
    void rrSendsEachNewClientToTheNextDnsServer() throws Exception {
        rrService("");
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) answers.add(query(null));
        // Each dig uses a fresh source port: a new session each, newest real server first.
        assertEquals(List.of(B, A, B, A), answers);

        List<String> entries = udpEntries(director.ok("-L", "-n", "-c"));
        assertEquals(4, entries.size(), () -> "one UDP entry per client:\n" + entries);
        assertEquals(2, entries.stream().filter(e -> e.endsWith("127.0.0.1:" + portA)).count());
        assertEquals(2, entries.stream().filter(e -> e.endsWith("127.0.0.1:" + portB)).count());
        for (String e : entries) {
            assertTrue(e.matches("UDP (0[45]:\\d\\d) +UDP +127\\.0\\.0\\.1:\\d+ +" + vip.replace(".", "\\.") + " .*"), e);
        }
    }

    @Test
    void aClientKeepsItsDnsServerForTheWholeSession() throws Exception {
        rrService("");
        int clientPort = freePort();
        assertEquals(List.of(B, B, B), List.of(query(clientPort), query(clientPort), query(clientPort)));
        assertEquals(1, udpEntries(director.ok("-L", "-n", "-c")).size());
    }

    @Test
    void onePacketSchedulingSendsConsecutiveQueriesOfOneClientToAlternateServers() throws Exception {
        rrService("-o");
        int clientPort = freePort();
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) answers.add(query(clientPort));
        assertEquals(List.of(B, A, B, A), answers);
        assertEquals(List.of(), udpEntries(director.ok("-L", "-n", "-c")), "one-packet entries are not listed");
    }

    @Test
    void onePacketWithPersistenceKeepsEachClientOnItsTemplatesServer() throws Exception {
        rrService("-o", "-p", "60");
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // dig takes a new source port each time: only the client's template keeps it on one server
            first.add(query("127.0.0.2", null));
            second.add(query("127.0.0.3", null));
        }
        assertEquals(List.of(B, B, B), first, "the first client's template points at the newest server");
        assertEquals(List.of(A, A, A), second, "the second client was scheduled by rr: the other server");

        List<String> entries = udpEntries(director.ok("-L", "-n", "-c"));
        assertEquals(2, entries.size(), () -> "one template per client, one-packet connections unlisted:\n" + entries);
        String vipPattern = vip.replace(".", "\\.");
        assertTrue(entries.stream().anyMatch(e -> e.matches(
                "UDP +00:5\\d +NONE +127\\.0\\.0\\.2:0 +" + vipPattern + " +127\\.0\\.0\\.1:" + portB)), entries::toString);
        assertTrue(entries.stream().anyMatch(e -> e.matches(
                "UDP +00:5\\d +NONE +127\\.0\\.0\\.3:0 +" + vipPattern + " +127\\.0\\.0\\.1:" + portA)), entries::toString);
    }

    private void rrService(String... flags) throws Exception {
        List<String> add = new ArrayList<>(List.of("-A", "-u", vip, "-s", "rr"));
        for (String flag : flags) {
            if (!flag.isEmpty()) add.add(flag);
        }
        director.ok(add.toArray(String[]::new));
        director.ok("-a", "-u", vip, "-r", "127.0.0.1:" + portA, "-m");
        director.ok("-a", "-u", vip, "-r", "127.0.0.1:" + portB, "-m");
        awaitListening();
    }

    /** The director binds the VIP asynchronously; its log says when. */
    private void awaitListening() throws Exception {
        String line = "listening on UDP " + vip;
        for (int i = 0; i < 100 && !director.log().contains(line); i++) Thread.sleep(50);
        assertTrue(director.log().contains(line), () -> "director did not listen on " + vip + ":\n" + logQuietly());
    }

    /** One real dig query through the VIP, from {@code clientPort} if given; the answer's address. */
    private String query(Integer clientPort) throws Exception {
        return query(clientPort == null ? null : "127.0.0.1", clientPort);
    }

    /** One real dig query from {@code clientAddress} (and {@code clientPort}) if given; the answer's address. */
    private String query(String clientAddress, Integer clientPort) throws Exception {
        String[] hostPort = vip.split(":");
        List<String> command = new ArrayList<>(List.of(dig.toString(), "@" + hostPort[0], "-p", hostPort[1],
                "example.test", "+short", "+tries=1", "+time=2"));
        if (clientAddress != null) {
            command.addAll(List.of("-b", clientPort == null ? clientAddress : clientAddress + "#" + clientPort));
        }
        String answer = run(command);
        assertTrue(answer.equals(A) || answer.equals(B), () -> "dig through the VIP answered '" + answer + "'\n"
                + logQuietly());
        return answer;
    }

    private Process startDnsmasq(int port, String address) throws IOException {
        List<String> command = List.of(dnsmasq.toString(), "--no-daemon", "--port=" + port,
                "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                "--address=/example.test/" + address, "--conf-file=/dev/null",
                "--pid-file=" + dir.resolve("dnsmasq-" + port + ".pid"),
                // as root it would switch to the 'dnsmasq' user, which cannot write the pid file here
                "--user=" + System.getProperty("user.name"));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("dnsmasq-" + port + ".log").toFile())
                .start();
    }

    /** Waits until the real server at {@code port} answers directly. */
    private void awaitAnswer(int port, String expected) throws Exception {
        List<String> command = List.of(dig.toString(), "@127.0.0.1", "-p", String.valueOf(port), "example.test",
                "+short", "+tries=1", "+time=1");
        String answer = "";
        for (int i = 0; i < 20 && !answer.equals(expected); i++) {
            answer = run(command);
            if (!answer.equals(expected)) Thread.sleep(100);
        }
        String last = answer;
        assertEquals(expected, last, () -> "dnsmasq on port " + port + " did not answer: "
                + readQuietly(dir.resolve("dnsmasq-" + port + ".log")));
    }

    private String run(List<String> command) throws Exception {
        Path out = Files.createTempFile(dir, "dig", ".txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish");
        }
        return Files.readString(out).strip();
    }

    /** The UDP rows of {@code ipvsadm -Lnc}. */
    private static List<String> udpEntries(String listing) {
        return listing.lines().filter(l -> l.startsWith("UDP ")).toList();
    }

    private String logQuietly() {
        try {
            return director.log();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** {@code name} on the PATH or in the sbin directories (not on a non-root user's PATH on Debian). */
    private static Path executable(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin"));
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    static int freePort() throws IOException {
        return Ports.free();
    }
}
