package dev.jvs.director.sync;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** The backup's install rules of §6.4 on the connection table. */
class TableInstallerTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final InetSocketAddress VIRTUAL = new InetSocketAddress(VIP.address(), VIP.port());
    private static final int TEMPLATE_FLAGS = SyncWire.FLAG_TEMPLATE | SyncWire.FLAG_INACTIVE;

    private final AtomicLong now = new AtomicLong(SECOND);
    private RuleTable rules;
    private ConnectionTable table;
    private TableInstaller installer;

    @BeforeEach
    void persistentServiceWithThreeServers() {
        rules = new RuleTable(now::get);
        ServiceConfig config = new ServiceConfig(VIP, "rr", true, 360, 0xFFFFFF00, null, false, 0);
        apply(rules, addService(config), addServer(VIP, rs(A, ForwardMethod.MASQ, 1)),
                addServer(VIP, rs(B, ForwardMethod.MASQ, 1)), addServer(VIP, rs(C, ForwardMethod.MASQ, 1)));
        table = new ConnectionTable(8, rules::timeouts);
        installer = new TableInstaller(rules, table, now::get);
    }

    @Test
    void aTemplateBecomesATemplateOnTheLocalServerWithTheRecordsTimeout() {
        assertTrue(installer.install(template("192.0.2.0", C, 360)));

        Connection t = table.get(Protocol.TCP, new InetSocketAddress(addr("192.0.2.0"), 0), VIRTUAL);
        assertNotNull(t);
        assertTrue(t.isTemplate());
        assertSame(dest(C), t.dest());
        assertEquals(360, t.expiresInSeconds(now.get()));
        assertEquals(1, dest(C).persistConns());
        assertEquals(0, dest(C).stats().conns(), "installing is not scheduling");
    }

    @Test
    void aFailedOverClientOfTheSubnetIsSentToTheTemplatesServerWithoutScheduling() {
        installer.install(template("192.0.2.0", C, 360));
        Scheduling scheduling = new Scheduling(table, now::get);
        VirtualService vs = rules.find(VIP);
        for (int port = 1000; port < 1010; port++) {
            Connection c = scheduling.newConnection(vs, Protocol.TCP,
                    new InetSocketAddress(addr("192.0.2.77"), port), VIRTUAL);
            assertSame(dest(C), c.dest(), "rr alone would start with A");
        }
    }

    @Test
    void anExistingTemplateKeepsItsServerAndTakesTheNewTimeout() {
        installer.install(template("192.0.2.0", C, 360));
        now.addAndGet(100 * SECOND);
        installer.install(template("192.0.2.0", A, 600));

        Connection t = table.get(Protocol.TCP, new InetSocketAddress(addr("192.0.2.0"), 0), VIRTUAL);
        assertSame(dest(C), t.dest());
        assertEquals(600, t.expiresInSeconds(now.get()));
        assertEquals(1, table.size());
    }

    @Test
    void connectionsAreCountedActiveOrInactiveByTheirState() {
        installer.install(connection("203.0.113.5", 40000, A, 1, 0, 900));           // ESTABLISHED
        installer.install(connection("203.0.113.6", 40000, A, 5, SyncWire.FLAG_INACTIVE, 120)); // TIME_WAIT

        assertEquals(1, dest(A).activeConns());
        assertEquals(1, dest(A).inactiveConns());
        Connection c = table.get(Protocol.TCP, new InetSocketAddress(addr("203.0.113.5"), 40000), VIRTUAL);
        assertEquals("ESTABLISHED", c.stateName());
        assertEquals(900, c.expiresInSeconds(now.get()));
    }

    @Test
    void aLaterRecordMovesAnExistingConnectionBetweenActiveAndInactive() {
        installer.install(connection("203.0.113.5", 40000, A, 1, 0, 900));
        installer.install(connection("203.0.113.5", 40000, A, 4, SyncWire.FLAG_INACTIVE, 120)); // FIN_WAIT

        assertEquals(0, dest(A).activeConns());
        assertEquals(1, dest(A).inactiveConns());
        assertEquals(1, table.size());
    }

    @Test
    void anActiveRecordForAnotherServerReplacesTheExistingConnection() {
        installer.install(connection("203.0.113.5", 40000, A, 1, 0, 900));
        installer.install(connection("203.0.113.5", 40000, B, 1, 0, 900));

        Connection c = table.get(Protocol.TCP, new InetSocketAddress(addr("203.0.113.5"), 40000), VIRTUAL);
        assertSame(dest(B), c.dest());
        assertEquals(0, dest(A).activeConns());
        assertEquals(1, dest(B).activeConns());
    }

    @Test
    void anInactiveRecordForAnotherServerIsTheTailOfAReplacedConnectionAndIgnored() {
        installer.install(connection("203.0.113.5", 40000, B, 1, 0, 900));
        installer.install(connection("203.0.113.5", 40000, A, 5, SyncWire.FLAG_INACTIVE, 120));

        Connection c = table.get(Protocol.TCP, new InetSocketAddress(addr("203.0.113.5"), 40000), VIRTUAL);
        assertSame(dest(B), c.dest());
        assertEquals("ESTABLISHED", c.stateName());
    }

    @Test
    void aRecordForARealServerThatIsNotConfiguredHereInstallsNothing() {
        installer.install(template("192.0.2.0", "192.168.0.99", 360));
        assertEquals(0, table.size());
    }

    @Test
    void installedEntriesAgeOutWithTheRecordsTimeout() {
        installer.install(template("192.0.2.0", A, 360));
        installer.install(connection("203.0.113.5", 40000, B, 5, SyncWire.FLAG_INACTIVE, 120));
        now.addAndGet(121 * SECOND);
        assertEquals(1, table.expire(now.get()));
        now.addAndGet(240 * SECOND);
        assertEquals(1, table.expire(now.get()));
        assertEquals(0, dest(A).persistConns());
        assertEquals(0, dest(B).inactiveConns());
    }

    private Dest dest(String ip) {
        return rules.find(VIP).findDest(rs(ip, ForwardMethod.MASQ, 1));
    }

    private static SyncRecord template(String maskedClient, String server, long timeout) {
        return new SyncRecord(6, TEMPLATE_FLAGS, 0, 0, 80, 80, 0, timeout, addr(maskedClient),
                VIP.address(), addr(server));
    }

    private static SyncRecord connection(String client, int port, String server, int state, int flags, long timeout) {
        return new SyncRecord(6, flags, state, port, 80, 80, 0, timeout, addr(client), VIP.address(),
                addr(server));
    }

}
