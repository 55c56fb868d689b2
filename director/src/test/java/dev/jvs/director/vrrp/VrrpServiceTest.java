package dev.jvs.director.vrrp;

import dev.jvs.director.vrrp.VrrpStateMachine.State;
import dev.jvs.os.InterfaceAddresses;
import dev.jvs.os.VrrpSocket;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.jvs.director.vrrp.VrrpPacketTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The running service with every privileged piece replaced by an in-memory fake. */
class VrrpServiceTest {

    /** Interfaces that can be switched down, and the addresses "on" them. */
    static final class FakeInterfaces implements InterfaceAddresses {
        final Map<String, Boolean> up = new ConcurrentHashMap<>(Map.of("eth0", true, "eth1", true));
        final Set<String> addresses = ConcurrentHashMap.newKeySet();
        public boolean add(String ifName, InetAddress a, int len, String label) { return addresses.add(ifName + " " + a.getHostAddress()); }
        public void remove(String ifName, InetAddress a, int len) { addresses.remove(ifName + " " + a.getHostAddress()); }
        public boolean isUp(String ifName) { return up.getOrDefault(ifName, false); }
        public InetAddress primaryAddress(String ifName, boolean ipv6, Set<InetAddress> except) {
            try { return ip(ifName.equals("eth0") ? "10.0.0.1" : "10.1.0.1"); } catch (Exception e) { throw new AssertionError(e); }
        }
    }

    /** Records what would have gone on the wire; never receives anything. */
    static final class SilentSocket implements VrrpSocket {
        final List<byte[]> sent;
        SilentSocket(List<byte[]> sent) { this.sent = sent; }
        public void send(byte[] m, InetAddress d) { sent.add(m); }
        public Received receive() throws java.io.IOException {
            try { Thread.sleep(50); } catch (InterruptedException e) { throw new java.io.IOException(e); }
            return null;
        }
        public void close() { }
    }

    static final String CONF = """
            vrrp_sync_group G {
                group {
                    EXT
                    INT
                }
            }
            vrrp_instance EXT {
                interface eth0
                virtual_router_id 1
                priority 255
                virtual_ipaddress {
                    192.0.2.1
                }
            }
            vrrp_instance INT {
                interface eth1
                virtual_router_id 2
                priority 255
                virtual_ipaddress {
                    198.51.100.1
                }
            }
            """;

    static void await(String what, java.util.function.BooleanSupplier check) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (check.getAsBoolean()) return;
            Thread.sleep(20);
        }
        fail("timed out waiting for " + what);
    }

    @Test
    void aFaultInOneSyncGroupMemberTakesTheWholeGroupToFaultAndBack() throws Exception {
        FakeInterfaces nics = new FakeInterfaces();
        List<byte[]> sent = new CopyOnWriteArrayList<>();
        VrrpService service = new VrrpService(VrrpConfigParserTest.parse(CONF), (i, s, g, t) -> new SilentSocket(sent),
                nics, (i, a) -> { });
        try {
            service.start();
            await("both owners MASTER", () -> service.instances().stream().allMatch(i -> i.state() == State.MASTER));
            assertEquals(Set.of("eth0 192.0.2.1", "eth1 198.51.100.1"), nics.addresses);
            nics.up.put("eth1", false);
            await("both FAULT", () -> service.instances().stream().allMatch(i -> i.state() == State.FAULT));
            assertTrue(nics.addresses.isEmpty(), "VIPs released on FAULT: " + nics.addresses);
            nics.up.put("eth1", true);
            await("both MASTER again", () -> service.instances().stream().allMatch(i -> i.state() == State.MASTER));
        } finally {
            service.close();
        }
        assertTrue(nics.addresses.isEmpty(), "VIPs removed at exit: " + nics.addresses);
        byte[] last = sent.get(sent.size() - 1);
        assertEquals(0, last[2] & 0xff, "the last advert says priority 0");
    }

    @Test
    void weightedTrackInterfaceLowersTheAdvertisedPriority() throws Exception {
        FakeInterfaces nics = new FakeInterfaces();
        List<byte[]> sent = new CopyOnWriteArrayList<>();
        String conf = """
                vrrp_instance VI {
                    state MASTER
                    priority 100
                    interface eth0
                    virtual_router_id 9
                    track_interface {
                        eth1 weight -30
                    }
                    virtual_ipaddress {
                        192.0.2.9
                    }
                }
                """;
        VrrpService service = new VrrpService(VrrpConfigParserTest.parse(conf), (i, s, g, t) -> new SilentSocket(sent),
                nics, (i, a) -> { });
        try {
            service.start();
            await("MASTER after the down interval", () -> service.instances().get(0).state() == State.MASTER);
            nics.up.put("eth1", false);
            await("adverts at 70", () -> !sent.isEmpty() && (sent.get(sent.size() - 1)[2] & 0xff) == 70);
            assertEquals(State.MASTER, service.instances().get(0).state(), "a weighted tracker never means FAULT");
        } finally {
            service.close();
        }
    }

    @Test
    void syncGroupMembersBecomeMasterTogether() throws Exception {
        FakeInterfaces nics = new FakeInterfaces();
        String conf = CONF.replace("priority 255", "priority 100");
        VrrpService service = new VrrpService(VrrpConfigParserTest.parse(conf), (i, s, g, t) -> new SilentSocket(new CopyOnWriteArrayList<>()),
                nics, (i, a) -> { });
        try {
            service.start();
            await("both MASTER", () -> service.instances().stream().allMatch(i -> i.state() == State.MASTER));
            assertEquals(2, nics.addresses.size());
        } finally {
            service.close();
        }
    }
}
