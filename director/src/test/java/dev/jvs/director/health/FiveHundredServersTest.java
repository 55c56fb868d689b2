package dev.jvs.director.health;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 500 real servers under TCP_CHECK on one director (the real rule table and command path, the real Netty
 * checkers, 500 local listeners): every checker keeps its delay_loop within 10%, and the control path stays
 * responsive meanwhile.
 */
class FiveHundredServersTest {

    static final int SERVERS = 500;
    static final Duration DELAY_LOOP = Duration.ofSeconds(3);
    static final Duration RUN = Duration.ofSeconds(14);

    @TempDir
    Path dir;

    /** A real server that accepts and hangs up: all a TCP_CHECK needs. */
    @ChannelHandler.Sharable
    static final class CloseAtOnce extends ChannelInboundHandlerAdapter {
        static final CloseAtOnce INSTANCE = new CloseAtOnce();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }

    @Test
    void fiveHundredCheckedServersKeepTheirPaceAndTheDirectorStaysResponsive() throws Exception {
        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<Channel> listeners = new ArrayList<>();
        NettyCheckerFactory network = new NettyCheckerFactory(1);
        HealthEngine engine = null;
        try {
            ServerBootstrap servers = new ServerBootstrap().group(serverGroup).channel(NioServerSocketChannel.class)
                    .childHandler(CloseAtOnce.INSTANCE);
            StringBuilder conf = new StringBuilder();
            for (int vs = 0; vs < SERVERS / 50; vs++) {
                conf.append("virtual_server 10.9.0.").append(vs + 1).append(" 80 {\n")
                        .append("  delay_loop ").append(DELAY_LOOP.toSeconds()).append("\n  lb_algo wlc\n  lb_kind NAT\n  protocol TCP\n");
                for (int i = 0; i < 50; i++) {
                    Channel ch = servers.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
                    listeners.add(ch);
                    int port = ((InetSocketAddress) ch.localAddress()).getPort();
                    conf.append("  real_server 127.0.0.1 ").append(port)
                            .append(" {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n");
                }
                conf.append("}\n");
            }
            Path file = Files.writeString(dir.resolve("keepalived.conf"), conf);
            KeepalivedConfig config = KeepalivedConfig.loadValid(file);

            RuleTable rules = new RuleTable();
            ConnectionTable connections = new ConnectionTable(12, rules::timeouts);
            CommandExecutor executor = new CommandExecutor(rules, connections);
            // Records when each checker starts, to measure its pace.
            Map<Integer, List<Long>> starts = new ConcurrentHashMap<>();
            CheckerFactory timed = (def, server, scripts) -> {
                Checker real = network.create(def, server, scripts);
                List<Long> times = starts.computeIfAbsent(server.config().port(), p -> new CopyOnWriteArrayList<>());
                return () -> {
                    times.add(System.nanoTime());
                    return real.check();
                };
            };
            engine = new HealthEngine(executor::apply, timed);

            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpuBefore = os.getProcessCpuTime();
            long wallBefore = System.nanoTime();
            engine.start(config);
            assertEquals(SERVERS, rules.services().stream().mapToInt(s -> s.dests().size()).sum());

            // Meanwhile, the control path: list the table every 100 ms and time it.
            long worstListNanos = 0;
            long deadline = System.nanoTime() + RUN.toNanos();
            ControlRequest list = new ControlRequest("ipvsadm", false, List.of(new ControlRequest.Line(1, List.of("-L", "-n"))));
            while (System.nanoTime() < deadline) {
                long t0 = System.nanoTime();
                ControlReply reply = executor.execute(list);
                worstListNanos = Math.max(worstListNanos, System.nanoTime() - t0);
                assertEquals(0, reply.status());
                Thread.sleep(100);
            }
            long cpu = os.getProcessCpuTime() - cpuBefore;
            long wall = System.nanoTime() - wallBefore;

            List<Double> intervals = new ArrayList<>();
            for (List<Long> times : starts.values()) {
                for (int i = 1; i < times.size(); i++) intervals.add((times.get(i) - times.get(i - 1)) / 1e9);
            }
            intervals.sort(Double::compare);
            double loop = DELAY_LOOP.toMillis() / 1000.0;
            double min = intervals.get(0);
            double max = intervals.get(intervals.size() - 1);
            double median = intervals.get(intervals.size() / 2);
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            System.out.printf("500 servers: %d checks, interval min %.3f s / median %.3f s / max %.3f s (delay_loop %.1f s);"
                            + " worst ipvsadm -Ln %.1f ms; CPU %.1f%% of one core over %.1f s; heap used %d MiB after GC%n",
                    engine.attempts(), min, median, max, loop, worstListNanos / 1e6, 100.0 * cpu / wall, wall / 1e9,
                    heap >> 20);

            assertEquals(SERVERS, starts.size(), "every server was checked");
            assertTrue(starts.values().stream().allMatch(t -> t.size() >= 3), "every server checked at least 3 times");
            assertTrue(min >= loop * 0.9 && max <= loop * 1.1,
                    "intervals " + min + ".." + max + " s stay within 10% of " + loop + " s");
            assertTrue(worstListNanos < TimeUnit.MILLISECONDS.toNanos(1000), "listing took " + worstListNanos / 1e6 + " ms");
            assertEquals(SERVERS, rules.services().stream().mapToInt(s -> s.dests().size()).sum(), "all stayed up");
        } finally {
            if (engine != null) engine.close();
            network.close();
            for (Channel ch : listeners) ch.close();
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
