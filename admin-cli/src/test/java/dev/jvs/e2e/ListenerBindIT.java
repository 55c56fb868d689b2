package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A NAT listener that cannot bind is ipvsadm's error (non-zero exit), the service stays and binds on retry. */
class ListenerBindIT {

    @TempDir
    Path dir;

    @Test
    void aTakenPortFailsTheCommandThatAsksForItsListenerAndIsServedOnceFree() throws Exception {
        try (EchoServer echo = new EchoServer(); DirectorProcess director = DirectorProcess.start(dir)) {
            String backend = "127.0.0.1:" + echo.port();
            ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress()); // another process's socket
            String vip = "127.0.0.1:" + taken.getLocalPort();
            try {
                director.ok("-A", "-t", vip, "-s", "rr"); // no real server yet: no listener
                DirectorProcess.Result added = director.ipvsadm("-a", "-t", vip, "-r", backend, "-m");
                assertEquals(255, added.status(), added.err());
                assertEquals("TCP 127.0.0.1:" + taken.getLocalPort() + ": cannot listen: Address already in use (the"
                        + " service stays in the table; the director retries the bind every 2 s)\n", added.err());
                assertTrue(director.ok("-L", "-n").contains("  -> " + backend), "the command was applied");

                ServerSocket second = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                String secondVip = "127.0.0.1:" + second.getLocalPort();
                String freeVip = "127.0.0.1:" + NatForwardingIT.freePort();
                try {
                    DirectorProcess.Result restored = director.ipvsadmWithInput(
                            "-A -t " + secondVip + " -s rr\n-a -t " + secondVip + " -r " + backend + " -m\n"
                                    + "-A -t " + freeVip + " -s rr\n-a -t " + freeVip + " -r " + backend + " -m\n"
                                    + "-E -t " + vip + " -s wlc\n", "-R");
                    assertEquals(255, restored.status(), restored.err());
                    assertEquals(2, restored.err().lines().count(), "every service that cannot listen:\n"
                            + restored.err());
                    assertTrue(restored.err().contains("TCP " + secondVip + ": cannot listen: Address already in use"),
                            restored.err());
                    assertTrue(restored.err().contains("TCP " + vip + ": cannot listen: Address already in use"),
                            restored.err());
                    assertTrue(echoes(freeVip), "the service that could listen serves");
                } finally {
                    second.close();
                }
            } finally {
                taken.close();
            }
            awaitEchoes(vip);
            assertEquals(0, director.ipvsadm("-E", "-t", vip, "-s", "rr").status(), "bound now: no error");
            assertTrue(director.log().contains("cannot listen on TCP " + vip + ": "), director.log());
        }
    }

    private static void awaitEchoes(String vip) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L; // the director retries every 2 s
        while (System.nanoTime() < deadline) {
            if (echoes(vip)) return;
            Thread.sleep(100);
        }
        fail(vip + " never served once its port was free");
    }

    private static boolean echoes(String vip) {
        int colon = vip.lastIndexOf(':');
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(vip.substring(0, colon), Integer.parseInt(vip.substring(colon + 1))), 2000);
            s.setSoTimeout(2000);
            byte[] ping = "ping\n".getBytes(StandardCharsets.US_ASCII);
            s.getOutputStream().write(ping);
            assertArrayEquals(ping, s.getInputStream().readNBytes(ping.length));
            return true;
        } catch (IOException | AssertionError e) {
            return false;
        }
    }
}
