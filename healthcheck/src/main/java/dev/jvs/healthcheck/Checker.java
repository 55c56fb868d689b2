package dev.jvs.healthcheck;

import java.util.concurrent.CompletableFuture;

/**
 * One health check of one real server, in the sense of a keepalived checker
 * block (TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK, MISC_CHECK, DNS_CHECK, UDP_CHECK, PING_CHECK).
 *
 * <p>Each call runs the check once; scheduling, retries and the delay before
 * marking a server down belong to the caller, as they do in keepalived.
 */
public interface Checker {

    /**
     * Starts one check. The future always completes normally, with a down
     * result when the check failed, so callers never have to tell a failed
     * server from a failed future.
     */
    CompletableFuture<CheckResult> check();
}
