package dev.jvs.director.conn;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class PersistenceTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final InetSocketAddress VIRTUAL = new InetSocketAddress(VIP.address(), VIP.port());

    private final AtomicLong now = new AtomicLong(SECOND);
    private RuleTable rules;
    private ConnectionTable table;
    private Scheduling scheduling;

    private VirtualService persistentRr(int timeout, int netmask) {
        rules = new RuleTable(now::get);
        ServiceConfig config = new ServiceConfig(VIP, "rr", true, timeout, netmask, null, false, 0);
        apply(rules, addService(config), addServer(VIP, rs(A, 1)), addServer(VIP, rs(B, 1)),
                addServer(VIP, rs(C, 1)));
        table = new ConnectionTable(8, rules::timeouts);
        scheduling = new Scheduling(table, now::get);
        return rules.find(VIP);
    }

    private Connection connect(VirtualService vs, String client, int port) {
        Connection c = scheduling.newConnection(vs, Protocol.TCP, new InetSocketAddress(addr(client), port), VIRTUAL);
        if (c != null) {
            assertTrue(table.insert(c));
        }
        return c;
    }

    private Connection templateOf(VirtualService vs, String maskedClient) {
        return table.get(Protocol.TCP, new InetSocketAddress(addr(maskedClient), 0), VIRTUAL);
    }

    @Test
    void theSameClientReturnsToTheSameServerAcross1000Connections() {
        VirtualService vs = persistentRr(360, ServiceConfig.IPV4_HOST_MASK);
        Dest first = connect(vs, "192.0.2.7", 1024).dest();
        for (int port = 1025; port < 2024; port++) {
            assertSame(first, connect(vs, "192.0.2.7", port).dest());
        }
        assertEquals(1, first.persistConns());
        assertEquals(1000, first.inactiveConns());
        // another client is scheduled (rr moves on)
        assertNotSame(first, connect(vs, "192.0.2.8", 1024).dest());
    }

    @Test
    void aTemplateBecomesAssuredOnceAConnectionItControlsIsEstablishedAsInTheKernel() {
        VirtualService vs = persistentRr(360, ServiceConfig.IPV4_HOST_MASK);
        Connection c = connect(vs, "192.0.2.7", 1024);
        Connection template = templateOf(vs, "192.0.2.7");
        c.tcpEvent(Direction.INPUT, TcpEvent.SYN);
        assertEquals("NONE", template.stateName());
        assertEquals(0, template.syncState());
        c.tcpEvent(Direction.INPUT, TcpEvent.ACK);
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals("ASSURED", template.stateName(), "listed as -Lnc shows a kernel template");
        assertEquals(1, template.syncState(), "sent as IP_VS_CTPL_S_ASSURED");
        c.tcpEvent(Direction.INPUT, TcpEvent.FIN);
        assertEquals("ASSURED", template.stateName(), "and stays so");
    }

    /** One one-packet datagram ({@code -o -p}) through the cache: its template, which it controls only while sent. */
    private Connection datagram(VirtualService vs, TemplateCache cache, InetSocketAddress client) {
        Connection template = scheduling.attachTemplate(vs, Protocol.UDP, client, VIRTUAL, cache);
        if (template != null) template.detach();
        return template;
    }

    @Test
    void aClientsOnePacketDatagramsReArmItsCachedTemplateWithoutAllocating() {
        VirtualService vs = persistentRr(360, ServiceConfig.IPV4_HOST_MASK);
        TemplateCache cache = new TemplateCache();
        InetSocketAddress client = new InetSocketAddress(addr("192.0.2.7"), 5353);
        Connection first = datagram(vs, cache, client);
        assertSame(first, table.get(Protocol.UDP, new InetSocketAddress(addr("192.0.2.7"), 0), VIRTUAL));
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) datagram(vs, cache, client); // warm up
        now.addAndGet(SECOND);
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            if (datagram(vs, cache, client) != first) fail("the client moved to another template");
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1_000, "10,000 datagrams allocated " + allocated + " bytes");
        assertEquals(360, first.expiresInSeconds(now.get()), "each datagram re-armed the template");
        assertEquals(0, first.controlledCount());
        assertEquals(1, first.dest().persistConns());
        assertEquals(1, table.size());
    }

    @Test
    void aCachedTemplateGivesWayWhenItExpiresOrItsServerIsDeleted() {
        VirtualService vs = persistentRr(300, ServiceConfig.IPV4_HOST_MASK);
        TemplateCache cache = new TemplateCache();
        InetSocketAddress client = new InetSocketAddress(addr("192.0.2.7"), 5353);
        Connection first = datagram(vs, cache, client);
        table.expire(301 * SECOND);
        assertFalse(first.bound());
        now.set(302 * SECOND);
        Connection second = datagram(vs, cache, client);
        assertNotSame(first, second, "an expired template is created anew");
        assertSame(second, table.get(Protocol.UDP, new InetSocketAddress(addr("192.0.2.7"), 0), VIRTUAL));

        apply(rules, deleteServer(VIP, second.dest().config().address().getHostAddress()));
        Connection third = datagram(vs, cache, client);
        assertNotSame(second.dest(), third.dest(), "the deleted server's template is abandoned");
        assertTrue(third.dest().available());
        assertSame(third, datagram(vs, cache, client));
    }

    @Test
    void aNetmaskGroupsClientsOfOneSubnetAndAnotherSubnetMayMove() {
        VirtualService vs = persistentRr(360, 0xFFFFFF00);
        Dest d = connect(vs, "192.0.2.7", 1000).dest();
        assertSame(d, connect(vs, "192.0.2.200", 1000).dest());
        assertNotSame(d, connect(vs, "198.51.100.7", 1000).dest());  // rr's next server
        Connection template = templateOf(vs, "192.0.2.0");
        assertNotNull(template);
        assertTrue(template.isTemplate());
        assertEquals("NONE", template.stateName());
        assertEquals(0, template.client().getPort());
        assertEquals(2, template.controlledCount());
        assertEquals(new InetSocketAddress(d.config().address(), 80), template.destination());
    }

    @Test
    void ipv6ClientsAreMaskedByPrefixLength() {
        rules = new RuleTable(now::get);
        ServiceKey v6 = ServiceKey.of(Protocol.TCP, addr("2001:db8::1"), 80);
        apply(rules, addService(new ServiceConfig(v6, "rr", true, 360, 64, null, false, 0)),
                addServer(v6, rs("2001:db8:1::1", 1)), addServer(v6, rs("2001:db8:1::2", 1)));
        table = new ConnectionTable(8, rules::timeouts);
        scheduling = new Scheduling(table, now::get);
        VirtualService vs = rules.find(v6);
        InetSocketAddress vip = new InetSocketAddress(addr("2001:db8::1"), 80);
        Dest d = scheduling.newConnection(vs, Protocol.TCP, new InetSocketAddress(addr("2001:db8:5:6::7"), 1), vip).dest();
        assertSame(d, scheduling.newConnection(vs, Protocol.TCP,
                new InetSocketAddress(addr("2001:db8:5:6:ffff::1"), 2), vip).dest());
        assertNotSame(d, scheduling.newConnection(vs, Protocol.TCP,
                new InetSocketAddress(addr("2001:db8:5:7::7"), 3), vip).dest());
    }

    @Test
    void theTemplateExpiresAfterTheTimeoutOnceItControlsNothing() {
        VirtualService vs = persistentRr(300, ServiceConfig.IPV4_HOST_MASK);
        Connection c = connect(vs, "192.0.2.7", 1000);
        Dest d = c.dest();
        now.addAndGet(10 * SECOND);
        Connection c2 = connect(vs, "192.0.2.7", 1001);  // re-arms the template: expires at 311 s
        table.remove(c);
        table.remove(c2);
        assertEquals(0, templateOf(vs, "192.0.2.7").controlledCount());
        table.expire(310 * SECOND);
        assertNotNull(templateOf(vs, "192.0.2.7"));
        table.expire(311 * SECOND);
        assertNull(templateOf(vs, "192.0.2.7"));
        assertEquals(0, d.persistConns());
        now.set(312 * SECOND);
        assertNotSame(d, connect(vs, "192.0.2.7", 1002).dest());  // scheduled afresh: rr's next
    }

    @Test
    void aControlledConnectionKeepsItsTemplateAliveIn60SecondSteps() {
        VirtualService vs = persistentRr(300, ServiceConfig.IPV4_HOST_MASK);
        Connection c = connect(vs, "192.0.2.7", 1000);
        c.hold();  // an open proxied connection
        table.expire(301 * SECOND + 1);
        Connection template = templateOf(vs, "192.0.2.7");
        assertNotNull(template);
        assertEquals(60, template.expiresInSeconds(301 * SECOND + 1));
        c.release(330 * SECOND);
        table.remove(c);
        assertEquals(0, template.controlledCount());
        table.expire(360 * SECOND);
        assertNotNull(templateOf(vs, "192.0.2.7"));
        table.expire(361 * SECOND + 1);
        assertNull(templateOf(vs, "192.0.2.7"));
    }

    @Test
    void theTemplateWinsOverWeightZeroAndOverloadByDefault() {
        VirtualService vs = persistentRr(360, ServiceConfig.IPV4_HOST_MASK);
        Dest d = connect(vs, "192.0.2.7", 1000).dest();
        String ip = d.config().address().getHostAddress();
        apply(rules, editServer(VIP, thresholds(rs(ip, 0), 1, 0)));
        assertTrue(d.overloaded() || d.weight() == 0);
        assertSame(d, connect(vs, "192.0.2.7", 1001).dest());
    }

    @Test
    void expireQuiescentTemplateReschedulesClientsOfAWeightZeroServer() {
        VirtualService vs = persistentRr(360, ServiceConfig.IPV4_HOST_MASK);
        scheduling.expireQuiescentTemplate(true);
        Dest d = connect(vs, "192.0.2.7", 1000).dest();
        apply(rules, editServer(VIP, rs(d.config().address().getHostAddress(), 0)));
        Dest next = connect(vs, "192.0.2.7", 1001).dest();
        assertNotSame(d, next);
        assertEquals(0, d.persistConns());
        assertEquals(1, next.persistConns());
        assertSame(next, connect(vs, "192.0.2.7", 1002).dest());
    }

    @Test
    void aDeletedServersTemplateIsAbandoned() {
        VirtualService vs = persistentRr(360, ServiceConfig.IPV4_HOST_MASK);
        Dest d = connect(vs, "192.0.2.7", 1000).dest();
        apply(rules, deleteServer(VIP, d.config().address().getHostAddress()));
        Dest next = connect(vs, "192.0.2.7", 1001).dest();
        assertNotSame(d, next);
        assertTrue(next.available());
    }

    @Test
    void connectionsToADeletedServerDrainByDefaultAndAreCutWithExpireNodestConn() {
        VirtualService vs = persistentRr(360, ServiceConfig.IPV4_HOST_MASK);
        Connection c = connect(vs, "192.0.2.7", 1000);
        c.hold();
        AtomicBoolean closed = new AtomicBoolean();
        c.onForcedExpiry(() -> closed.set(true));
        apply(rules, deleteServer(VIP, c.dest().config().address().getHostAddress()));
        table.expire(2 * SECOND);
        assertTrue(c.bound());
        assertFalse(closed.get());
        table.expireNodestConn(true);
        table.expire(3 * SECOND);
        assertFalse(c.bound());
        assertTrue(closed.get());
        assertEquals(0, c.dest().activeConns() + c.dest().inactiveConns());
        assertEquals(0, templateOf(vs, "192.0.2.7").controlledCount());
    }

    @Test
    void aServiceWithoutPersistenceCreatesNoTemplate() {
        rules = serviceWith("rr", rs(A, 1), rs(B, 1));
        table = new ConnectionTable(8, rules::timeouts);
        scheduling = new Scheduling(table, now::get);
        VirtualService vs = rules.find(VIP);
        assertNotSame(connect(vs, "192.0.2.7", 1).dest(), connect(vs, "192.0.2.7", 2).dest());
        assertEquals(2, table.size());
    }
}
