package dev.jvs.director.nat;

import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.BatchException;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.director.sched.Schedulers;
import dev.jvs.model.Command;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.Protocol;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The NAT listeners' share of the open-file limit, as the rule table applies it to whole batches. */
class DescriptorBudgetTest {

    /** A limit of 20: listeners may take 10 sockets; a TCP service takes 2 (two event loops), a UDP service 1. */
    private final RuleTable table = new RuleTable(System::nanoTime,
            new Schedulers(System::nanoTime, OptionalLong.empty()), new DescriptorBudget(20, Transport.EPOLL, 2));

    @Test
    void countsOneSocketPerEventLoopForTcpAndOneForUdpAndNoneWithoutANatListener() throws Exception {
        DescriptorBudget budget = new DescriptorBudget(20, Transport.EPOLL, 2);
        assertEquals(2, budget.sockets(tcp(1), 1, true));
        assertEquals(0, budget.sockets(tcp(1), 0, true), "a TCP service listens once it has a real server");
        assertEquals(0, budget.sockets(tcp(1), 1, false), "direct routing needs no listener");
        assertEquals(1, budget.sockets(ServiceKey.of(Protocol.UDP, InetAddress.getLoopbackAddress(), 53), 0, true));
        assertEquals(1, new DescriptorBudget(20, Transport.NIO, 2).sockets(tcp(1), 1, true), "NIO: one listener");
        assertEquals(10, budget.allowed());
    }

    @Test
    void aBatchOverTheBudgetIsRefusedWholeAndTheTableStaysAsItWas() throws Exception {
        apply(natServices(1, 4)); // 8 sockets
        List<VirtualService> before = table.services();

        BatchException e = assertThrows(BatchException.class, () -> table.apply(natServices(5, 6)));
        assertEquals(BatchException.WHOLE_BATCH, e.index());
        assertEquals(IpvsadmException.FAILURE, e.error().exitStatus());
        assertTrue(e.getMessage().startsWith("Too many open files: the NAT listeners of this table would need 12"
                + " sockets, over the director's budget of 10 (half its open-file limit of 20;"), e.getMessage());
        assertSame(before, table.services(), "nothing of the batch was applied");

        apply(natServices(5, 5)); // exactly 10
        assertEquals(5, table.services().size());
    }

    @Test
    void anIdenticalRestoreAndServicesWithoutListenersStillPassAtTheBudget() throws Exception {
        apply(natServices(1, 5)); // 10 of 10
        List<Command.RuleChange> restore = new ArrayList<>();
        restore.add(new Command.Flush());
        restore.addAll(natServices(1, 5));
        apply(restore);
        apply(List.of(new Command.AddService(ServiceConfig.defaults(tcp(6)).withScheduler("rr")),
                new Command.AddServer(tcp(6),
                        RealServerConfig.of(InetAddress.getByName("192.168.0.6"), 80, ForwardMethod.ROUTE, 1))));
        assertEquals(6, table.services().size());
    }

    private void apply(List<Command.RuleChange> batch) throws BatchException {
        table.apply(batch);
    }

    /** TCP services on ports {@code from..to}, each with one NAT real server. */
    private static List<Command.RuleChange> natServices(int from, int to) throws UnknownHostException {
        List<Command.RuleChange> batch = new ArrayList<>();
        for (int port = from; port <= to; port++) {
            batch.add(new Command.AddService(ServiceConfig.defaults(tcp(port)).withScheduler("rr")));
            batch.add(new Command.AddServer(tcp(port),
                    RealServerConfig.of(InetAddress.getByName("192.168.0.1"), 80, ForwardMethod.MASQ, 1)));
        }
        return batch;
    }

    private static ServiceKey tcp(int port) throws UnknownHostException {
        return ServiceKey.of(Protocol.TCP, InetAddress.getByName("10.0.0.1"), port);
    }
}
