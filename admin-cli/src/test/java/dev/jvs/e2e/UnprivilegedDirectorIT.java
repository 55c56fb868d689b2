package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A director started as root but without CAP_NET_RAW and CAP_NET_ADMIN: NAT services still forward, packet
 * services (-g) are accepted and listed, and the log says once why they are not forwarded.
 */
class UnprivilegedDirectorIT {

    /** Clears the inheritable set and drops both capabilities from the bounding set, so exec cannot regain them. */
    private static final List<String> WITHOUT_PACKET_CAPABILITIES = List.of("setpriv", "--inh-caps=-all",
            "--bounding-set=-net_raw,-net_admin");
    private static final String WHY = "direct-routing and tunnel services are listed but NOT forwarded";

    @TempDir
    Path dir;
    Backends backends;
    DirectorProcess director;

    @BeforeEach
    void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: needs root to drop capabilities from");
        assumeTrue(Shell.run("setpriv", "--version").status() == 0, "skipped: needs setpriv (util-linux)");
        backends = new Backends("A", "B");
        director = DirectorProcess.startWith(dir, WITHOUT_PACKET_CAPABILITIES);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (director != null) director.stop();
        } finally {
            if (backends != null) backends.close();
        }
    }

    @Test
    void natForwardsWhileADirectRoutingServiceIsListedAndExplainedOnceInTheLog() throws Exception {
        String status = Files.readString(Path.of("/proc", Long.toString(director.pid()), "status"));
        assertTrue(!hasCapability(status, 13) && !hasCapability(status, 12),
                "the director runs without CAP_NET_RAW and CAP_NET_ADMIN:\n" + status);

        String nat = "127.0.0.1:" + Ports.free();
        director.ok("-A", "-t", nat, "-s", "rr");
        director.ok("-a", "-t", nat, "-r", backends.address(0), "-m");
        director.ok("-a", "-t", nat, "-r", backends.address(1), "-m");
        // 192.0.2.0/24 is documentation space: nothing could answer there anyway
        director.ok("-A", "-t", "192.0.2.100:80", "-s", "rr");
        director.ok("-a", "-t", "192.0.2.100:80", "-r", "192.0.2.11", "-g");
        director.ok("-a", "-t", "192.0.2.100:80", "-r", "192.0.2.12", "-g");
        director.ok("-A", "-u", "192.0.2.100:53", "-s", "rr");
        director.ok("-a", "-u", "192.0.2.100:53", "-r", "192.0.2.11", "-g");

        assertEquals("B", get(nat));
        assertEquals("A", get(nat));
        String listing = director.ok("-Ln");
        assertTrue(listing.contains("TCP  192.0.2.100:80 rr") && listing.contains("-> 192.0.2.11:80")
                && listing.contains("Route"), listing);
        String log = director.log();
        assertEquals(1, log.split(WHY, -1).length - 1, "explained exactly once:\n" + log);
        assertTrue(log.contains("CAP_NET_RAW"), "the log names the missing capability:\n" + log);
        assertTrue(director.alive(), log);
    }

    private static boolean hasCapability(String procStatus, int capability) {
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("CapEff:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << capability)) != 0;
            }
        }
        return true;
    }

    private static String get(String address) throws Exception {
        return Shell.run("curl", "-s", "-m", "5", "http://" + address + "/").output();
    }
}
