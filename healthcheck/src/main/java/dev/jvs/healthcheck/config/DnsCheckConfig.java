package dev.jvs.healthcheck.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import static dev.jvs.healthcheck.config.ConfigValues.required;

/** DNS_CHECK: {@code type} and {@code name} of the query. */
final class DnsCheckConfig extends CheckerConfig {

    private static final Set<String> TYPES = Set.of("A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA", "RRSIG", "DNSKEY");

    private static final Keywords<DnsCheckConfig> KEYWORDS = new Keywords<DnsCheckConfig>()
            .on("type", (c, n, p) -> {
                String type = required(n, 0).toUpperCase(Locale.ROOT);
                if (!TYPES.contains(type)) throw ConfigException.at(n, "unknown DNS type '" + required(n, 0) + "'");
                c.type = type;
            })
            .on("name", (c, n, p) -> c.name = required(n, 0));

    private String type = "SOA";
    private String name = ".";

    @Override
    boolean read(ConfigNode n, List<ConfigProblem> problems) throws ConfigException {
        return KEYWORDS.read(this, n, problems);
    }

    @Override
    Optional<CheckSpec> build(Context context) {
        return Optional.of(new CheckSpec.Dns(type, name));
    }

    @Override
    int defaultRetry() {
        return 3;
    }

    @Override
    Duration defaultDelayBeforeRetry(Duration delayLoop) {
        return delayLoop;
    }
}
