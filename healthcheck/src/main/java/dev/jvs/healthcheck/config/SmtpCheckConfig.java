package dev.jvs.healthcheck.config;

import java.util.List;
import java.util.Optional;

import static dev.jvs.healthcheck.config.ConfigValues.required;

/** SMTP_CHECK: {@code helo_name}. */
final class SmtpCheckConfig extends CheckerConfig {

    private static final Keywords<SmtpCheckConfig> KEYWORDS = new Keywords<SmtpCheckConfig>()
            .on("helo_name", (c, n, p) -> c.helo = required(n, 0))
            .on("host", (c, n, p) -> warning(p, n,
                    "SMTP_CHECK host blocks are deprecated and not supported by JVS; use one SMTP_CHECK per host"));

    private String helo = CheckSpec.Smtp.DEFAULT_HELO;

    @Override
    boolean read(ConfigNode n, List<ConfigProblem> problems) throws ConfigException {
        return KEYWORDS.read(this, n, problems);
    }

    @Override
    Optional<CheckSpec> build(Context context) {
        return Optional.of(new CheckSpec.Smtp(helo));
    }
}
