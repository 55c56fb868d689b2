package dev.jvs.healthcheck.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * One checker of one real server with every inherited value resolved (checker → real server → virtual
 * server → keepalived's default for the type).
 *
 * @param retry            extra attempts after a failure before the checker goes down
 * @param warmup           the first check runs after a random delay in [0, warmup]
 * @param target           connect_ip:connect_port (the real server by default)
 * @param bindTo           bindto, if set
 */
public record CheckerDef(CheckSpec spec, Location location, Duration delayLoop, Duration connectTimeout,
                         int retry, Duration delayBeforeRetry, Duration warmup, boolean alpha,
                         boolean logAllFailures, InetSocketAddress target, Optional<InetAddress> bindTo) {

    public String type() {
        return spec.type();
    }

    /** Where it was written is not part of what it is: a reload that only moves lines keeps the checker. */
    @Override
    public boolean equals(Object o) {
        return o instanceof CheckerDef c && spec.equals(c.spec) && delayLoop.equals(c.delayLoop)
                && connectTimeout.equals(c.connectTimeout) && retry == c.retry
                && delayBeforeRetry.equals(c.delayBeforeRetry) && warmup.equals(c.warmup) && alpha == c.alpha
                && logAllFailures == c.logAllFailures && target.equals(c.target) && bindTo.equals(c.bindTo);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(spec, delayLoop, connectTimeout, retry, target);
    }
}
