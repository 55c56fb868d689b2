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

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * 500 real servers under TCP_CHECK on one director (the real rule table and command path, the real Netty
 * checkers, 500 local listeners): every server is checked again and again, each check never sooner than its
 * delay_loop after the previous one ended and never two at once, all servers stay in the table, and the table
 * can be listed meanwhile. Nothing here depends on how fast the machine is: the test waits for the work, not for
 * a time. How late checks start against their schedule, and how long a listing takes, depend on the machine's
 * load; {@code dev.jvs.bench.HealthCheckPace} (see bench/README.md) measures them.
 */
class FiveHundredServersTest {

    static final int SERVERS = 500;
    static final Duration DELAY_LOOP = Duration.ofSeconds(1);
    static final int ROUNDS = 3;
    /** Only against a hang: the work takes about ROUNDS delay loops. */
    static final Duration GIVE_UP = Duration.ofSeconds(120);

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

    /** When each check of one server started and ended, in order. */
    static final class Checks {
        final List<long[]> startEnd = new ArrayList<>();
        final AtomicInteger running = new AtomicInteger();
        volatile int overlaps;

        synchronized void started(long now) {
            if (running.getAndIncrement() > 0) overlaps++;
            startEnd.add(new long[] {now, 0});
        }

        synchronized void ended(long now) {
            running.decrementAndGet();
            startEnd.get(startEnd.size() - 1)[1] = now;
        }

        synchronized int completed() {
            int n = startEnd.size();
            return n > 0 && startEnd.get(n - 1)[1] == 0 ? n - 1 : n;
        }

        /** Start of each check minus the end of the one before: at least the delay_loop. */
        synchronized List<Long> gaps() {
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < startEnd.size(); i++) gaps.add(startEnd.get(i)[0] - startEnd.get(i - 1)[1]);
            return gaps;
        }
    }

    @Test
    void fiveHundredCheckedServersAreEachCheckedAtTheirPaceAndTheTableStaysListable() throws Exception {
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
                            .append(" {\n    TCP_CHECK {\n      connect_timeout 5\n    }\n  }\n");
                }
                conf.append("}\n");
            }
            Path file = Files.writeString(dir.resolve("keepalived.conf"), conf);
            KeepalivedConfig config = KeepalivedConfig.loadValid(file);

            RuleTable rules = new RuleTable();
            ConnectionTable connections = new ConnectionTable(12, rules::timeouts);
            CommandExecutor executor = new CommandExecutor(rules, connections);
            // Records when each check starts and ends; the end is recorded before the engine hears of it.
            Map<Integer, Checks> checks = new ConcurrentHashMap<>();
            CheckerFactory recorded = (def, server, scripts) -> {
                Checker real = network.create(def, server, scripts);
                Checks mine = checks.computeIfAbsent(server.config().port(), p -> new Checks());
                return () -> {
                    mine.started(System.nanoTime());
                    return real.check().whenComplete((result, error) -> mine.ended(System.nanoTime()));
                };
            };
            engine = new HealthEngine(executor::apply, recorded).bootstrapDelay(Duration.ofMillis(100));
            engine.start(config);
            assertEquals(SERVERS, rules.services().stream().mapToInt(s -> s.dests().size()).sum());

            // Meanwhile, the control path: the table is listed until every server was checked ROUNDS times.
            ControlRequest list = new ControlRequest("ipvsadm", false, List.of(new ControlRequest.Line(1, List.of("-L", "-n"))));
            long giveUp = System.nanoTime() + GIVE_UP.toNanos();
            int listings = 0;
            while (checks.size() < SERVERS || checks.values().stream().anyMatch(c -> c.completed() < ROUNDS)) {
                if (System.nanoTime() > giveUp) {
                    fail("not every server was checked " + ROUNDS + " times in " + GIVE_UP.toSeconds() + " s: "
                            + checks.size() + " servers seen, fewest checks "
                            + checks.values().stream().mapToInt(Checks::completed).min().orElse(0));
                }
                ControlReply reply = executor.execute(list);
                assertEquals(0, reply.status(), reply.toString());
                listings++;
                Thread.sleep(100);
            }
            assertTrue(listings > 0);

            long delay = DELAY_LOOP.toNanos();
            for (Map.Entry<Integer, Checks> e : checks.entrySet()) {
                Checks c = e.getValue();
                assertEquals(0, c.overlaps, "server " + e.getKey() + " was checked twice at once");
                for (long gap : c.gaps()) {
                    assertTrue(gap >= delay, "server " + e.getKey() + " was checked again " + gap / 1e6
                            + " ms after its last check ended; its delay_loop is " + DELAY_LOOP.toMillis() + " ms");
                }
            }
            assertTrue(engine.attempts() >= (long) SERVERS * ROUNDS, "the engine counted " + engine.attempts() + " attempts");
            assertEquals(SERVERS, rules.services().stream().mapToInt(s -> s.dests().size()).sum(), "all stayed up");
        } finally {
            if (engine != null) engine.close();
            network.close();
            for (Channel ch : listeners) ch.close();
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
