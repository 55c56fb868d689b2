package dev.jvs.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

/**
 * The decisions of {@link SchedulerBenchmark}, timed in this thread's CPU time instead of wall time: on a machine
 * shared with other work (CI, several builds at once) JMH's wall-clock average includes the time the thread
 * waited for a core, while the CPU time per decision does not. Prints the best of several rounds per scheduler
 * and server count.
 *
 * <pre>java -cp 'benchmarks/target/jvs-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*' \
 *     dev.jvs.bench.SchedulerCpuTime [SERVERS [SCHEDULER...]]</pre>
 */
public final class SchedulerCpuTime {

    private static final List<String> ALL = List.of("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed",
            "nq", "fo", "ovf", "mh", "twos");

    private SchedulerCpuTime() {}

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = args.length > 0 ? List.of(Integer.parseInt(args[0])) : List.of(8, 64, 1024);
        List<String> schedulers = args.length > 1 ? List.of(args).subList(1, args.length) : ALL;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf("%-6s %8s %12s%n", "sched", "servers", "ns/decision");
        for (int servers : sizes) {
            for (String name : schedulers) {
                SchedulerBenchmark b = new SchedulerBenchmark();
                b.scheduler = name;
                b.servers = servers;
                b.setUp();
                int calls = servers >= 1024 ? 200_000 : 1_000_000;
                long best = Long.MAX_VALUE;
                Object last = null;
                for (int round = 0; round < 8; round++) {
                    long start = threads.getCurrentThreadCpuTime();
                    for (int i = 0; i < calls; i++) {
                        last = b.schedule();
                    }
                    best = Math.min(best, threads.getCurrentThreadCpuTime() - start);
                }
                System.out.printf("%-6s %8d %12.1f%s%n", name, servers, best / (double) calls,
                        last == null ? " (no destination)" : "");
            }
        }
    }
}
