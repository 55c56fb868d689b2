package dev.jvs.director.vrrp;

/**
 * A {@code vrrp_script} block, with keepalived's defaults: interval 1 s, timeout = interval,
 * weight 0 (FAULT on failure), rise 1, fall 1.
 */
public record VrrpScriptConfig(String name, String script, long intervalMillis, long timeoutMillis, int weight,
                               boolean reverse, int rise, int fall, boolean initFail, String user) {
    public static final long DEFAULT_INTERVAL_MILLIS = 1000;
}
