package dev.jvs.bench;

import dev.jvs.control.ControlReply;
import dev.jvs.control.ControlRequest;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.control.CommandExecutor;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.healthcheck.Checker;
import dev.jvs.healthcheck.config.KeepalivedConfig;
import dev.jvs.healthcheck.engine.CheckerFactory;
import dev.jvs.healthcheck.engine.HealthEngine;
import dev.jvs.healthcheck.engine.NettyCheckerFactory;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The pace of the health-check engine with many checked servers: N real servers (local listeners that accept and
 * hang up) under TCP_CHECK with one delay_loop, run for a while, while the table is listed every 100 ms. Prints
 * how long after its due time each check started (the engine schedules a check delay_loop after the previous one
 * ended), the interval between starts, the slowest listing, and the CPU used. The figures depend on the machine
 * and its load, which is why they are measured here and not asserted by {@code FiveHundredServersTest}.
 *
 * <pre>java -cp 'benchmarks/target/jvs-benchmarks-0.1.0-SNAPSHOT.jar:benchmarks/target/lib/*' \
 *     dev.jvs.bench.HealthCheckPace [SERVERS [DELAY_LOOP_SECONDS [RUN_SECONDS]]]</pre>
 */
public final class HealthCheckPace {

    private HealthCheckPace() {}

    @ChannelHandler.Sharable
    private static final class CloseAtOnce extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }

    public static void main(String[] args) throws Exception {
        int servers = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int delayLoop = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int run = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        NettyCheckerFactory network = new NettyCheckerFactory(1);
        List<Channel> listeners = new ArrayList<>();
        Path dir = Files.createTempDirectory("jvs-health-pace");
        try {
            ServerBootstrap bootstrap = new ServerBootstrap().group(serverGroup).channel(NioServerSocketChannel.class)
                    .childHandler(new CloseAtOnce());
            StringBuilder conf = new StringBuilder();
            for (int vs = 0; vs * 50 < servers; vs++) {
                conf.append("virtual_server 10.9.").append(vs / 250).append('.').append(vs % 250 + 1)
                        .append(" 80 {\n  delay_loop ").append(delayLoop)
                        .append("\n  lb_algo wlc\n  lb_kind NAT\n  protocol TCP\n");
                for (int i = vs * 50; i < Math.min(servers, vs * 50 + 50); i++) {
                    Channel ch = bootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync()
                            .channel();
                    listeners.add(ch);
                    conf.append("  real_server 127.0.0.1 ").append(((InetSocketAddress) ch.localAddress()).getPort())
                            .append(" {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n");
                }
                conf.append("}\n");
            }
            KeepalivedConfig config = KeepalivedConfig.loadValid(Files.writeString(dir.resolve("keepalived.conf"), conf));
            RuleTable rules = new RuleTable();
            CommandExecutor executor = new CommandExecutor(rules, new ConnectionTable(12, rules::timeouts));
            Map<Integer, List<long[]>> checks = new ConcurrentHashMap<>(); // start, end per check
            CheckerFactory recorded = (def, server, scripts) -> {
                Checker real = network.create(def, server, scripts);
                List<long[]> mine = Collections.synchronizedList(new ArrayList<>());
                checks.put(server.config().port(), mine);
                return () -> {
                    long[] check = {System.nanoTime(), 0};
                    mine.add(check);
                    return real.check().whenComplete((r, e) -> check[1] = System.nanoTime());
                };
            };
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpuBefore = os.getProcessCpuTime();
            long wallBefore = System.nanoTime();
            try (HealthEngine engine = new HealthEngine(executor::apply, recorded)) {
                engine.start(config);
                ControlRequest list = new ControlRequest("ipvsadm", false,
                        List.of(new ControlRequest.Line(1, List.of("-L", "-n"))));
                long worstList = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(run);
                while (System.nanoTime() < deadline) {
                    long t0 = System.nanoTime();
                    ControlReply reply = executor.execute(list);
                    worstList = Math.max(worstList, System.nanoTime() - t0);
                    if (reply.status() != 0) throw new IllegalStateException("listing failed: " + reply);
                    Thread.sleep(100);
                }
                long cpu = os.getProcessCpuTime() - cpuBefore;
                long wall = System.nanoTime() - wallBefore;
                List<Double> late = new ArrayList<>();
                List<Double> intervals = new ArrayList<>();
                long delay = TimeUnit.SECONDS.toNanos(delayLoop);
                for (List<long[]> mine : checks.values()) {
                    synchronized (mine) {
                        for (int i = 1; i < mine.size(); i++) {
                            late.add((mine.get(i)[0] - mine.get(i - 1)[1] - delay) / 1e6);
                            intervals.add((mine.get(i)[0] - mine.get(i - 1)[0]) / 1e6);
                        }
                    }
                }
                Collections.sort(late);
                Collections.sort(intervals);
                System.out.printf("%d servers, delay_loop %d s, %d s: %d checks%n", servers, delayLoop, run,
                        engine.attempts());
                System.out.printf("start after due time, ms: min %.1f  p50 %.1f  p99 %.1f  max %.1f%n",
                        late.get(0), pct(late, 50), pct(late, 99), late.get(late.size() - 1));
                System.out.printf("interval between starts, ms: min %.1f  p50 %.1f  max %.1f (delay_loop %d)%n",
                        intervals.get(0), pct(intervals, 50), intervals.get(intervals.size() - 1), delay / 1_000_000);
                System.out.printf("slowest ipvsadm -Ln: %.1f ms; CPU %.1f%% of one core%n", worstList / 1e6,
                        100.0 * cpu / wall);
            }
        } finally {
            network.close();
            for (Channel ch : listeners) ch.close();
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static double pct(List<Double> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
    }
}
