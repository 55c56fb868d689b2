package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.RealServerConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.jvs.director.rules.Fixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * mh across directors: the kernel's Maglev table depends on the order of the real-server list only through
 * ties (two servers wanting the same free slot in one round). A Linux 6.1 kernel (ipvs-vm,
 * {@code mh-add-order-guest.sh}) was asked which of three DR servers it picks for ten clients with the servers
 * added in three orders ({@code mh-add-order-kernel.txt}); six clients were chosen because JVS's table puts them on
 * contested slots. JVS must pick what the kernel picked for every order — including the clients that change
 * server with the order, which is why directors behind ECMP need the same add order.
 */
class MhAddOrderTest {

    /** Each order ("1 2 3") with the kernel's pick ("rs3") per client, from the fixture. */
    private static Map<String, Map<String, String>> kernelPicks() throws IOException {
        Map<String, Map<String, String>> picks = new LinkedHashMap<>();
        Map<String, String> current = null;
        try (InputStream in = MhAddOrderTest.class.getResourceAsStream("mh-add-order-kernel.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.startsWith("== added in order: ")) {
                    current = new LinkedHashMap<>();
                    picks.put(line.substring("== added in order: ".length()).trim(), current);
                } else if (line.startsWith("10.20.")) {
                    String[] f = line.trim().split(" ");
                    current.put(f[0], f[1]);
                }
            }
        }
        return picks;
    }

    private static VirtualService mhWithServersAddedIn(String order) throws Exception {
        List<RealServerConfig> servers = new ArrayList<>();
        for (String i : order.split(" ")) {
            servers.add(RealServerConfig.of(addr("10.10.1.1" + i), 80, ForwardMethod.ROUTE, 1));
        }
        RuleTable table = serviceWith("mh", servers.toArray(RealServerConfig[]::new));
        return table.find(VIP);
    }

    @Test
    void jvsPicksWhatTheKernelPickedForEveryAddOrder() throws Exception {
        Map<String, Map<String, String>> kernel = kernelPicks();
        assertEquals(List.of("1 2 3", "3 2 1", "2 3 1"), List.copyOf(kernel.keySet()));
        for (Map.Entry<String, Map<String, String>> order : kernel.entrySet()) {
            VirtualService vs = mhWithServersAddedIn(order.getKey());
            assertEquals(10, order.getValue().size());
            for (Map.Entry<String, String> pick : order.getValue().entrySet()) {
                Dest d = vs.schedule(new InetSocketAddress(addr(pick.getKey()), 40000));
                String expected = "10.10.1.1" + pick.getValue().substring(2);
                assertEquals(expected, d.config().address().getHostAddress(),
                        "client " + pick.getKey() + ", servers added in order " + order.getKey());
            }
        }
    }

    @Test
    void theAddOrderChangesOnlyContestedSlotsButItDoesChangeThem() throws Exception {
        Dest[] a = slots(mhWithServersAddedIn("1 2 3"));
        Dest[] b = slots(mhWithServersAddedIn("3 2 1"));
        int differ = 0;
        for (int i = 0; i < a.length; i++) {
            if (!a[i].config().address().equals(b[i].config().address())) differ++;
        }
        assertEquals(6, differ, "of " + a.length + " slots"); // the six clients of the fixture sit on them
        Map<String, Map<String, String>> kernel = kernelPicks();
        assertNotEquals(kernel.get("1 2 3"), kernel.get("3 2 1"), "the kernel too");
    }

    private static Dest[] slots(VirtualService vs) {
        return vs.inspectScheduler(s -> ((MaglevHashScheduler) s).slotsSnapshot());
    }
}
