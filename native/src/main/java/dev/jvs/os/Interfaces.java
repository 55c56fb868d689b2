package dev.jvs.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Network interface names and indexes, as the kernel sees them right now.
 *
 * <p>The JDK's {@code NetworkInterface} enumerates all interfaces and hides
 * ones that are down; the director needs the plain one-to-one kernel lookup
 * (for example to bind a socket to the interface a VIP lives on).
 */
public final class Interfaces {

    private Interfaces() {}

    /**
     * The kernel index of {@code ifName} ({@code if_nametoindex}).
     *
     * @throws IllegalArgumentException if no interface has that name
     */
    public static int index(String ifName) {
        if (ifName == null || ifName.isEmpty()) {
            throw new IllegalArgumentException("interface name must not be empty");
        }
        int index = Libc.functions().if_nametoindex(ifName);
        if (index == 0) {
            throw new IllegalArgumentException(
                    "no network interface named '" + ifName + "': " + Libc.describe(Libc.lastErrno()));
        }
        return index;
    }

    /** Whether an interface of that name exists now. */
    public static boolean exists(String ifName) {
        return indexOrZero(ifName) != 0;
    }

    /** The kernel index of {@code ifName}, or 0 when there is no such interface. */
    public static int indexOrZero(String ifName) {
        return ifName == null || ifName.isEmpty() ? 0 : Libc.functions().if_nametoindex(ifName);
    }

    /**
     * The name of the interface with kernel index {@code index} ({@code if_indextoname}).
     *
     * @throws IllegalArgumentException if no interface has that index
     */
    public static String name(int index) {
        if (index <= 0) {
            throw new IllegalArgumentException("interface indexes start at 1, got " + index);
        }
        byte[] buffer = new byte[Libc.IF_NAMESIZE];
        if (Libc.functions().if_indextoname(index, buffer) == null) {
            throw new IllegalArgumentException(
                    "no network interface with index " + index + ": " + Libc.describe(Libc.lastErrno()));
        }
        int length = 0;
        while (length < buffer.length && buffer[length] != 0) length++;
        return new String(buffer, 0, length, StandardCharsets.UTF_8);
    }

    /**
     * The interfaces where traffic for a local address can arrive from the wire, by name: Ethernet-type
     * interfaces that are up, not loopback, and not enslaved to a bridge or bond (their frames reach the host
     * again through the master, which is listed itself). Read from sysfs: for control threads only.
     */
    public static java.util.List<String> receiving() {
        java.util.List<String> names = new java.util.ArrayList<>();
        try (var entries = Files.list(Path.of("/sys/class/net"))) {
            for (Path dir : (Iterable<Path>) entries.sorted()::iterator) {
                try {
                    int type = Integer.parseInt(Files.readString(dir.resolve("type")).trim());
                    int flags = Integer.decode(Files.readString(dir.resolve("flags")).trim());
                    boolean up = (flags & 0x1) != 0;        // IFF_UP
                    boolean loopback = (flags & 0x8) != 0;  // IFF_LOOPBACK
                    if (type == 1 && up && !loopback && !Files.exists(dir.resolve("master"))) {
                        names.add(dir.getFileName().toString());
                    }
                } catch (IOException | NumberFormatException e) {
                    // vanished while we looked, or not a regular interface: not one to listen on
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /sys/class/net", e);
        }
        return names;
    }

    /** The interface's hardware (MAC) address, as the kernel publishes it in sysfs. */
    public static byte[] macAddress(String ifName) {
        String text = sysfs(ifName, "address");
        String[] parts = text.split(":");
        byte[] mac = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) mac[i] = (byte) Integer.parseInt(parts[i], 16);
        return mac;
    }

    /** The interface's MTU (the largest IP packet it sends without fragmenting). */
    public static int mtu(String ifName) {
        return Integer.parseInt(sysfs(ifName, "mtu"));
    }

    private static String sysfs(String ifName, String attribute) {
        index(ifName); // a clear error for unknown names
        try {
            return Files.readString(Path.of("/sys/class/net", ifName, attribute)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + attribute + " of " + ifName, e);
        }
    }
}
