package dev.jvs.director.sync;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceConfig;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** The connection table's entries as the master sends them, and what a backup with the same rules makes of them. */
class TableEntriesAsSyncRecordsTest {

    private static final InetSocketAddress VIRTUAL = new InetSocketAddress(VIP.address(), VIP.port());
    private final AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(1));

    private record Director(RuleTable rules, ConnectionTable table, Scheduling scheduling) {}

    private Director director() {
        RuleTable rules = new RuleTable(now::get);
        ServiceConfig config = new ServiceConfig(VIP, "rr", true, 600, 0xFFFFFF00, null, false, 0);
        apply(rules, addService(config), addServer(VIP, rs(A, ForwardMethod.MASQ, 1)),
                addServer(VIP, rs(B, ForwardMethod.MASQ, 1)), addServer(VIP, rs(C, ForwardMethod.MASQ, 1)));
        ConnectionTable table = new ConnectionTable(8, rules::timeouts);
        return new Director(rules, table, new Scheduling(table, now::get));
    }

    @Test
    void aProxiedConnectionIsNotMovableButItsTemplateIsAndCarriesTheKernelsTemplateFields() {
        Director master = director();
        Connection c = master.scheduling().newConnection(master.rules().find(VIP), Protocol.TCP,
                new InetSocketAddress(addr("192.0.2.7"), 40000), VIRTUAL);
        Connection template = c.controller();

        assertFalse(c.movable());
        assertTrue(template.movable());
        assertEquals(SyncWire.FLAG_TEMPLATE | SyncWire.FLAG_INACTIVE, template.syncFlags()); // MASQ = 0
        assertEquals(0, template.syncState());
        assertEquals(600, template.timeoutSeconds());
        assertEquals(SyncWire.FLAG_INACTIVE, c.syncFlags(), "a new connection is inactive until its SYN");
    }

    @Test
    void templatesSentByAMasterSendTheSameClientsToTheSameServersOnTheBackup() {
        Director master = director();
        master.scheduling().newConnection(master.rules().find(VIP), Protocol.TCP,
                new InetSocketAddress(addr("198.51.100.1"), 1), VIRTUAL); // moves the master's rr one step on
        SyncMessageWriter writer = new SyncMessageWriter(1472, 0);
        List<String> expected = new ArrayList<>();
        for (int subnet = 0; subnet < 6; subnet++) {
            Connection c = master.scheduling().newConnection(master.rules().find(VIP), Protocol.TCP,
                    new InetSocketAddress(addr("192.0." + subnet + ".9"), 40000), VIRTUAL);
            assertTrue(master.table().insert(c));
            assertTrue(writer.add(c.controller()));
            expected.add(subnet + " " + name(c.dest()));
        }

        Director backup = director();
        TableInstaller installer = new TableInstaller(backup.rules(), backup.table(), now::get);
        SyncMessageReader.read(writer.finish(), 0, installer::install);

        List<String> actual = new ArrayList<>();
        for (int subnet = 0; subnet < 6; subnet++) {
            Connection c = backup.scheduling().newConnection(backup.rules().find(VIP), Protocol.TCP,
                    new InetSocketAddress(addr("192.0." + subnet + ".200"), 50000), VIRTUAL);
            actual.add(subnet + " " + name(c.dest()));
        }
        assertEquals(expected, actual);
    }
}
