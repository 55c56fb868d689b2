package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.ServiceConfig;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class HashingSchedulersTest {

    /** hash_32 written out from its definition, independent of the production helper. */
    private static int kernelHash32(long x, int bits) {
        long product = (x * 0x61C88647L) & 0xFFFFFFFFL;
        return (int) (product >>> (32 - bits));
    }

    private static long ipv4(String dotted) {
        long v = 0;
        for (String part : dotted.split("\\.")) {
            v = (v << 8) | Integer.parseInt(part);
        }
        return v;
    }

    @Test
    void kernelHashMatchesTheReferenceTable() {
        assertEquals(39, kernelHash32(ipv4("10.0.0.1"), 8));
        assertEquals(137, kernelHash32(ipv4("10.0.0.2"), 8));
        assertEquals(192, kernelHash32(ipv4("192.168.0.1"), 8));
        assertEquals(89, kernelHash32(ipv4("192.168.1.100"), 8));
        assertEquals(138, kernelHash32(ipv4("172.16.5.4"), 8));
        assertEquals(159, kernelHash32(ipv4("10.0.0.1"), 10));
        assertEquals(31, kernelHash32(ipv4("10.0.0.1") + 1000, 8));
        for (String a : new String[] {"10.0.0.1", "10.0.0.2", "192.168.0.1", "192.168.1.100", "172.16.5.4"}) {
            assertEquals(kernelHash32(ipv4(a), 8), DestinationHashingScheduler.bucketOf(KernelHash.fold(addr(a))));
            assertEquals(kernelHash32(ipv4(a), 10), LocalityCache.bucketOf(addr(a)));
        }
    }

    @Test
    void ipv6AddressesFoldToTheXorOfTheirWords() {
        assertEquals(0x20010db8 ^ 0x00010000 ^ 0x5, KernelHash.fold(addr("2001:db8:1::5")));
    }

    // ---------------------------------------------------------------- dh

    @Test
    void dhMapsTheVirtualAddressToBucketModuloServerCountInListOrder() {
        RuleTable table = serviceWith("dh", rs(A, 1), rs(B, 1), rs(C, 1), rs(D, 1)); // list D C B A
        VirtualService vs = table.find(VIP);
        // VIP 10.0.0.1 → bucket 39 → 39 mod 4 = 3 → A
        assertEquals("A A A", pick(vs, 3));
        // 10.0.0.2 → bucket 137 → 1 → C; 192.168.1.100 → 89 → 1 → C; 172.16.5.4 → 138 → 2 → B
        assertEquals("C", name(vs.schedule(CLIENT.getAddress(), 1, addr("10.0.0.2"))));
        assertEquals("B", name(vs.schedule(CLIENT.getAddress(), 1, addr("172.16.5.4"))));
    }

    @Test
    void dhHasNoFallbackForWeightZeroOverloadedOrDeletedServers() {
        RuleTable table = serviceWith("dh", rs(A, 1), rs(B, 1));  // list B A; bucket 39 → 1 → A
        VirtualService vs = table.find(VIP);
        assertEquals("A", pick(vs, 1));
        apply(table, editServer(VIP, rs(A, 0)));
        assertNull(vs.schedule(CLIENT));
        apply(table, editServer(VIP, thresholds(rs(A, 1), 1, 0)));
        vs.dests().get(1).bindConnection();
        assertTrue(vs.dests().get(1).overloaded());
        assertNull(vs.schedule(CLIENT));
        apply(table, deleteServer(VIP, A)); // one server left: every bucket is B
        assertEquals("B", pick(vs, 1));
    }

    // ---------------------------------------------------------------- sh

    private static RuleTable hashingService(String scheduler, int flags, String... addedInOrder) {
        RuleTable table = new RuleTable();
        ServiceConfig config = service(VIP, scheduler);
        config = new ServiceConfig(config.key(), scheduler, false, config.persistenceTimeout(), config.netmask(),
                null, false, flags);
        apply(table, addService(config));
        for (String a : addedInOrder) {
            apply(table, addServer(VIP, rs(a, 1)));
        }
        return table;
    }

    private static Dest schedule(VirtualService vs, String client, int port) {
        return vs.schedule(addr(client), port, VIP.address());
    }

    @Test
    void shFillsBucketsByWeightAndHashesTheClient() {
        RuleTable table = serviceWith("sh", rs(A, 2), rs(B, 1));  // list B(1) A(2): B A A B A A ...
        VirtualService vs = table.find(VIP);
        assertEquals("B", name(schedule(vs, "10.0.0.1", 5555)));       // 39 mod 3 = 0
        assertEquals("A", name(schedule(vs, "192.168.1.100", 5555)));  // 89 mod 3 = 2
        assertEquals("B", name(schedule(vs, "172.16.5.4", 5555)));     // 138 mod 3 = 0
    }

    @Test
    void shPortFlagHashesTheClientPortToo() {
        RuleTable table = hashingService("sh", ServiceConfig.SCHED2, A, B, C, D);  // list D C B A, one bucket each
        VirtualService vs = table.find(VIP);
        // the port is added to the folded address before hash_32 (10.0.0.1:1000 → bucket 31)
        assertEquals(name(vs.dests().get(kernelHash32(ipv4("10.0.0.1") + 1000, 8) % 4)),
                name(schedule(vs, "10.0.0.1", 1000)));
        assertEquals(name(vs.dests().get(kernelHash32(ipv4("10.0.0.1") + 1001, 8) % 4)),
                name(schedule(vs, "10.0.0.1", 1001)));
    }

    @Test
    void shWeightZeroServerKeepsOneBucketAndGetsNothingWithoutFallback() {
        RuleTable table = hashingService("sh", 0, A, B, C, D);  // list D C B A; 10.0.0.1 → 39 → A
        VirtualService vs = table.find(VIP);
        assertEquals("A", name(schedule(vs, "10.0.0.1", 0)));
        apply(table, editServer(VIP, rs(A, 0)));
        assertNull(schedule(vs, "10.0.0.1", 0));
    }

    @Test
    void shFallbackProbesFromTwiceTheHomeBucket() {
        RuleTable table = hashingService("sh", ServiceConfig.SCHED1, A, B, C, D);  // D C B A repeating
        VirtualService vs = table.find(VIP);
        apply(table, editServer(VIP, rs(A, 0)));  // bucket pattern unchanged: weight 0 still takes one bucket
        // home 39 (A, unavailable); first probe is 2*39 = 78 → 78 mod 4 = 2 → B (home + 1 would give D)
        assertEquals("B", name(schedule(vs, "10.0.0.1", 0)));
    }

    // ---------------------------------------------------------------- mh

    private static int hsip(long key, long value) {
        return HsipHash.hash(key, key, (int) value);
    }

    @Test
    void mhPermutationsMatchTheReferenceValues() {
        assertEquals(0x17c87ac9, hsip(MaglevHashScheduler.KEY1, ipv4("10.1.0.1") + 80));
        int[][] expected = {{310, 1461}, {2769, 572}, {2424, 45}};
        for (int i = 0; i < 3; i++) {
            long v = ipv4("10.1.0." + (i + 1)) + 80;
            assertEquals(expected[i][0], Integer.remainderUnsigned(hsip(MaglevHashScheduler.KEY1, v), 4093));
            assertEquals(expected[i][1], Integer.remainderUnsigned(hsip(MaglevHashScheduler.KEY2, v), 4092) + 1);
        }
        assertEquals(0x03080ce4, hsip(MaglevHashScheduler.KEY1, ipv4("10.0.0.1")));
        assertEquals(3711, MaglevHashScheduler.home(KernelHash.fold(addr("10.0.0.1")), 0));
    }

    private static RuleTable mhService(int flags, int wA, int wB, int wC) {
        RuleTable table = new RuleTable();
        ServiceConfig config = new ServiceConfig(VIP, "mh", false, 360, -1, null, false, flags);
        apply(table, addService(config),
                addServer(VIP, rs("10.1.0.3", wC)), addServer(VIP, rs("10.1.0.2", wB)),
                addServer(VIP, rs("10.1.0.1", wA)));  // list A B C
        return table;
    }

    private static Map<String, Integer> ownership(Dest[] slots) {
        Map<String, Integer> counts = new HashMap<>();
        for (Dest d : slots) {
            counts.merge(d.config().address().getHostAddress(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void mhTableEqualsTheKernelsForTheReferenceServers() {
        RuleTable table = mhService(0, 1, 1, 1);
        Dest[] slots = table.find(VIP).inspectScheduler(s -> ((MaglevHashScheduler) s).slotsSnapshot());
        assertEquals(4093, slots.length);
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            String a = slots[i].config().address().getHostAddress();
            first.append(a.endsWith(".1") ? 'A' : a.endsWith(".2") ? 'B' : 'C');
        }
        assertEquals("CCCACBCBCABACACACACB", first.toString());
        assertEquals(Map.of("10.1.0.1", 1365, "10.1.0.2", 1364, "10.1.0.3", 1364), ownership(slots));

        RuleTable weighted = mhService(0, 1, 2, 3);
        Dest[] wslots = weighted.find(VIP).inspectScheduler(s -> ((MaglevHashScheduler) s).slotsSnapshot());
        assertEquals(Map.of("10.1.0.1", 683, "10.1.0.2", 1364, "10.1.0.3", 2046), ownership(wslots));
    }

    @Test
    void mhSharesFollowWeightsWithinOnePercent() {
        RuleTable table = new RuleTable();
        apply(table, addService(service(VIP, "mh")));
        int[] weights = {1, 2, 3, 4, 5, 7, 10, 16};
        int total = 0;
        for (int i = 0; i < weights.length; i++) {
            apply(table, addServer(VIP, rs("10.2.0." + (i + 1), weights[i])));
            total += weights[i];
        }
        Dest[] slots = table.find(VIP).inspectScheduler(s -> ((MaglevHashScheduler) s).slotsSnapshot());
        Map<String, Integer> counts = ownership(slots);
        for (int i = 0; i < weights.length; i++) {
            double share = counts.get("10.2.0." + (i + 1)) / (double) slots.length;
            assertEquals(weights[i] / (double) total, share, 0.01, "server " + (i + 1));
        }
    }

    @Test
    void mhRemovingAServerRemapsItsFlowsAndDisturbsAlmostNoOthers() {
        RuleTable table = new RuleTable();
        apply(table, addService(service(VIP, "mh")));
        for (int i = 1; i <= 10; i++) {
            apply(table, addServer(VIP, rs("10.3.0." + i, 1)));
        }
        VirtualService vs = table.find(VIP);
        SplittableRandom random = new SplittableRandom(42);
        int flows = 100_000;
        InetAddress[] clients = new InetAddress[flows];
        Dest[] before = new Dest[flows];
        for (int i = 0; i < flows; i++) {
            clients[i] = ipv4Address(random.nextInt());
            before[i] = vs.schedule(clients[i], 0, VIP.address());
        }
        Dest removed = vs.findDest(rs("10.3.0.4", 1));
        apply(table, deleteServer(VIP, "10.3.0.4"));
        int movedOthers = 0;
        int movedOwn = 0;
        for (int i = 0; i < flows; i++) {
            Dest after = vs.schedule(clients[i], 0, VIP.address());
            assertNotNull(after);
            assertNotSame(removed, after);
            if (before[i] == removed) {
                movedOwn++;
            } else if (after != before[i]) {
                movedOthers++;
            }
        }
        assertTrue(movedOwn > flows / 20, "the removed server had its share");
        // Maglev (and so the kernel's table, which this one must equal) promises minimal, not zero, disruption:
        // with 10 servers about 1% of the other flows move when one server leaves.
        assertTrue(movedOthers < flows / 50, "flows of the remaining servers moved: " + movedOthers);
    }

    private static InetAddress ipv4Address(int v) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void mhQuiescedServerKeepsItsSlotsAndFallbackMovesItsClients() {
        RuleTable table = mhService(0, 1, 1, 1);
        VirtualService vs = table.find(VIP);
        Dest[] slots = vs.inspectScheduler(s -> ((MaglevHashScheduler) s).slotsSnapshot());
        Dest home = slots[3711];  // client 10.0.0.1, port 0
        assertSame(home, schedule(vs, "10.0.0.1", 0));
        apply(table, editServer(VIP, rs(home.config().address().getHostAddress(), 0)));
        assertArrayEquals(slots, vs.inspectScheduler(s -> ((MaglevHashScheduler) s).slotsSnapshot()));
        assertNull(schedule(vs, "10.0.0.1", 0));

        RuleTable withFallback = mhService(ServiceConfig.SCHED1, 1, 1, 1);
        VirtualService fb = withFallback.find(VIP);
        apply(withFallback, editServer(VIP, rs(home.config().address().getHostAddress(), 0)));
        Dest chosen = schedule(fb, "10.0.0.1", 0);
        assertNotNull(chosen);
        assertEquals(expectedMhFallback(fb, "10.0.0.1"), chosen);
    }

    /** The kernel's probe written out: slot H(key1, client, offset = k + home) for k = 0, 1, ... */
    private static Dest expectedMhFallback(VirtualService vs, String client) {
        Dest[] slots = vs.inspectScheduler(s -> ((MaglevHashScheduler) s).slotsSnapshot());
        long fold = ipv4(client);
        int home = Integer.remainderUnsigned(hsip(MaglevHashScheduler.KEY1, fold), 4093);
        for (int k = 0; k < 4093; k++) {
            int offset = (k + home) % 4093;
            Dest d = slots[Integer.remainderUnsigned(hsip(MaglevHashScheduler.KEY1, fold + offset), 4093)];
            if (d.weight() > 0 && !d.overloaded()) {
                return d;
            }
        }
        return null;
    }
}
