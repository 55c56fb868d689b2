package dev.jvs.healthcheck.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The type-specific part of one checker block while it is read: each checker's class declares its own keywords
 * in a {@link Keywords} table next to the code that uses them and builds its {@link CheckSpec}. The settings
 * every checker shares ({@code connect_ip}, {@code retry}, {@code delay_loop}, ...) are read by
 * {@link LvsConfigParser}. A new checker is a new subclass plus one line in {@link #TYPES}.
 */
abstract class CheckerConfig {

    /** keepalived's checker keywords JVS runs, each with the class that reads its block. */
    static final Map<String, Supplier<CheckerConfig>> TYPES = Map.of(
            "TCP_CHECK", TcpCheckConfig::new,
            "HTTP_GET", () -> new HttpCheckConfig(false),
            "SSL_GET", () -> new HttpCheckConfig(true),
            "SMTP_CHECK", SmtpCheckConfig::new,
            "MISC_CHECK", MiscCheckConfig::new,
            "DNS_CHECK", DnsCheckConfig::new,
            "UDP_CHECK", UdpCheckConfig::new,
            "PING_CHECK", PingCheckConfig::new);

    /** keepalived checkers JVS does not have: the block is skipped with a warning. */
    static final Set<String> UNSUPPORTED = Set.of("FILE_CHECK", "BFD_CHECK");

    static boolean isChecker(String keyword) {
        return TYPES.containsKey(keyword) || UNSUPPORTED.contains(keyword);
    }

    /** What the checker's block inherits or needs from around it when it is built. */
    record Context(ConfigNode node, Duration delayLoop, Duration vsDelayLoop, Optional<String> realServerVirtualhost,
                   List<ConfigProblem> problems) {}

    /** Reads one type-specific line; false when the keyword is not this checker's. */
    abstract boolean read(ConfigNode n, List<ConfigProblem> problems) throws ConfigException;

    /** The finished spec, or empty (after reporting why) when the block lacks something it needs. */
    abstract Optional<CheckSpec> build(Context context);

    /** Where one check connects, as far as a block says ({@code SMTP_CHECK}'s {@code host} blocks). */
    record Connection(Optional<InetAddress> connectIp, Optional<Integer> connectPort, Optional<InetAddress> bindTo,
                      Optional<Duration> connectTimeout) {}

    /** Further targets checked the same way, each as its own checker; none for most checkers. */
    List<Connection> extraConnections() {
        return List.of();
    }

    /** Common keywords this checker refuses (MISC_CHECK opens no connection). */
    Set<String> refusedCommonKeywords() {
        return Set.of();
    }

    /** keepalived's default retry count when the block and its real server give none. */
    int defaultRetry() {
        return 1;
    }

    Duration defaultDelayBeforeRetry(Duration delayLoop) {
        return Duration.ofSeconds(1);
    }

    /** A table of keyword → reader for one checker's config class {@code C}. */
    static final class Keywords<C> {

        interface Reader<C> {
            void read(C config, ConfigNode n, List<ConfigProblem> problems) throws ConfigException;
        }

        private final Map<String, Reader<C>> readers = new HashMap<>();

        Keywords<C> on(String keyword, Reader<C> reader) {
            readers.put(keyword, reader);
            return this;
        }

        Keywords<C> on(Set<String> keywords, Reader<C> reader) {
            keywords.forEach(k -> readers.put(k, reader));
            return this;
        }

        /** Reads {@code n} into {@code config}; false when the table has no such keyword. */
        boolean read(C config, ConfigNode n, List<ConfigProblem> problems) throws ConfigException {
            Reader<C> reader = readers.get(n.keyword());
            if (reader == null) return false;
            reader.read(config, n, problems);
            return true;
        }
    }

    static void warning(List<ConfigProblem> problems, ConfigNode n, String message) {
        problems.add(new ConfigProblem(ConfigProblem.Severity.WARNING, n.location(), message));
    }

    static void error(List<ConfigProblem> problems, ConfigNode n, String message) {
        problems.add(new ConfigProblem(ConfigProblem.Severity.ERROR, n.location(), message));
    }

    static void unknown(List<ConfigProblem> problems, ConfigNode n, String where) {
        warning(problems, n, "unknown keyword '" + n.keyword() + "' " + where
                + (n.block() ? "; its { } block is skipped" : ""));
    }
}
