package dev.jvs.healthcheck.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import static dev.jvs.healthcheck.config.ConfigValues.bool;
import static dev.jvs.healthcheck.config.ConfigValues.required;

/** HTTP_GET and SSL_GET: the {@code url} blocks and the request settings. */
final class HttpCheckConfig extends CheckerConfig {

    private static final Set<String> PROTOCOLS = Set.of("1.0", "1.0C", "1.1");

    private static final Keywords<HttpCheckConfig> KEYWORDS = new Keywords<HttpCheckConfig>()
            .on("url", (c, n, p) -> url(n, p).ifPresent(c.urls::add))
            .on("virtualhost", (c, n, p) -> c.virtualhost = Optional.of(required(n, 0)))
            .on("http_protocol", (c, n, p) -> {
                String protocol = required(n, 0);
                if (!PROTOCOLS.contains(protocol)) throw ConfigException.at(n, "invalid http_protocol '" + protocol + "'");
                c.httpProtocol = protocol;
            })
            .on("sni_name", (c, n, p) -> c.sniName = Optional.of(required(n, 0)))
            .on("enable_sni", (c, n, p) -> c.enableSni = bool(n, true))
            .on(Set.of("fast_recovery", "tls_compliant"), (c, n, p) -> { });

    /** The keywords of a {@code url { }} block. */
    private static final class UrlConfig {
        String path;
        Optional<String> digest = Optional.empty();
        StatusCodes codes = StatusCodes.DEFAULT;
        Optional<String> virtualhost = Optional.empty();
    }

    private static final Keywords<UrlConfig> URL_KEYWORDS = new Keywords<UrlConfig>()
            .on("path", (u, n, p) -> u.path = required(n, 0))
            .on("digest", (u, n, p) -> {
                String hex = required(n, 0).toLowerCase(Locale.ROOT);
                if (!hex.matches("[0-9a-f]{32}")) {
                    throw ConfigException.at(n, "digest must be 32 hex digits (an MD5), got '" + required(n, 0) + "'");
                }
                u.digest = Optional.of(hex);
            })
            .on("status_code", (u, n, p) -> {
                try {
                    u.codes = StatusCodes.parse(n.args());
                } catch (IllegalArgumentException e) {
                    throw ConfigException.at(n, e.getMessage());
                }
            })
            .on("virtualhost", (u, n, p) -> u.virtualhost = Optional.of(required(n, 0)))
            .on(Set.of("regex", "regex_no_match", "regex_options", "regex_min_offset", "regex_max_offset", "regex_stack"),
                    (u, n, p) -> warning(p, n, n.keyword() + " is not supported by JVS; ignored"));

    private final boolean tls;
    private final List<CheckSpec.Url> urls = new ArrayList<>();
    private Optional<String> virtualhost = Optional.empty();
    private String httpProtocol = "1.0";
    private Optional<String> sniName = Optional.empty();
    private boolean enableSni;

    HttpCheckConfig(boolean tls) {
        this.tls = tls;
    }

    private static Optional<CheckSpec.Url> url(ConfigNode node, List<ConfigProblem> problems) {
        UrlConfig u = new UrlConfig();
        for (ConfigNode n : node.children()) {
            try {
                if (!URL_KEYWORDS.read(u, n, problems)) unknown(problems, n, "in url");
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        if (u.path == null) {
            error(problems, node, "url has no path; url removed");
            return Optional.empty();
        }
        return Optional.of(new CheckSpec.Url(u.path, u.digest, u.codes, u.virtualhost));
    }

    @Override
    boolean read(ConfigNode n, List<ConfigProblem> problems) throws ConfigException {
        return KEYWORDS.read(this, n, problems);
    }

    @Override
    Optional<CheckSpec> build(Context context) {
        if (urls.isEmpty()) {
            error(context.problems(), context.node(), context.node().keyword() + " has no url; checker removed");
            return Optional.empty();
        }
        Optional<String> fallback = virtualhost.isPresent() ? virtualhost : context.realServerVirtualhost();
        List<CheckSpec.Url> resolved = urls.stream().map(u -> u.virtualhost().isPresent() ? u
                : new CheckSpec.Url(u.path(), u.digest(), u.statusCodes(), fallback)).toList();
        return Optional.of(new CheckSpec.Http(tls, resolved, fallback, httpProtocol, sniName, enableSni));
    }

    @Override
    Duration defaultDelayBeforeRetry(Duration delayLoop) {
        return Duration.ofSeconds(3);
    }
}
