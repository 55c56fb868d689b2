package dev.jvs.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The capabilities this process holds right now (effective set). */
public final class Privileges {

    public static final int CAP_NET_ADMIN = 12;
    public static final int CAP_NET_RAW = 13;

    private Privileges() {}

    public static boolean has(int capability) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long mask = Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                    return (mask & (1L << capability)) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }
}
