package dev.jvs.healthcheck.config;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import static dev.jvs.healthcheck.config.ConfigValues.hex;
import static dev.jvs.healthcheck.config.ConfigValues.hexPattern;
import static dev.jvs.healthcheck.config.ConfigValues.integer;

/** UDP_CHECK: the payload sent and what the reply must look like. */
final class UdpCheckConfig extends CheckerConfig {

    private static final Keywords<UdpCheckConfig> KEYWORDS = new Keywords<UdpCheckConfig>()
            .on("payload", (c, n, p) -> c.payload = hex(n, n.args()))
            .on("require_reply", (c, n, p) -> {
                c.requireReply = true;
                if (!n.args().isEmpty()) c.replyPattern = Optional.of(hexPattern(n, n.args()));
            })
            .on("min_reply_length", (c, n, p) -> c.minReply = integer(n, 0, 65535))
            .on("max_reply_length", (c, n, p) -> c.maxReply = integer(n, 0, 65535));

    private byte[] payload;
    private boolean requireReply;
    private Optional<String> replyPattern = Optional.empty();
    private int minReply = 0;
    private int maxReply = 255;

    @Override
    boolean read(ConfigNode n, List<ConfigProblem> problems) throws ConfigException {
        return KEYWORDS.read(this, n, problems);
    }

    @Override
    Optional<CheckSpec> build(Context context) {
        byte[] bytes = payload;
        if (bytes == null) {
            // keepalived sends random bytes when no payload is given
            bytes = new byte[16];
            ThreadLocalRandom.current().nextBytes(bytes);
        }
        return Optional.of(new CheckSpec.Udp(bytes, requireReply, replyPattern, minReply, maxReply));
    }
}
