package dev.jvs.healthcheck.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What one checker block asks for beyond the common connection and timing settings, one record per type. */
public sealed interface CheckSpec {

    /** The block keyword, e.g. {@code TCP_CHECK}. */
    String type();

    record Tcp() implements CheckSpec {
        public String type() { return "TCP_CHECK"; }
    }

    /** HTTP_GET, or SSL_GET when {@code tls}. */
    record Http(boolean tls, List<Url> urls, Optional<String> virtualhost, String httpProtocol,
                Optional<String> sniName, boolean enableSni) implements CheckSpec {
        public Http {
            urls = List.copyOf(urls);
        }

        public String type() { return tls ? "SSL_GET" : "HTTP_GET"; }
    }

    /** One {@code url} block: digest is lower-case MD5 hex of the body, if given. */
    record Url(String path, Optional<String> digest, StatusCodes statusCodes, Optional<String> virtualhost) {}

    record Smtp(String heloName) implements CheckSpec {
        public static final String DEFAULT_HELO = "smtpchecker.keepalived.org";

        public String type() { return "SMTP_CHECK"; }
    }

    /** MISC_CHECK: timeout defaults to the virtual server's delay_loop. */
    record Misc(ScriptDef script, Duration timeout, boolean dynamic) implements CheckSpec {
        public String type() { return "MISC_CHECK"; }
    }

    record Dns(String queryType, String name) implements CheckSpec {
        public String type() { return "DNS_CHECK"; }
    }

    /**
     * UDP_CHECK. {@code replyPattern} holds the expected reply prefix as hex nibbles where 'X' is a wildcard.
     */
    record Udp(byte[] payload, boolean requireReply, Optional<String> replyPattern, int minReplyLength,
               int maxReplyLength) implements CheckSpec {
        public String type() { return "UDP_CHECK"; }

        @Override
        public boolean equals(Object o) {
            return o instanceof Udp u && java.util.Arrays.equals(payload, u.payload) && requireReply == u.requireReply
                    && replyPattern.equals(u.replyPattern) && minReplyLength == u.minReplyLength
                    && maxReplyLength == u.maxReplyLength;
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(payload) * 31 + replyPattern.hashCode();
        }
    }

    record Ping() implements CheckSpec {
        public String type() { return "PING_CHECK"; }
    }
}
