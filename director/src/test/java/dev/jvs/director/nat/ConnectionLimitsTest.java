package dev.jvs.director.nat;

import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceKey;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

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
}
