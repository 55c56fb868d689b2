package dev.jvs.director.control;

import dev.jvs.control.ControlReply;
import dev.jvs.control.ControlRequest;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.Subscription;
import dev.jvs.director.rules.VirtualService;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A subscriber that reacts slowly (routes, firewall, processes) never holds up ipvsadm. */
class SlowListenerTest {

    @Test
    void aListenerThatSleepsTwoSecondsDelaysNoCommandAndStillGetsTheNewestTable() throws Exception {
        RuleTable rules = new RuleTable();
        CommandExecutor executor = new CommandExecutor(rules, new ConnectionTable(8, rules::timeouts));
        AtomicReference<List<VirtualService>> latest = new AtomicReference<>();
        Subscription slow = rules.subscribe("slow", services -> {
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            latest.set(services);
        });
        try {
            run(executor, "-A", "-t", "10.0.0.1:80", "-s", "rr");
            long started = System.nanoTime();
            run(executor, "-a", "-t", "10.0.0.1:80", "-r", "10.0.1.1:80", "-m");
            run(executor, "-a", "-t", "10.0.0.1:80", "-r", "10.0.1.2:80", "-m");
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(tookMillis < 1_000, "two ipvsadm -a took " + tookMillis + " ms behind a 2 s listener");

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!hasTwoServers(latest.get()) && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(hasTwoServers(latest.get()), "the listener got the newest table: " + latest.get());
        } finally {
            rules.unsubscribe(slow);
        }
    }

    private static boolean hasTwoServers(List<VirtualService> services) {
        return services != null && services.size() == 1 && services.get(0).dests().size() == 2;
    }

    private static void run(CommandExecutor executor, String... args) {
        ControlReply reply = executor.execute(ControlRequest.single("ipvsadm", List.of(args)));
        assertEquals(0, reply.status(), reply.stderr());
    }
}
