package dev.jvs.director.vrrp;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrackedScriptRunnerTest {

    final AtomicInteger changes = new AtomicInteger();

    TrackedScriptRunner runner(int rise, int fall, boolean initFail) {
        return new TrackedScriptRunner(new VrrpScriptConfig("chk", "/bin/true", 1000, 1000, 0, false, rise, fall,
                initFail, null), changes::incrementAndGet);
    }

    @Test
    void firstResultAloneDecidesTheInitialState() {
        TrackedScriptRunner r = runner(3, 3, false);
        assertNull(r.ok());
        r.record(false);
        assertFalse(r.ok());
        assertEquals(1, changes.get());
    }

    @Test
    void needsFallConsecutiveFailuresToFail() {
        TrackedScriptRunner r = runner(1, 3, false);
        r.record(true);
        r.record(false);
        r.record(false);
        assertTrue(r.ok());
        r.record(true); // resets the failure count
        r.record(false);
        r.record(false);
        assertTrue(r.ok());
        r.record(false);
        assertFalse(r.ok());
    }

    @Test
    void initFailStartsFailedAndNeedsRiseSuccesses() {
        TrackedScriptRunner r = runner(2, 1, true);
        assertFalse(r.ok());
        r.record(true);
        assertFalse(r.ok());
        r.record(true);
        assertTrue(r.ok());
    }

    @Test
    void runsTheCommandWithoutAShell() {
        TrackedScriptRunner ok = new TrackedScriptRunner(new VrrpScriptConfig("t", "/bin/sh -c 'exit 0'", 1000, 1000,
                0, false, 1, 1, false, null), () -> { });
        ok.runOnce();
        assertTrue(ok.ok());
        TrackedScriptRunner fails = new TrackedScriptRunner(new VrrpScriptConfig("f", "/bin/sh -c 'exit 3'", 1000, 1000,
                0, false, 1, 1, false, null), () -> { });
        fails.runOnce();
        assertFalse(fails.ok());
    }

    @Test
    void aScriptThatOverrunsItsTimeoutFails() {
        TrackedScriptRunner slow = new TrackedScriptRunner(new VrrpScriptConfig("s", "/bin/sleep 5", 1000, 200,
                0, false, 1, 1, false, null), () -> { });
        long start = System.nanoTime();
        slow.runOnce();
        assertFalse(slow.ok());
        assertTrue(System.nanoTime() - start < 4_000_000_000L, "killed at the timeout");
    }
}
