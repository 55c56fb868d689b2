package dev.jvs.healthcheck;

import dev.jvs.healthcheck.config.CheckSpec;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * keepalived's UDP_CHECK: sends the payload. Without require_reply, silence until connect_timeout is success and
 * an ICMP error is failure; with it, a reply of acceptable length whose start matches the pattern is needed.
 */
public final class UdpCheck implements Checker {

    private final CheckSpec.Udp spec;
    private final InetSocketAddress target;
    private final Optional<InetAddress> bindTo;
    private final Duration timeout;
    private final EventLoopGroup group;
    private final Class<? extends Channel> datagramType;

    public UdpCheck(CheckSpec.Udp spec, InetSocketAddress target, Optional<InetAddress> bindTo, Duration timeout,
                    EventLoopGroup group, Class<? extends Channel> datagramType) {
        this.spec = spec;
        this.target = target;
        this.bindTo = bindTo;
        this.timeout = timeout;
        this.group = group;
        this.datagramType = datagramType;
    }

    @Override
    public CompletableFuture<CheckResult> check() {
        String where = Probes.describe(target);
        CheckResult silence = spec.requireReply()
                ? CheckResult.down("no UDP reply from " + where + " within " + TcpCheck.format(timeout))
                : CheckResult.up("no ICMP error from " + where + " within " + TcpCheck.format(timeout));
        return DatagramExchange.run(group, datagramType, target, bindTo, timeout, spec.payload(), reply -> {
            if (reply.length < spec.minReplyLength() || reply.length > spec.maxReplyLength()) {
                return CheckResult.down("UDP reply of " + reply.length + " bytes from " + where + " is outside "
                        + spec.minReplyLength() + ".." + spec.maxReplyLength());
            }
            if (spec.replyPattern().isPresent() && !matches(spec.replyPattern().get(), reply)) {
                return CheckResult.down("UDP reply " + HexFormat.of().formatHex(reply) + " from " + where
                        + " does not match " + spec.replyPattern().get());
            }
            return CheckResult.up("UDP reply from " + where);
        }, silence);
    }

    /** Compares the first min(len, pattern) bytes; an 'X' nibble matches anything. */
    static boolean matches(String pattern, byte[] reply) {
        int bytes = Math.min(reply.length, pattern.length() / 2);
        for (int i = 0; i < bytes; i++) {
            String actual = String.format("%02X", reply[i] & 0xff);
            for (int n = 0; n < 2; n++) {
                char want = pattern.charAt(2 * i + n);
                if (want != 'X' && want != actual.charAt(n)) return false;
            }
        }
        return true;
    }
}
