package dev.jvs.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code sd_notify}: one datagram to the AF_UNIX socket systemd names in {@code $NOTIFY_SOCKET} ({@code Type=notify}
 * units). The JDK's Unix-domain channels are stream-only, so the send goes through libc. Without the variable
 * (not started by systemd) every call does nothing.
 */
public final class SystemdNotify {

    private static final int AF_UNIX = 1;
    private static final int SUN_PATH_MAX = 108;

    private final String socket;

    private SystemdNotify(String socket) {
        this.socket = socket;
    }

    /** From this process's environment. */
    public static SystemdNotify fromEnvironment() {
        return new SystemdNotify(System.getenv("NOTIFY_SOCKET"));
    }

    /** For tests: a given socket path ({@code @name} = the abstract namespace, as systemd writes it), or null. */
    public static SystemdNotify to(String socket) {
        return new SystemdNotify(socket);
    }

    public boolean enabled() {
        return socket != null && !socket.isEmpty();
    }

    /** {@code READY=1}: start-up finished. */
    public void ready() throws IOException {
        send("READY=1\nSTATUS=ready\nMAINPID=" + ProcessHandle.current().pid() + "\n");
    }

    /**
     * {@code MAINPID=}this process: a successor started by the main process ({@code --takeover}) becomes the
     * service's main process before the old one exits (the unit needs {@code NotifyAccess=all}).
     */
    public void mainPid() throws IOException {
        send("MAINPID=" + ProcessHandle.current().pid() + "\nSTATUS=taking over\n");
    }

    /** {@code RELOADING=1} before re-reading the configuration; {@link #reloaded} after. */
    public void reloading() throws IOException {
        // systemd 253+ wants the monotonic time with RELOADING=1 for Type=notify-reload; older ones ignore it.
        send("RELOADING=1\nMONOTONIC_USEC=" + monotonicMicros() + "\n");
    }

    public void reloaded() throws IOException {
        send("READY=1\n");
    }

    /** {@code STOPPING=1}: shutting down. */
    public void stopping() throws IOException {
        send("STOPPING=1\n");
    }

    /** Sends one notification; nothing when not under systemd. */
    public void send(String state) throws IOException {
        if (!enabled()) return;
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH_MAX) throw new IOException("NOTIFY_SOCKET too long: " + socket);
        // struct sockaddr_un: sa_family (host order), then the path; '@' means the abstract namespace (leading NUL)
        byte[] address = new byte[2 + path.length + (path[0] == '@' ? 0 : 1)];
        address[0] = (byte) AF_UNIX;
        System.arraycopy(path, 0, address, 2, path.length);
        if (path[0] == '@') address[2] = 0;
        byte[] message = state.getBytes(StandardCharsets.UTF_8);
        NetCalls.Functions c = NetCalls.functions();
        int fd = c.socket(AF_UNIX, NetCalls.SOCK_DGRAM | 0x80000 /* SOCK_CLOEXEC */, 0);
        if (fd < 0) throw new IOException("sd_notify: socket(AF_UNIX): " + Libc.describe(NetCalls.lastErrno()));
        try {
            long sent = c.sendto(fd, message, message.length, 0, address, address.length);
            if (sent < 0) throw new IOException("sd_notify to " + socket + ": " + Libc.describe(NetCalls.lastErrno()));
        } finally {
            c.close(fd);
        }
    }

    private static long monotonicMicros() {
        // CLOCK_MONOTONIC is what System.nanoTime reads on Linux
        return System.nanoTime() / 1000;
    }
}
