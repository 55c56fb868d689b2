package dev.jvs.director.conn;

import dev.jvs.model.ServiceConfig;

import java.net.InetAddress;

/**
 * The persistence templates one data-path thread used last, by client address, so that a client's next
 * one-packet datagram re-arms its template without building a table key (a masked address, a key record): with
 * {@code -o -p} every datagram is a new connection of the template. Direct-mapped: a colliding client just
 * replaces the slot, and a miss falls back to the table. Owned by one thread (one event loop); no locks.
 *
 * <p>A slot holds the client's own address, not the masked one: clients of one netmask share the template but
 * take a slot each. Entries are only valid for the service settings they were found under: a new {@link
 * ServiceConfig} (an edit, or the service deleted and added again) empties the cache.
 */
public final class TemplateCache {

    private static final int SLOTS = 1024; // a power of two

    private final InetAddress[] clients = new InetAddress[SLOTS];
    private final Connection[] templates = new Connection[SLOTS];
    private ServiceConfig config;

    /** The template last used for {@code client} under {@code config}, or null; it may have expired since. */
    Connection find(ServiceConfig config, InetAddress client) {
        if (config != this.config) {
            clear(config);
            return null;
        }
        int slot = slot(client);
        return client.equals(clients[slot]) ? templates[slot] : null;
    }

    void put(ServiceConfig config, InetAddress client, Connection template) {
        if (config != this.config) clear(config);
        int slot = slot(client);
        clients[slot] = client;
        templates[slot] = template;
    }

    private void clear(ServiceConfig config) {
        java.util.Arrays.fill(clients, null);
        java.util.Arrays.fill(templates, null);
        this.config = config;
    }

    private static int slot(InetAddress client) {
        int h = client.hashCode() * 0x9E3779B9;
        return (h ^ (h >>> 16)) & (SLOTS - 1);
    }
}
