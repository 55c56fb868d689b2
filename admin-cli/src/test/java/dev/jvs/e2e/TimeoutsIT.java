package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ipvsadm --set} takes effect on proxied connections: idle ones end after their state's timeout. */
class TimeoutsIT {

    @TempDir
    Path dir;

    @Test
    void anIdleEstablishedConnectionEndsAfterTheTcpTimeoutAndTrafficKeepsItAlive() throws Exception {
        try (EchoServer echo = new EchoServer(); DirectorProcess director = DirectorProcess.start(dir)) {
            String vip = "127.0.0.1:" + NatForwardingIT.freePort();
            director.ok("-A", "-t", vip, "-s", "rr");
            director.ok("-a", "-t", vip, "-r", "127.0.0.1:" + echo.port(), "-m");
            director.ok("--set", "3", "0", "0");
            assertEquals("Timeout (tcp tcpfin udp): 3 120 300\n", director.ok("-L", "--timeout"));

            try (Socket busy = connect(vip); Socket idle = connect(vip)) {
                ping(busy);
                ping(idle);
                String listed = director.ok("-L", "-n", "-c");
                assertTrue(listed.contains("ESTABLISHED"), listed);
                assertTrue(listed.matches("(?s).*TCP 00:0[0-3]  ESTABLISHED.*"), "the entry counts down from 3 s:\n" + listed);
                for (int i = 0; i < 6; i++) { // 6 s of traffic, a ping every second: twice the timeout
                    Thread.sleep(1000);
                    ping(busy);
                }
                idle.setSoTimeout(1000);
                assertEquals(-1, readOrEof(idle.getInputStream()), "the idle connection was ended by the director");
                ping(busy); // still alive
            }
        }
    }

    @Test
    void aConnectionLeftHalfClosedEndsAfterTheFinTimeout() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             DirectorProcess director = DirectorProcess.start(dir)) {
            String vip = "127.0.0.1:" + NatForwardingIT.freePort();
            director.ok("-A", "-t", vip, "-s", "rr");
            director.ok("-a", "-t", vip, "-r", "127.0.0.1:" + backend.getLocalPort(), "-m");
            director.ok("--set", "0", "2", "0");

            // The real server says goodbye and half-closes; the client never closes its side.
            CompletableFuture<Boolean> backendSawTheEnd = CompletableFuture.supplyAsync(() -> {
                try (Socket s = backend.accept()) {
                    s.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                    s.setSoTimeout(15_000);
                    return s.getInputStream().read() == -1;
                } catch (Exception e) {
                    return false;
                }
            });
            try (Socket client = connect(vip)) {
                assertArrayEquals("bye".getBytes(StandardCharsets.US_ASCII), client.getInputStream().readNBytes(3));
                assertEquals(-1, client.getInputStream().read(), "the half-close reached the client");
                assertTrue(director.ok("-L", "-n", "-c").contains("FIN_WAIT"));
                assertTrue(backendSawTheEnd.get(10, TimeUnit.SECONDS), "the director ended the silent connection");
                assertFalse(director.ok("-L", "-n", "-c").contains("FIN_WAIT"), "and its entry is gone");
            }
        }
    }

    private static Socket connect(String vip) throws Exception {
        int colon = vip.lastIndexOf(':');
        Socket s = new Socket();
        s.connect(new InetSocketAddress(vip.substring(0, colon), Integer.parseInt(vip.substring(colon + 1))), 5000);
        s.setSoTimeout(5000);
        return s;
    }

    private static void ping(Socket s) throws Exception {
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(ping);
        assertArrayEquals(ping, s.getInputStream().readNBytes(ping.length));
    }

    /** -1 at end of stream (or a reset, which also means the director ended it). */
    private static int readOrEof(InputStream in) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                return in.read();
            } catch (java.net.SocketTimeoutException again) {
                // keep waiting for the director
            } catch (java.net.SocketException reset) {
                return -1;
            }
        }
        return -2;
    }
}
