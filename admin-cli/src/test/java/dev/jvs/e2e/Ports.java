package dev.jvs.e2e;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Ports for the tests' listeners. */
final class Ports {

    private Ports() {}

    /**
     * A loopback port free for both TCP and UDP, below the kernel's ephemeral range (32768+): no connection or
     * socket opened meanwhile, by this or another process, can take it before the test binds it.
     */
    static int free() throws IOException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; ; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            try (ServerSocket tcp = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
                 DatagramSocket udp = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                if (attempt > 100) throw taken;
            }
        }
    }
}
