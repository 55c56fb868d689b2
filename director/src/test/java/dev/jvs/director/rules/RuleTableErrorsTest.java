package dev.jvs.director.rules;

import dev.jvs.model.ClientIpMode;
import dev.jvs.model.Command;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.Protocol;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.TunnelChecksum;
import dev.jvs.model.TunnelType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RuleTableErrorsTest {

    private static final ServiceKey OTHER = ServiceKey.of(Protocol.TCP, addr("10.0.0.2"), 80);
    private static final String EINVAL = "Invalid operation.  Possibly wrong module version, address not unicast, ...";

    private final RuleTable table = serviceWith("wlc", rs(A, 1));

    private void fails(String message, Command.RuleChange command) {
        BatchException e = assertThrows(BatchException.class, () -> table.apply(List.of(command)));
        assertEquals(0, e.index());
        assertEquals(message, e.getMessage());
        assertEquals(message, e.error().getMessage());
        assertEquals(IpvsadmException.FAILURE, e.error().exitStatus());
    }

    @Test
    void addServiceThatExists() {
        fails("Service already exists", addService(VIP, "rr"));
    }

    @Test
    void addServiceWithUnknownSchedulerOrAnyPersistenceEngine() {
        fails("Scheduler or persistence engine not found", addService(OTHER, "nosuch"));
        fails("Scheduler or persistence engine not found", addService(OTHER, "maglev"));
        ServiceConfig withPe = new ServiceConfig(OTHER, "rr", true, 360, ServiceConfig.IPV4_HOST_MASK, "sip",
                false, 0);
        fails("Scheduler or persistence engine not found", addService(withPe));
    }

    @Test
    void addIpv6ServiceWithPrefixOutOfRange() {
        ServiceKey v6 = ServiceKey.of(Protocol.TCP, addr("2001:db8::1"), 80);
        fails(EINVAL, addService(new ServiceConfig(v6, "rr", true, 360, 129, null, false, 0)));
    }

    @Test
    void editServiceErrors() {
        fails("No such service", editService(OTHER, "rr"));
        fails("Scheduler or persistence engine not found", editService(VIP, "nosuch"));
    }

    @Test
    void deleteAndZeroMissingService() {
        fails("No such service", deleteService(OTHER));
        fails("No such service", zero(OTHER));
    }

    @Test
    void addServerErrors() {
        fails("Service not defined", addServer(OTHER, rs(B, 1)));
        fails("Destination already exists", addServer(VIP, rs(A, 3)));
        fails("Numerical result out of range", addServer(VIP, thresholds(rs(B, 1), 5, 6)));
        fails("Numerical result out of range", addServer(VIP, thresholds(rs(B, 1), 0, 6)));
        fails("Numerical result out of range", addServer(VIP, rs(B, -1)));
    }

    @Test
    void addServerWithAnAddressThatIsNotUnicast() {
        for (String ip : new String[] {"0.0.0.0", "0.1.2.3", "224.0.0.1", "239.1.1.1", "255.255.255.255"}) {
            fails(EINVAL, addServer(VIP, rs(ip, 1)));
        }
        ServiceKey v6 = ServiceKey.of(Protocol.TCP, addr("2001:db8::1"), 80);
        apply(table, addService(v6, "rr"));
        fails(EINVAL, addServer(v6, rs("::", 1)));
        fails(EINVAL, addServer(v6, rs("ff02::1", 1)));
        apply(table, addServer(v6, rs("2001:db8::2", 1)), addServer(VIP, rs("127.0.0.1", 1)));
    }

    @Test
    void addServerOfTheOtherFamilyNeedsATunnel() {
        fails(EINVAL, addServer(VIP, rs("2001:db8::2", 1)));
        ServiceKey nat = ServiceKey.of(Protocol.TCP, addr("10.0.0.3"), 80);
        apply(table, addService(nat, "rr"), addServer(nat, rs("2001:db8::2", ForwardMethod.TUNNEL, 1)));
    }

    @Test
    void gueTunnelNeedsAPort() {
        RealServerConfig gue = new RealServerConfig(addr(B), 80, ForwardMethod.TUNNEL, 1, 0, 0, TunnelType.GUE, 0,
                TunnelChecksum.NOCSUM, ClientIpMode.NONE);
        fails(EINVAL, addServer(VIP, gue));
    }

    @Test
    void editServerErrors() {
        fails("Service not defined", editServer(OTHER, rs(A, 1)));
        fails("No such destination", editServer(VIP, rs(B, 1)));
        fails("Numerical result out of range", editServer(VIP, thresholds(rs(A, 1), 2, 3)));
        // the range check comes before the lookup, as in the kernel
        fails("Numerical result out of range", editServer(VIP, thresholds(rs(B, 1), 2, 3)));
    }

    @Test
    void deleteServerErrors() {
        fails("Service not defined", deleteServer(OTHER, A));
        fails("No such destination", deleteServer(VIP, B));
    }

    @Test
    void natAndDirectRoutingServersDoNotMix() {
        String mixing = "Mixing masquerading (-m) and direct routing/tunneling (-g/-i) real servers in one service"
                + " is not supported by JVS";
        fails(mixing, addServer(VIP, rs(B, ForwardMethod.MASQ, 1)));
        apply(table, addServer(VIP, rs(B, ForwardMethod.TUNNEL, 1)));
        fails(mixing, editServer(VIP, rs(A, ForwardMethod.MASQ, 1)));
        apply(table, deleteServer(VIP, B));
        // alone, a server may switch method
        apply(table, editServer(VIP, rs(A, ForwardMethod.MASQ, 1)), addServer(VIP, rs(C, ForwardMethod.MASQ, 1)));
        fails(mixing, addServer(VIP, rs(D, ForwardMethod.ROUTE, 1)));
        fails(mixing, editServer(VIP, rs(C, ForwardMethod.ROUTE, 1)));
    }
}
