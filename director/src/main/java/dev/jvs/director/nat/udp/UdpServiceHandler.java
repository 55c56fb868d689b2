package dev.jvs.director.nat.udp;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.conn.TemplateCache;
import dev.jvs.director.nat.ConnectionLimits;
import dev.jvs.director.net.Transport;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.sync.ConnectionAnnouncer;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.Protocol;
import dev.jvs.model.ServiceKey;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Datagrams arriving on a UDP virtual service. The session table, keyed by client address, is only touched on
 * this channel's event loop: the sessions' upstream sockets and timers run on the same loop.
 */
final class UdpServiceHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(UdpServiceHandler.class);

    private final ServiceKey key;
    private final InetSocketAddress vip;
    private final RuleTable rules;
    private final ConnectionTable connections;
    private final Transport transport;
    private final ConnectionLimits limits;
    private final Scheduling scheduling;
    private final ConnectionAnnouncer announcer;
    private final Map<InetSocketAddress, UdpSession> sessions = new HashMap<>();
    private OnePacketRelay relay;
    /** Templates of {@code -o -p} clients, by client address (this loop only). */
    private final TemplateCache templates = new TemplateCache();
    private ScheduledFuture<?> relaySweep;

    UdpServiceHandler(ServiceKey key, RuleTable rules, ConnectionTable connections, Scheduling scheduling,
                      Transport transport, ConnectionLimits limits, ConnectionAnnouncer announcer) {
        this.announcer = announcer;
        this.limits = limits;
        this.scheduling = scheduling;
        this.key = key;
        this.vip = new InetSocketAddress(key.address(), key.port());
        this.rules = rules;
        this.connections = connections;
        this.transport = transport;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        DatagramPacket packet = (DatagramPacket) msg;
        InetSocketAddress client = packet.sender();
        ByteBuf data = Datagrams.rightSized(packet.content(), ctx.alloc()); // owns the datagram from here
        long now = System.nanoTime();
        UdpSession session = sessions.get(client);
        if (session == null) {
            // Only a new client costs a rule lookup; a known one keeps its real server, even a deleted one (drain).
            // IPVS answers an unschedulable datagram with ICMP port unreachable; the JDK cannot send ICMP, so such
            // datagrams are dropped.
            VirtualService service = rules.find(key);
            if (service == null) {
                data.release();
                return;
            }
            if (service.config().onePacket()) {
                onePacket(ctx, service, client, data, now);
                return;
            }
            if (!limits.tryAcquire(key, service.config().maxConns())) {
                data.release(); // over --max-conns / --max-connections: a new client is refused (counted)
                return;
            }
            // persistence template first, then the scheduler
            Connection entry = scheduling.newConnection(service, Protocol.UDP, client, vip);
            if (entry == null) {
                limits.release(key);
                data.release();
                return;
            }
            session = open(ctx.channel(), client, entry, now);
        }
        session.forward(data, now);
        announcer.packetIn(session.entry()); // each client datagram counts for sync (its template follows)
    }

    /**
     * One-packet scheduling ({@code -o}): the datagram is a connection of its own, never entered in the table. On a
     * persistent service it is scheduled through the client's template as in the kernel (created or re-armed, and
     * controlling the datagram's connection only while it is sent), so a client's datagrams all reach its
     * template's real server; without {@code -p} each datagram is scheduled afresh.
     */
    private void onePacket(ChannelHandlerContext ctx, VirtualService service, InetSocketAddress client,
                           ByteBuf data, long now) {
        Connection template = null;
        Dest dest;
        if (service.config().persistent()) {
            template = scheduling.attachTemplate(service, Protocol.UDP, client, vip, templates);
            dest = template == null ? null : template.dest();
        } else {
            dest = service.schedule(client);
        }
        if (dest == null) {
            data.release();
            return;
        }
        relay(ctx).forward(client, dest, data, now, replyWindowNanos());
        if (template != null) {
            template.detach(); // the one-packet connection is already gone
            announcer.packetIn(template); // the kernel counts a one-packet datagram on its template for sync
        }
    }

    private OnePacketRelay relay(ChannelHandlerContext ctx) {
        if (relay == null) {
            relay = new OnePacketRelay(ctx.channel(), transport, vip.getPort());
            relaySweep = ctx.channel().eventLoop().scheduleAtFixedRate(() -> relay.sweep(System.nanoTime()),
                    1, 1, TimeUnit.SECONDS);
        }
        return relay;
    }

    private long replyWindowNanos() {
        return TimeUnit.SECONDS.toNanos(Math.min(OnePacketRelay.REPLY_WINDOW_SECONDS,
                connections.timeouts().get().udp()));
    }

    /** One-packet upstream sockets open on this service socket, for tests. */
    int onePacketSockets() {
        return relay == null ? 0 : relay.openSockets();
    }

    private UdpSession open(Channel listener, InetSocketAddress client, Connection entry, long now) {
        // New entries are inactive and stay so: IPVS has no UDP state that counts as active.
        entry.hold();
        // One left over from a listener of this service that is still closing is replaced by this session.
        connections.insertReplacing(entry);
        UdpSession session = new UdpSession(listener, client, entry, sessions, connections,
                () -> limits.release(key));
        sessions.put(client, session);
        session.open(transport, now);
        return session;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == UdpNatListener.DRAIN) {
            // Taken over: the successor reads this socket now; our sessions only wait for late replies.
            for (UdpSession session : new ArrayList<>(sessions.values())) session.drain(System.nanoTime());
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The service was deleted (or stopped being a NAT service): its sessions end with it.
        for (UdpSession session : new ArrayList<>(sessions.values())) session.close();
        if (relay != null) {
            relaySweep.cancel(false);
            relay.closeAll();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A failed send to one client must not stop the service.
        log.debug("UDP service {}: {}", vip, cause.toString());
    }
}
