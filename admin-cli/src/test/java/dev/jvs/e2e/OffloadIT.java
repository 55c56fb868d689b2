package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Offloads as real hosts have them: the client's veth sends TSO/GSO aggregates with unfinished checksums, and the
 * director's receiving interface has GRO on. A 64 MiB upload through a DR service (aggregates forwarded whole,
 * the kernel segments them) and through a TUN service (the director cuts and checksums them itself) reaches the
 * real server intact: its SHA-256 of what it received equals the sender's.
 */
class OffloadIT {

    private static final int BYTES = 64 * 1024 * 1024;

    @TempDir
    Path dir;
    Namespaces net;
    DirectorProcess director;

    @AfterEach
    void stop() throws Exception {
        try {
            if (director != null) director.stop();
        } finally {
            if (net != null) net.close();
        }
    }

    private void startIn(Namespaces n) throws Exception {
        net = n;
        net.run(net.exec("d", "ethtool", "-K", "eth0", "gro", "on").toArray(new String[0]));
        String features = net.runIn("c", "ethtool", "-k", "eth0");
        assertTrue(features.contains("tcp-segmentation-offload: on"), "the client sends TSO aggregates:\n" + features);
        director = DirectorProcess.startWith(dir, net.exec("d"));
    }

    private static void assumeTools() {
        String missing = Namespaces.missingPrerequisite();
        assumeTrue(missing == null, () -> "skipped: " + missing);
        assumeTrue(Namespaces.onPath("ethtool"), "skipped: needs ethtool on the PATH");
    }

    /** The director's final counters (logged when it stops) show that aggregates took the expected way. */
    private void assertCounted(String counter) throws Exception {
        assertEquals(0, director.stop());
        String log = director.log();
        director = null;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(counter + "=(\\d+)").matcher(log);
        assertTrue(m.find() && Long.parseLong(m.group(1)) > 0, counter + " > 0 in:\n" + log);
    }

    private void assertIntact(String result) throws Exception {
        String[] words = result.split("\\s+");
        assertEquals(4, words.length, result + "\n" + director.log());
        assertEquals(Integer.toString(BYTES), words[2], "bytes received: " + result + "\n" + director.log());
        assertEquals(words[0], words[3], "the real server's SHA-256 equals the sender's");
    }

    @Test
    void a64MiBUploadThroughDirectRoutingArrivesIntact() throws Exception {
        assumeTools();
        startIn(Namespaces.create(dir));
        director.ok("-A", "-t", Namespaces.VIP + ":7000", "-s", "rr");
        director.ok("-a", "-t", Namespaces.VIP + ":7000", "-r", Namespaces.RS1, "-g");
        assertIntact(net.uploadWithDigest(BYTES));
        assertCounted("aggregatesForwardedWhole");
    }

    @Test
    void a64MiBUploadThroughATunnelArrivesIntact() throws Exception {
        assumeTools();
        startIn(Namespaces.createTunnelled(dir));
        director.ok("-A", "-t", Namespaces.VIP + ":7000", "-s", "rr");
        director.ok("-a", "-t", Namespaces.VIP + ":7000", "-r", Namespaces.TUN_RS1, "-i");
        assertIntact(net.uploadWithDigest(BYTES));
        assertCounted("aggregatesSegmented");
    }
}
