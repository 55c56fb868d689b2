package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Schedulers and persistence through the real NAT path, with real clients from several source addresses. */
class SchedulingIT {

    @TempDir
    Path dir;

    @Test
    void shKeepsEachClientAddressOnOneRealServer() throws Exception {
        try (Backends backends = new Backends("A", "B", "C"); DirectorProcess director = DirectorProcess.start(dir)) {
            String vip = vip();
            director.ok("-A", "-t", vip, "-s", "sh");
            for (int i = 0; i < 3; i++) director.ok("-a", "-t", vip, "-r", backends.address(i), "-m");
            Set<String> used = new HashSet<>();
            for (int client = 2; client < 12; client++) {
                String from = "127.0.0." + client;
                Set<String> answers = new HashSet<>();
                for (int i = 0; i < 4; i++) answers.add(get(vip, from));
                assertEquals(1, answers.size(), from + " stays on one real server: " + answers);
                used.addAll(answers);
            }
            assertTrue(used.size() > 1, "different clients hash to different real servers: " + used);
        }
    }

    @Test
    void persistenceKeepsAClientOnItsRealServerUnderRoundRobin() throws Exception {
        try (Backends backends = new Backends("A", "B", "C"); DirectorProcess director = DirectorProcess.start(dir)) {
            String vip = vip();
            director.ok("-A", "-t", vip, "-s", "rr", "-p", "60");
            for (int i = 0; i < 3; i++) director.ok("-a", "-t", vip, "-r", backends.address(i), "-m");
            List<String> first = new ArrayList<>();
            for (int i = 0; i < 6; i++) first.add(get(vip, "127.0.0.2"));
            assertEquals(1, new HashSet<>(first).size(), "one client, one real server: " + first);
            assertTrue(director.ok("-L", "-n", "-c").contains("ASSURED     127.0.0.2:0"), "the template is listed (ASSURED: its connection was established)");
            String other = get(vip, "127.0.0.3");
            assertTrue(!other.equals(first.get(0)), "rr moves the next new client on");
        }
    }

    @Test
    void wlcSpreadsLongLivedConnectionsByWeight() throws Exception {
        try (EchoServer light = new EchoServer(); EchoServer heavy = new EchoServer();
             DirectorProcess director = DirectorProcess.start(dir)) {
            String vip = vip();
            director.ok("-A", "-t", vip, "-s", "wlc");
            director.ok("-a", "-t", vip, "-r", "127.0.0.1:" + light.port(), "-m", "-w", "1");
            director.ok("-a", "-t", vip, "-r", "127.0.0.1:" + heavy.port(), "-m", "-w", "3");
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 12; i++) open.add(echoing(vip));
                assertEquals(3, light.openConnections());
                assertEquals(9, heavy.openConnections());
            } finally {
                for (Socket s : open) s.close();
            }
        }
    }

    private static String vip() throws Exception {
        return "127.0.0.1:" + NatForwardingIT.freePort();
    }

    /** One HTTP/1.0 request on a fresh connection from {@code source}; returns the body. */
    private static String get(String vip, String source) throws Exception {
        int colon = vip.lastIndexOf(':');
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            s.connect(new InetSocketAddress(vip.substring(0, colon), Integer.parseInt(vip.substring(colon + 1))), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.0\r\nHost: jvs\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    private static Socket echoing(String vip) throws Exception {
        int colon = vip.lastIndexOf(':');
        Socket s = new Socket();
        s.connect(new InetSocketAddress(vip.substring(0, colon), Integer.parseInt(vip.substring(colon + 1))), 5000);
        s.setSoTimeout(5000);
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(ping);
        assertEquals("ping", new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
        return s;
    }
}
