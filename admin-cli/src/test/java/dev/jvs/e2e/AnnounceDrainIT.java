package dev.jvs.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code --announce-interface lo}: the real director keeps its VIP as a /32 on lo (where a routing daemon would
 * pick it up) only while a real server is available, never removes an address it did not add, and on SIGTERM
 * withdraws the VIP first and keeps running for {@code --drain-delay} before it exits. In its own namespace.
 */
class AnnounceDrainIT {

    private static final String VIP = "10.83.0.1";
    private static final String OPERATORS = "10.83.0.2";

    @TempDir
    Path dir;
    String ns;
    DirectorProcess director;

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (director != null) director.stop();
        } finally {
            if (ns != null) Shell.run("ip", "netns", "del", ns);
        }
    }

    @Test
    void aVipIsOnLoOnlyWhileARealServerIsUpAndLeavesBeforeTheDirectorExitsOnSigterm() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "AnnounceDrainIT skipped: needs root");
        ns = "jvs-an-" + ProcessHandle.current().pid();
        Shell.Run add = Shell.run("ip", "netns", "add", ns);
        Assumptions.assumeTrue(add.status() == 0, () -> "AnnounceDrainIT skipped: 'ip netns add' failed: " + add.output());
        Shell.sh("ip", "-n", ns, "link", "set", "lo", "up");
        Shell.sh("ip", "-n", ns, "addr", "add", OPERATORS + "/32", "dev", "lo");
        director = DirectorProcess.startInNamespace(ns, dir, "--announce-interface", "lo", "--drain-delay", "3");

        // NAT services (the proxy listens with IP_FREEBIND, so the VIP need not be local first).
        director.ok("-A", "-t", VIP + ":80", "-s", "rr");
        director.ok("-A", "-t", OPERATORS + ":80", "-s", "rr");
        assertFalse(onLo(VIP), "no real server yet: not announced");
        director.ok("-a", "-t", VIP + ":80", "-r", "127.0.0.1:9", "-m");
        director.ok("-a", "-t", OPERATORS + ":80", "-r", "127.0.0.1:9", "-m");
        await(() -> onLo(VIP), "announced once a real server is there");

        director.ok("-e", "-t", VIP + ":80", "-r", "127.0.0.1:9", "-m", "-w", "0");
        await(() -> !onLo(VIP), "withdrawn at weight 0");
        director.ok("-e", "-t", VIP + ":80", "-r", "127.0.0.1:9", "-m", "-w", "1");
        await(() -> onLo(VIP), "announced again");
        director.ok("-d", "-t", OPERATORS + ":80", "-r", "127.0.0.1:9");
        Thread.sleep(600); // three passes of the announcer: the operator's address must survive them
        assertTrue(onLo(OPERATORS), "an address JVS did not add is never removed");

        long term = System.nanoTime();
        director.sigterm();
        await(() -> !onLo(VIP), "withdrawn on SIGTERM");
        long withdrawnMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - term);
        assertTrue(director.alive(), "still running (forwarding) while draining; withdrawn after " + withdrawnMillis + " ms");
        assertEquals(0, director.stop(), director.log());
        long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - term);
        assertTrue(exitMillis >= 3000, "exits only after the drain delay: " + exitMillis + " ms");
        assertTrue(onLo(OPERATORS));
        System.out.println("AnnounceDrainIT: VIP withdrawn " + withdrawnMillis + " ms after SIGTERM, exit after "
                + exitMillis + " ms (--drain-delay 3)");
        director = null;
    }

    private boolean onLo(String address) {
        try {
            return Shell.run("ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "lo").output()
                    .contains(" " + address + "/32 ");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void await(BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting: " + what + "\n" + Shell.run("ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "lo")
                        .output() + director.log());
            }
            Thread.sleep(50);
        }
    }
}
