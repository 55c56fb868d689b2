package dev.jvs.model;

import java.util.Objects;

/**
 * A virtual service's settings, exactly what {@code ipvsadm -A/-E} sends (edits are full replacements).
 *
 * @param scheduler          scheduler name as given (validated by the director)
 * @param persistent         {@code -p} given
 * @param persistenceTimeout seconds (meaningful when persistent; ipvsadm's bare {@code -p} sends 360)
 * @param netmask            IPv4: the 32-bit mask as an int (e.g. 0xFFFFFF00); IPv6: the prefix length 1..128
 * @param persistenceEngine  {@code --pe} name, or null
 * @param onePacket          {@code -o}
 * @param schedFlags         SCHED1|SCHED2|SCHED3 bits ({@link #SCHED1}…) from {@code -b}
 * @param maxConns           JVS extension {@code --max-conns}: concurrent connections allowed, 0 = no limit
 */
public record ServiceConfig(ServiceKey key, String scheduler, boolean persistent, int persistenceTimeout,
                            int netmask, String persistenceEngine, boolean onePacket, int schedFlags,
                            int maxConns) {

    public static final String DEFAULT_SCHEDULER = "wlc";
    public static final int DEFAULT_PERSISTENCE_TIMEOUT = 360;
    public static final int IPV4_HOST_MASK = 0xFFFFFFFF;
    public static final int IPV6_HOST_PREFIX = 128;

    /** Service flag bits as in the kernel uapi. */
    public static final int SCHED1 = 0x0008;
    public static final int SCHED2 = 0x0010;
    public static final int SCHED3 = 0x0020;

    public ServiceConfig {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(scheduler, "scheduler");
        if (maxConns < 0) throw new IllegalArgumentException("maxConns " + maxConns);
    }

    /** A service without JVS's own options (everything ipvsadm itself can send). */
    public ServiceConfig(ServiceKey key, String scheduler, boolean persistent, int persistenceTimeout,
                         int netmask, String persistenceEngine, boolean onePacket, int schedFlags) {
        this(key, scheduler, persistent, persistenceTimeout, netmask, persistenceEngine, onePacket, schedFlags, 0);
    }

    /** A service with ipvsadm's defaults: wlc, not persistent, host mask. */
    public static ServiceConfig defaults(ServiceKey key) {
        return new ServiceConfig(key, DEFAULT_SCHEDULER, false, DEFAULT_PERSISTENCE_TIMEOUT,
                key.ipv6() ? IPV6_HOST_PREFIX : IPV4_HOST_MASK, null, false, 0);
    }

    /** The default netmask for this service's family. */
    public int defaultNetmask() { return key.ipv6() ? IPV6_HOST_PREFIX : IPV4_HOST_MASK; }

    public ServiceConfig withScheduler(String name) {
        return new ServiceConfig(key, name, persistent, persistenceTimeout, netmask, persistenceEngine, onePacket,
                schedFlags, maxConns);
    }
}
