package dev.jvs.director.announce;

import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.os.InterfaceAddresses;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** Which VIPs are kept on the announce interface, and that only addresses JVS added are ever removed. */
class VipAnnouncerTest {

    private static final ServiceKey WEB = ServiceKey.of(Protocol.TCP, addr("10.0.0.1"), 80);
    private static final ServiceKey DNS = ServiceKey.of(Protocol.UDP, addr("10.0.0.1"), 53);
    private static final ServiceKey V6 = ServiceKey.of(Protocol.TCP, addr("fd00::1"), 80);
    private static final ServiceKey OTHER = ServiceKey.of(Protocol.TCP, addr("10.0.0.2"), 80);

    /** An interface in memory: its addresses and every change asked for. */
    static final class FakeInterface implements InterfaceAddresses {
        final Set<String> present = new LinkedHashSet<>();
        final List<String> calls = new ArrayList<>();
        String refused;

        @Override
        public boolean add(String ifName, InetAddress address, int prefixLength, String label) throws IOException {
            String a = address.getHostAddress() + "/" + prefixLength;
            calls.add("add " + a + " dev " + ifName);
            if (a.equals(refused)) throw new IOException("ip addr add " + a + ": refused");
            return present.add(a);
        }

        @Override
        public void remove(String ifName, InetAddress address, int prefixLength) {
            String a = address.getHostAddress() + "/" + prefixLength;
            calls.add("del " + a + " dev " + ifName);
            present.remove(a);
        }

        @Override public boolean isUp(String ifName) { return true; }
        @Override public InetAddress primaryAddress(String ifName, boolean ipv6, Set<InetAddress> except) { return null; }
    }

    private RuleTable rules;
    private final FakeInterface lo = new FakeInterface();
    private final Set<ServiceKey> running = new LinkedHashSet<>();
    private VipAnnouncer announcer;

    @BeforeEach
    void table() throws Exception {
        rules = new RuleTable();
        apply(rules, addService(WEB, "mh"), addService(DNS, "mh"), addService(V6, "mh"), addService(OTHER, "mh"));
        apply(rules, addServer(WEB, rs(A, ForwardMethod.ROUTE, 1)), addServer(WEB, rs(B, ForwardMethod.ROUTE, 1)),
                addServer(V6, RealServerConfig.of(addr("fd00::11"), 80, ForwardMethod.ROUTE, 1)),
                addServer(OTHER, rs(C, ForwardMethod.ROUTE, 1)));
        running.addAll(List.of(WEB, DNS, V6, OTHER));
        announcer = announcer(1);
    }

    private VipAnnouncer announcer(int quorum) {
        return new VipAnnouncer("lo", quorum, lo, rules::services, vs -> running.contains(vs.key()));
    }

    @Test
    void eachVipWithARunningServiceAndAnAvailableRealServerIsKeptAsAHostAddress() throws Exception {
        announcer.reconcile();
        assertEquals(Set.of("10.0.0.1/32", "fd00:0:0:0:0:0:0:1/128", "10.0.0.2/32"), lo.present);
        announcer.reconcile();
        assertEquals(3, lo.calls.size(), "nothing asked twice: " + lo.calls);
    }

    @Test
    void aVipIsWithdrawnWhenItsRealServersAreAllDownOrAtWeightZeroAndComesBackWithOne() throws Exception {
        announcer.reconcile();
        apply(rules, editServer(OTHER, rs(C, ForwardMethod.ROUTE, 0)));   // inhibit_on_failure: weight 0
        announcer.reconcile();
        assertFalse(lo.present.contains("10.0.0.2/32"));
        apply(rules, editServer(OTHER, rs(C, ForwardMethod.ROUTE, 1)));
        announcer.reconcile();
        assertTrue(lo.present.contains("10.0.0.2/32"));
        apply(rules, deleteServer(OTHER, C));                             // a failed check removes it
        announcer.reconcile();
        assertFalse(lo.present.contains("10.0.0.2/32"));
        assertTrue(lo.present.contains("10.0.0.1/32"), "the other VIPs stay");
    }

    @Test
    void oneServiceOfAVipIsEnoughAndADataPathThatDoesNotRunAnnouncesNothing() throws Exception {
        running.remove(WEB);           // DNS on the same VIP has no real server: nothing left for 10.0.0.1
        announcer.reconcile();
        assertFalse(lo.present.contains("10.0.0.1/32"));
        apply(rules, addServer(DNS, rs(A, ForwardMethod.ROUTE, 1)));
        announcer.reconcile();
        assertTrue(lo.present.contains("10.0.0.1/32"));
    }

    @Test
    void aQuorumAsksForThatManyAvailableRealServers() throws Exception {
        VipAnnouncer two = announcer(2);
        two.reconcile();
        assertEquals(Set.of("10.0.0.1/32"), lo.present, "only WEB has two");
        apply(rules, editServer(WEB, rs(B, ForwardMethod.ROUTE, 0)));
        two.reconcile();
        assertEquals(Set.of(), lo.present);
    }

    @Test
    void anAddressThatWasAlreadyThereIsNeverRemoved() throws Exception {
        lo.present.add("10.0.0.2/32");  // the operator's own
        announcer.reconcile();
        apply(rules, deleteServer(OTHER, C));
        announcer.reconcile();
        assertTrue(lo.present.contains("10.0.0.2/32"));
        assertFalse(lo.calls.contains("del 10.0.0.2/32 dev lo"), lo.calls.toString());
    }

    @Test
    void drainingWithdrawsEveryVipAndKeepsThemWithdrawn() throws Exception {
        announcer.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (announcer.announced().size() < 3 && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(3, announcer.announced().size());
        announcer.drain();
        assertEquals(Set.of(), lo.present, "gone when drain() returns");
        Thread.sleep(3 * VipAnnouncer.PERIOD_MILLIS);
        assertEquals(Set.of(), lo.present);
        announcer.close();
    }

    @Test
    void oneAddressTheSystemRefusesDoesNotHoldTheOthersBackAndIsTriedAgain() throws Exception {
        lo.refused = "10.0.0.1/32";
        announcer.reconcile();
        assertEquals(Set.of("fd00:0:0:0:0:0:0:1/128", "10.0.0.2/32"), lo.present);
        lo.refused = null;
        announcer.reconcile();
        assertTrue(lo.present.contains("10.0.0.1/32"));
    }

    @Test
    void aQuorumBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> announcer(0));
    }
}
