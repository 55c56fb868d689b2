package dev.jvs.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SocketsTest {

    private static final int CAP_NET_ADMIN = 12;

    @Test
    void freebindIsSetOnAFreshSocket() throws Exception {
        try (RawSocket socket = RawSocket.tcp()) {
            assertEquals(0, socket.ipOption(Sockets.IP_FREEBIND));
            Sockets.setFreebind(socket.fd);
            assertEquals(1, socket.ipOption(Sockets.IP_FREEBIND));
        }
    }

    @Test
    void transparentIsSetOnAFreshSocketWhenAllowedTo() throws Exception {
        assumeTrue(hasEffectiveCapability(CAP_NET_ADMIN), "IP_TRANSPARENT needs CAP_NET_ADMIN");
        try (RawSocket socket = RawSocket.tcp()) {
            Sockets.setTransparent(socket.fd);
            assertEquals(1, socket.ipOption(Sockets.IP_TRANSPARENT));
        }
    }

    @Test
    void failureReportsTheOptionAndTheErrnoText() {
        SocketException e = assertThrows(SocketException.class, () -> Sockets.setFreebind(-1));
        assertTrue(e.getMessage().contains("IP_FREEBIND"), e.getMessage());
        assertTrue(e.getMessage().contains("Bad file descriptor (errno 9)"), e.getMessage());
    }

    /** Reads the CapEff bit mask of this process, as the kernel reports it. */
    private static boolean hasEffectiveCapability(int capability) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                long mask = Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                return (mask & (1L << capability)) != 0;
            }
        }
        return false;
    }
}
