package dev.jvs.director.control;

import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A restore of 100,000 services (the size the control socket admits) applies in linear time: a guard against a
 * per-command copy of the table or a linear lookup creeping into the write path, not a benchmark. Measured: about
 * 6 s of CPU for both restores together on a loaded 2-core machine; a quadratic path takes minutes.
 */
class LargeRestoreTest {

    static final int SERVICES = 100_000;
    static final long CPU_BOUND_SECONDS = 60;

    /** ipvsadm-restore input: clear, then each service with two NAT real servers. */
    static String restoreText(int services) {
        StringBuilder text = new StringBuilder("-C\n");
        for (int i = 0; i < services; i++) {
            String vip = "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255) + ":80";
            text.append("-A -t ").append(vip).append(" -s wlc\n");
            text.append("-a -t ").append(vip).append(" -r 192.168.1.1:8080 -m -w 1\n");
            text.append("-a -t ").append(vip).append(" -r 192.168.1.2:8080 -m -w 1\n");
        }
        return text.toString();
    }

    @Test
    void aRestoreOf100000ServicesAndAnIdenticalOneOverItTakeLinearTime() throws Exception {
        RuleTable rules = new RuleTable();
        CommandExecutor executor = new CommandExecutor(rules, new ConnectionTable(12, rules::timeouts));
        String text = restoreText(SERVICES);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuBefore = threads.getCurrentThreadCpuTime();

        executor.restore(text);
        List<VirtualService> first = rules.services();
        executor.restore(text); // over the full table: every service deleted and re-created, servers revived

        long cpuSeconds = TimeUnit.NANOSECONDS.toSeconds(threads.getCurrentThreadCpuTime() - cpuBefore);
        assertTrue(cpuSeconds < CPU_BOUND_SECONDS, "two restores of " + SERVICES + " services took " + cpuSeconds
                + " s of CPU");
        List<VirtualService> services = rules.services();
        assertEquals(SERVICES, services.size());
        assertEquals("10.1.134.159", services.get(SERVICES - 1).key().address().getHostAddress());
        // kernel order: the server added last is listed first; revived servers keep their counters' objects
        assertEquals("192.168.1.2", services.get(0).dests().get(0).config().address().getHostAddress());
        assertEquals(first.get(7).dests().get(1), services.get(7).dests().get(1));
    }
}
