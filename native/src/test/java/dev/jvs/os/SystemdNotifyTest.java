package dev.jvs.os;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** sd_notify datagrams arrive on a real AF_UNIX datagram socket, as systemd's notify socket receives them. */
class SystemdNotifyTest {

    @TempDir
    Path dir;

    /** A bound AF_UNIX datagram socket (what systemd listens on); '@' = abstract namespace. */
    private static final class Receiver implements AutoCloseable {
        final int fd;

        Receiver(String path) throws IOException {
            NetCalls.Functions c = NetCalls.functions();
            fd = c.socket(1, NetCalls.SOCK_DGRAM, 0);
            byte[] p = path.getBytes(StandardCharsets.UTF_8);
            byte[] address = new byte[2 + p.length + (p[0] == '@' ? 0 : 1)];
            address[0] = 1;
            System.arraycopy(p, 0, address, 2, p.length);
            if (p[0] == '@') address[2] = 0;
            if (c.bind(fd, address, address.length) != 0) throw new IOException("bind " + path + ": errno " + NetCalls.lastErrno());
            c.setsockopt(fd, NetCalls.SOL_SOCKET, NetCalls.SO_RCVTIMEO, new byte[] {5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 16);
        }

        String receive() {
            byte[] buffer = new byte[4096];
            long n = NetCalls.functions().recvfrom(fd, buffer, buffer.length, 0, null, null);
            return n < 0 ? null : new String(buffer, 0, (int) n, StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            NetCalls.functions().close(fd);
        }
    }

    @Test
    void readyStoppingAndReloadingArriveAsDatagrams() throws Exception {
        String path = dir.resolve("notify").toString();
        try (Receiver systemd = new Receiver(path)) {
            SystemdNotify notify = SystemdNotify.to(path);
            notify.ready();
            String ready = systemd.receive();
            assertTrue(ready.startsWith("READY=1\n"), ready);
            assertTrue(ready.contains("MAINPID=" + ProcessHandle.current().pid() + "\n"), ready);
            notify.reloading();
            assertTrue(systemd.receive().matches("RELOADING=1\nMONOTONIC_USEC=\\d+\n"));
            notify.reloaded();
            assertEquals("READY=1\n", systemd.receive());
            notify.stopping();
            assertEquals("STOPPING=1\n", systemd.receive());
        }
    }

    @Test
    void theAbstractNamespaceWorksToo() throws Exception {
        String name = "@jvs-notify-test-" + ProcessHandle.current().pid();
        try (Receiver systemd = new Receiver(name)) {
            SystemdNotify.to(name).stopping();
            assertEquals("STOPPING=1\n", systemd.receive());
        }
    }

    @Test
    void withoutNotifySocketNothingIsSentAndAMissingSocketIsAnError() throws Exception {
        assertFalse(SystemdNotify.to(null).enabled());
        SystemdNotify.to(null).ready(); // no-op
        IOException e = assertThrows(IOException.class, () -> SystemdNotify.to(dir.resolve("none").toString()).ready());
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
    }
}
