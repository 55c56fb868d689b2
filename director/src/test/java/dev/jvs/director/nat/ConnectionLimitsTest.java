package dev.jvs.director.nat;

import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceKey;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionLimitsTest {

    final ServiceKey web = ServiceKey.of(Protocol.TCP, InetAddress.getLoopbackAddress(), 80);
    final ServiceKey api = ServiceKey.of(Protocol.TCP, InetAddress.getLoopbackAddress(), 81);

    @Test
    void serviceCapRefusesBeyondItAndCountsTheRefusal() {
        ConnectionLimits limits = new ConnectionLimits(0);
        assertTrue(limits.tryAcquire(web, 2));
        assertTrue(limits.tryAcquire(web, 2));
        assertFalse(limits.tryAcquire(web, 2));
        assertTrue(limits.tryAcquire(api, 2), "another service has its own cap");
        assertEquals(1, limits.refused());
        limits.release(web);
        assertTrue(limits.tryAcquire(web, 2), "a released slot is free again");
        assertEquals(3, limits.open());
    }

    @Test
    void directorCapCountsEveryService() {
        ConnectionLimits limits = new ConnectionLimits(2);
        assertTrue(limits.tryAcquire(web, 0));
        assertTrue(limits.tryAcquire(api, 0));
        assertFalse(limits.tryAcquire(web, 0));
        assertEquals(2, limits.open(), "a refusal takes no slot");
        limits.release(api);
        assertTrue(limits.tryAcquire(web, 0));
    }

    @Test
    void aServiceRefusalDoesNotLeakADirectorSlot() {
        ConnectionLimits limits = new ConnectionLimits(10);
        assertTrue(limits.tryAcquire(web, 1));
        assertFalse(limits.tryAcquire(web, 1));
        assertEquals(1, limits.open());
    }

    @Test
    void refusalsAreLoggedByTheReportAtMostOncePerIntervalNamingTheFirst() {
        List<String> lines = new ArrayList<>();
        ConnectionLimits limits = new ConnectionLimits(1, lines::add);
        long t = 0;
        limits.report(t);
        assertTrue(lines.isEmpty(), "nothing refused, nothing said");

        assertTrue(limits.tryAcquire(web, 0));
        assertFalse(limits.tryAcquire(web, 0));
        assertTrue(lines.isEmpty(), "a refusal on the event loop only counts");
        limits.report(t);
        assertEquals(List.of("TCP 127.0.0.1:80: refused a client over the director's --max-connections 1"
                + " (1 refused in all)"), lines, "the first refusal at once");

        assertFalse(limits.tryAcquire(api, 0));
        assertFalse(limits.tryAcquire(web, 0));
        limits.report(t + TimeUnit.SECONDS.toNanos(ConnectionLimits.LOG_INTERVAL_SECONDS) - 1);
        assertEquals(1, lines.size(), "at most one line per interval");
        limits.report(t + TimeUnit.SECONDS.toNanos(ConnectionLimits.LOG_INTERVAL_SECONDS));
        assertEquals("TCP 127.0.0.1:81: refused a client over the director's --max-connections 1 and 1 more since"
                + " the last report (3 refused in all)", lines.get(1));
        limits.report(t + TimeUnit.SECONDS.toNanos(3 * ConnectionLimits.LOG_INTERVAL_SECONDS));
        assertEquals(2, lines.size(), "no new refusal, no new line");
    }
}
