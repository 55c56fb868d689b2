package dev.jvs.model;

/**
 * Arguments of {@code --start-daemon}/{@code --stop-daemon}. Zero or null fields were not given
 * (the kernel then applies its defaults).
 *
 * @param state          "master" or "backup"
 * @param mcastInterface {@code --mcast-interface}, ipvsadm fills in "eth0"
 */
public record SyncDaemonConfig(String state, String mcastInterface, int syncId, int maxLen,
                               String group, int port, int ttl) {
}
