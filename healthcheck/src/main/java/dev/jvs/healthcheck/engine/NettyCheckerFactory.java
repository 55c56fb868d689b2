package dev.jvs.healthcheck.engine;

import dev.jvs.healthcheck.Checker;
import dev.jvs.healthcheck.DnsCheck;
import dev.jvs.healthcheck.HttpCheck;
import dev.jvs.healthcheck.MiscCheck;
import dev.jvs.healthcheck.PingCheck;
import dev.jvs.healthcheck.SmtpCheck;
import dev.jvs.healthcheck.TcpCheck;
import dev.jvs.healthcheck.TcpCheckConfig;
import dev.jvs.healthcheck.UdpCheck;
import dev.jvs.healthcheck.config.CheckSpec;
import dev.jvs.healthcheck.config.CheckerDef;
import dev.jvs.healthcheck.config.RealServerDef;
import dev.jvs.healthcheck.script.ScriptRunner;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** The real checkers, all network probes sharing a few NIO event loops (no thread per real server). */
public final class NettyCheckerFactory implements CheckerFactory, AutoCloseable {

    private final EventLoopGroup group;
    private final ExecutorService pingFallback =
            Executors.newFixedThreadPool(2, new DefaultThreadFactory("jvs-ping", true));

    public NettyCheckerFactory(int threads) {
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("jvs-check", true),
                NioIoHandler.newFactory());
    }

    @Override
    public Checker create(CheckerDef def, RealServerDef server, ScriptRunner scripts) {
        TcpCheckConfig connection = new TcpCheckConfig(def.target(), def.bindTo(), def.connectTimeout());
        CheckSpec spec = def.spec();
        if (spec instanceof CheckSpec.Http http) return new HttpCheck(http, connection, group, NioSocketChannel.class);
        if (spec instanceof CheckSpec.Smtp smtp) return new SmtpCheck(smtp.heloName(), connection, group, NioSocketChannel.class);
        if (spec instanceof CheckSpec.Misc misc) return new MiscCheck(misc, scripts, server.weight());
        if (spec instanceof CheckSpec.Dns dns) {
            return new DnsCheck(dns.queryType(), dns.name(), def.target(), def.bindTo(), def.connectTimeout(), group,
                    NioDatagramChannel.class);
        }
        if (spec instanceof CheckSpec.Udp udp) {
            return new UdpCheck(udp, def.target(), def.bindTo(), def.connectTimeout(), group, NioDatagramChannel.class);
        }
        if (spec instanceof CheckSpec.Ping) return new PingCheck(def.target().getAddress(), def.connectTimeout(), pingFallback);
        return new TcpCheck(connection, group, NioSocketChannel.class);
    }

    @Override
    public void close() {
        pingFallback.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
