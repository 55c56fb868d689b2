package dev.jvs.bench;

import dev.jvs.director.rules.BatchException;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.Command;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.Protocol;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One scheduling decision ({@link VirtualService#schedule}) per scheduler and server count. Servers carry a
 * spread of weights and active/inactive counts so the least-connection family does real comparisons; the client
 * rotates over 1,024 addresses so the hashing schedulers do not hit one bucket only.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SchedulerBenchmark {

    @Param({"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"})
    public String scheduler;

    @Param({"8", "64", "1024"})
    public int servers;

    private static final int CLIENTS = 1024;

    private VirtualService service;
    private InetAddress vip;
    private final InetAddress[] clients = new InetAddress[CLIENTS];
    private int next;

    @Setup
    public void setUp() throws BatchException, UnknownHostException {
        vip = InetAddress.getByName("10.0.0.1");
        ServiceKey key = ServiceKey.of(Protocol.TCP, vip, 80);
        RuleTable table = new RuleTable(System::nanoTime,
                new dev.jvs.director.sched.Schedulers(System::nanoTime, OptionalLong.of(1)));
        List<Command.RuleChange> batch = new ArrayList<>();
        batch.add(new Command.AddService(ServiceConfig.defaults(key).withScheduler(scheduler)));
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < servers; i++) {
            InetAddress rs = InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >> 8), (byte) (i + 1)});
            RealServerConfig server = RealServerConfig.of(rs, 80, ForwardMethod.MASQ, 1 + random.nextInt(10));
            batch.add(new Command.AddServer(key, server));
        }
        table.apply(batch);
        service = table.find(key);
        for (Dest d : service.dests()) {
            int active = random.nextInt(20);
            for (int c = 0; c < active + random.nextInt(20); c++) {
                d.bindConnection();
                if (c < active) {
                    d.moveToActive();
                }
            }
        }
        for (int i = 0; i < CLIENTS; i++) {
            clients[i] = InetAddress.getByAddress(new byte[] {(byte) 192, (byte) 168, (byte) (i >> 8), (byte) i});
        }
    }

    @Benchmark
    public Dest schedule() {
        int i = next;
        next = (i + 1) & (CLIENTS - 1);
        return service.schedule(clients[i], 40000 + i, vip);
    }
}
