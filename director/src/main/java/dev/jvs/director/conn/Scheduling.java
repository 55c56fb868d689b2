package dev.jvs.director.conn;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The decision for a new connection, as the kernel's {@code ip_vs_schedule}: persistence first (a valid template
 * for the masked client wins without asking the scheduler, even for a quiesced or overloaded server), else the
 * service's scheduler. The NAT proxy calls {@link #newConnection}; the packet path, which keeps its own flows, calls
 * {@link #attachTemplate} for persistent services.
 */
public final class Scheduling {

    private static final int FTP_PORT = 21;

    private final ConnectionTable connections;
    private final LongSupplier nanoClock;
    private volatile boolean expireQuiescentTemplate;

    public Scheduling(ConnectionTable connections, LongSupplier nanoClock) {
        this.connections = Objects.requireNonNull(connections, "connections");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /**
     * The kernel's {@code expire_quiescent_template} sysctl (default off): when on, a template whose server now
     * has weight 0 is dropped and the client is scheduled afresh.
     */
    public void expireQuiescentTemplate(boolean on) {
        expireQuiescentTemplate = on;
    }

    /**
     * Schedules a new connection from {@code client} to {@code virtual} on {@code service} and returns it bound
     * to its real server (and, for a persistent service, controlled by the client's template, which is created or
     * re-armed here and lives in the connection table). The caller inserts the connection into the table.
     *
     * @return null when no real server can take it
     */
    public Connection newConnection(VirtualService service, Protocol protocol, InetSocketAddress client,
                                    InetSocketAddress virtual) {
        long now = nanoClock.getAsLong();
        ServiceConfig config = service.config();
        if (!config.persistent()) {
            Dest dest = service.schedule(client.getAddress(), client.getPort(), virtual.getAddress());
            return dest == null ? null : new Connection(protocol, client, virtual, dest, connections.timeouts(), now);
        }
        Connection template = attachTemplate(service, protocol, client, virtual, now);
        if (template == null) {
            return null;
        }
        Connection conn = new Connection(protocol, client, virtual, template.dest(), connections.timeouts(), now);
        conn.controlledBy(template);
        return conn;
    }

    /**
     * For a data path that keeps its own flows (the packet path): the client's persistence template on a
     * persistent {@code service}, found or created (scheduling when needed) in the connection table, where
     * {@code -Lc} lists it, and now controlling one more flow, which keeps it alive. The flow goes to the
     * template's {@link Connection#dest()}; its owner calls {@link Connection#detach()} when the flow ends.
     *
     * @return null when no real server can take it
     */
    public Connection attachTemplate(VirtualService service, Protocol protocol, InetSocketAddress client,
                                     InetSocketAddress virtual) {
        return attachTemplate(service, protocol, client, virtual, nanoClock.getAsLong());
    }

    /**
     * As {@link #attachTemplate(VirtualService, Protocol, InetSocketAddress, InetSocketAddress)}, first asking
     * the caller's {@code cache}: a client whose template is cached and still usable costs no key and no table
     * lookup, and allocates nothing. For one-packet scheduling ({@code -o -p}), where every datagram of a client
     * is a new connection of its template, as in the kernel's {@code ip_vs_sched_persist}.
     */
    public Connection attachTemplate(VirtualService service, Protocol protocol, InetSocketAddress client,
                                     InetSocketAddress virtual, TemplateCache cache) {
        long now = nanoClock.getAsLong();
        ServiceConfig config = service.config();
        Connection cached = cache.find(config, client.getAddress());
        if (cached != null && usable(cached) && cached.attach(now)) {
            return cached;
        }
        Connection template = attachTemplate(service, protocol, client, virtual, now);
        if (template != null) cache.put(config, client.getAddress(), template);
        return template;
    }

    private Connection attachTemplate(VirtualService service, Protocol protocol, InetSocketAddress client,
                                      InetSocketAddress virtual, long now) {
        ServiceConfig config = service.config();
        ConnectionKey key = templateKey(config, protocol, client, virtual);
        while (true) {
            Connection template = connections.get(key);
            if (template != null && !usable(template)) {
                // The kernel rewrites such a template's ports so it never matches again; it is dropped here.
                connections.remove(template);
                template = null;
            }
            if (template == null) {
                Dest dest = service.schedule(client.getAddress(), client.getPort(), virtual.getAddress());
                if (dest == null) {
                    return null;
                }
                template = Connection.template(protocol, key.client(), key.virtual(), dest,
                        templateDestinationPort(config, dest), connections.timeouts(),
                        TimeUnit.SECONDS.toNanos(config.persistenceTimeout()), now);
                if (!connections.insert(template)) {
                    template.unbind(); // another thread created it first: use theirs
                    continue;
                }
            }
            if (template.attach(now)) {
                return template;
            }
            // it expired between lookup and use: look again
        }
    }

    private boolean usable(Connection template) {
        Dest dest = template.dest();
        return dest.available() && !(expireQuiescentTemplate && dest.weight() == 0);
    }

    /**
     * {@code (protocol, client & netmask, 0, vaddr, vport)}; FTP and port-0 services use virtual port 0, fwmark
     * services the mark as the virtual address (the kernel also uses protocol IP there; JVS keeps the packet's).
     */
    static ConnectionKey templateKey(ServiceConfig config, Protocol protocol, InetSocketAddress client,
                                     InetSocketAddress virtual) {
        ServiceKey service = config.key();
        InetAddress masked = mask(client.getAddress(), config.netmask());
        InetSocketAddress vip;
        if (service.isFwmark()) {
            vip = new InetSocketAddress(markAddress(service), 0);
        } else {
            vip = new InetSocketAddress(virtual.getAddress(), service.port() == FTP_PORT ? 0 : service.port());
        }
        return new ConnectionKey(protocol, new InetSocketAddress(masked, 0), vip);
    }

    private static int templateDestinationPort(ServiceConfig config, Dest dest) {
        ServiceKey service = config.key();
        boolean plain = !service.isFwmark() && service.port() != 0 && service.port() != FTP_PORT;
        return plain ? dest.config().port() : 0;
    }

    /** An IPv4 address ANDed with the 32-bit mask, or an IPv6 address cut to the prefix length. */
    static InetAddress mask(InetAddress address, int netmask) {
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address) {
            int prefix = Math.max(0, Math.min(128, netmask));
            for (int i = 0; i < 16; i++) {
                int keep = Math.max(0, Math.min(8, prefix - i * 8));
                b[i] &= (byte) (0xff << (8 - keep));
            }
        } else {
            for (int i = 0; i < 4; i++) {
                b[i] &= (byte) (netmask >>> (24 - 8 * i));
            }
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress markAddress(ServiceKey service) {
        int mark = (int) service.fwmark();
        byte[] b = service.ipv6() ? new byte[16] : new byte[4];
        int n = b.length;
        b[n - 4] = (byte) (mark >>> 24);
        b[n - 3] = (byte) (mark >>> 16);
        b[n - 2] = (byte) (mark >>> 8);
        b[n - 1] = (byte) mark;
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
