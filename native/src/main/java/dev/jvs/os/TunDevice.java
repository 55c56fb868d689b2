package dev.jvs.os;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A layer-3 TUN device: IP packets written here are received by the local stack as if from a wire. */
public final class TunDevice implements AutoCloseable {

    private static final int O_RDWR = 2;
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_NO_PI = 0x1000;

    private final int fd;
    private final String name;

    private TunDevice(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /** Creates (or attaches to) the TUN device {@code name} and brings it up. Needs CAP_NET_ADMIN. */
    public static TunDevice open(String name) throws IOException {
        Libc.Functions c = Libc.functions();
        int fd = c.open("/dev/net/tun", O_RDWR);
        if (fd < 0) throw new IOException("cannot open /dev/net/tun: " + Libc.describe(Libc.lastErrno()));
        // struct ifreq: 16-byte name, then the flags (a short) in the union
        ByteBuffer request = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length >= Libc.IF_NAMESIZE) {
            c.close(fd);
            throw new IllegalArgumentException("interface name too long: " + name);
        }
        request.put(nameBytes).putShort(16, (short) (IFF_TUN | IFF_NO_PI));
        if (c.ioctl(fd, TUNSETIFF, request.array()) != 0) {
            int errno = Libc.lastErrno();
            c.close(fd);
            throw new IOException("TUNSETIFF " + name + " failed: " + Libc.describe(errno));
        }
        Commands.Output up = Commands.run(null, List.of("ip", "link", "set", name, "up"));
        if (up.status() != 0) {
            c.close(fd);
            throw new IOException("cannot bring " + name + " up: " + up.text().trim());
        }
        return new TunDevice(fd, name);
    }

    public String name() {
        return name;
    }

    /** Hands one IP packet to the local stack. */
    public boolean write(byte[] packet, int length) {
        return Libc.functions().write(fd, packet, length) == length;
    }

    @Override
    public void close() {
        Libc.functions().close(fd);
    }
}
