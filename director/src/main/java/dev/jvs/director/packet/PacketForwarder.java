package dev.jvs.director.packet;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.conn.TcpEvent;
import dev.jvs.director.conn.TcpState;
import dev.jvs.director.net.AddressWords;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.director.sync.ConnectionAnnouncer;
import dev.jvs.model.Protocol;
import dev.jvs.model.Timeouts;
import dev.jvs.os.FrameHandler;
import dev.jvs.os.Offload;
import dev.jvs.os.PacketPort;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The per-frame work of the packet path, on the packet thread: parse, find or schedule the flow, track TCP state,
 * rewrite (direct routing) or encapsulate (IPIP tunnel), transmit. Junk is dropped and counted, never thrown.
 * Allocation happens only when a new flow is scheduled (the scheduler takes the client as an address object)
 * and when the sync master writes a flow's record (every P-th packet or a state change, never per packet).
 */
final class PacketForwarder implements FrameHandler {

    static final int ETH_HEADER = 14;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_ARP = 0x0806;
    private static final int ETHERTYPE_IPV6 = 0x86dd;
    private static final int IPPROTO_ICMP = 1;
    private static final int IPPROTO_IPIP = 4;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_UDP = 17;
    private static final int IPPROTO_ICMPV6 = 58;
    private static final int TCP_FIN = 0x01;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_RST = 0x04;
    private static final int TCP_ACK = 0x10;
    private static final int IP_DF = 0x4000;

    final FlowTable flows;
    final PacketCounters counters = new PacketCounters();
    private final Supplier<Timeouts> timeouts;
    private final Scheduling scheduling;
    private final NeighbourRequests neighbourRequests;
    private final FlowSyncView syncView;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(65536 + 64);
    /** The offload state of the frame being handled ({@link Offload}). */
    private long offload;

    volatile ForwardingPlan plan = ForwardingPlan.EMPTY;
    /** Where each flow's packets are reported for connection sync; a no-op while no master daemon runs. */
    volatile ConnectionAnnouncer announcer = ConnectionAnnouncer.NONE;
    /**
     * The kernel's {@code sloppy_tcp}: a TCP segment without SYN (but not a RST) for an unknown flow is scheduled
     * too, so a flow that a router moves to this director mid-way (ECMP) is taken on instead of dropped.
     */
    volatile boolean sloppyTcp;
    /** Set by the loop before each batch: one clock read per batch, and tests inject their own. */
    long now;
    /** The port the current batch came from. */
    PacketPort ingress;
    byte[] ingressMac;
    private int ipId;

    /** @param scheduling decides new flows, persistence templates included (shared with the NAT proxy) */
    PacketForwarder(FlowTable flows, Supplier<Timeouts> timeouts, Scheduling scheduling,
                    NeighbourRequests neighbourRequests) {
        this.flows = flows;
        this.timeouts = timeouts;
        this.scheduling = scheduling;
        this.neighbourRequests = neighbourRequests;
        this.syncView = new FlowSyncView(flows, timeouts);
    }

    /** Asks for the MAC of a next hop (ARP or neighbour solicitation), rate-limited by the caller's policy. */
    interface NeighbourRequests {
        void request(Egress egress, long nowNanos);

        /** The wire told us a next hop's MAC that was unknown (other lanes may not see that frame). */
        default void learned(Egress egress) {
        }
    }

    @Override
    public void onFrame(ByteBuffer b, int off, int len, int wireLength) {
        onFrame(b, off, len, wireLength, Offload.NONE);
    }

    @Override
    public void onFrame(ByteBuffer b, int off, int len, int wireLength, long offload) {
        this.offload = offload;
        counters.framesSeen++;
        if (len < ETH_HEADER) {
            counters.truncated++;
            return;
        }
        int type = b.getShort(off + 12) & 0xffff;
        if (type == ETHERTYPE_IPV4) {
            ipv4(b, off, len, wireLength);
        } else if (type == ETHERTYPE_IPV6) {
            ipv6(b, off, len, wireLength);
        } else if (type == ETHERTYPE_ARP) {
            arp(b, off, len);
        }
    }

    // ------------------------------------------------------------------------------------------------ IPv4

    private void ipv4(ByteBuffer b, int off, int len, int wireLength) {
        ForwardingPlan p = plan;
        int ip = off + ETH_HEADER;
        if (len < ETH_HEADER + 20) {
            counters.truncated++;
            return;
        }
        long dst = Integer.toUnsignedLong(b.getInt(ip + 16));
        if (!p.services.isVirtualAddress(0, dst, false)) return; // not ours: the kernel's business
        int versionIhl = b.get(ip) & 0xff;
        int ihl = (versionIhl & 0x0f) * 4;
        int total = b.getShort(ip + 2) & 0xffff;
        if (wireLength > len) {
            counters.truncated++;
            return;
        }
        if ((versionIhl >>> 4) != 4 || ihl < 20 || total < ihl || total > len - ETH_HEADER) {
            counters.badIpHeader++;
            return;
        }
        if ((b.getShort(ip + 6) & 0x1fff) != 0) {
            counters.nonFirstFragments++; // no ports to look up; IPVS would reassemble first
            return;
        }
        int protocol = b.get(ip + 9) & 0xff;
        long src = Integer.toUnsignedLong(b.getInt(ip + 12));
        int l4 = ip + ihl;
        int l4Length = total - ihl;
        if (protocol == IPPROTO_ICMP) {
            icmp4Error(b, off, l4, l4Length, ETH_HEADER + total);
            return;
        }
        if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP) {
            counters.unsupportedHeaders++;
            return;
        }
        transport(p, b, off, ETH_HEADER + total, false, 0, src, 0, dst, protocol, l4, l4Length, total);
    }

    /** An ICMP error about a tracked flow (e.g. from a router on the way to the client) goes to its server. */
    private void icmp4Error(ByteBuffer b, int off, int icmp, int icmpLength, int frameLength) {
        if (icmpLength < 8 + 20 + 8) {
            counters.truncated++;
            return;
        }
        int type = b.get(icmp) & 0xff;
        if (type != 3 && type != 11 && type != 12) return; // echo and friends stay with the kernel
        int inner = icmp + 8;
        int innerIhl = (b.get(inner) & 0x0f) * 4;
        if (innerIhl < 20 || 8 + innerIhl + 8 > icmpLength) {
            counters.badIpHeader++;
            return;
        }
        int protocol = b.get(inner + 9) & 0xff;
        if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP) return;
        // The quoted packet went from the virtual service to the client.
        long virtual = Integer.toUnsignedLong(b.getInt(inner + 12));
        long client = Integer.toUnsignedLong(b.getInt(inner + 16));
        int virtualPort = b.getShort(inner + innerIhl) & 0xffff;
        int clientPort = b.getShort(inner + innerIhl + 2) & 0xffff;
        int slot = flows.find(0, client, 0, virtual, FlowTable.portsWord(protocol, false, clientPort, virtualPort));
        if (slot < 0) return;
        if (send(b, off, frameLength, flows.dest(slot), frameLength - ETH_HEADER)) counters.icmpErrorsForwarded++;
    }

    // ------------------------------------------------------------------------------------------------ IPv6

    private void ipv6(ByteBuffer b, int off, int len, int wireLength) {
        ForwardingPlan p = plan;
        int ip = off + ETH_HEADER;
        if (len < ETH_HEADER + 40) {
            counters.truncated++;
            return;
        }
        long dstHi = b.getLong(ip + 24);
        long dstLo = b.getLong(ip + 32);
        int next = b.get(ip + 6) & 0xff;
        if (next == IPPROTO_ICMPV6) neighbourAdvertisement(b, ip, len - ETH_HEADER);
        if (!p.services.isVirtualAddress(dstHi, dstLo, true)) return;
        int payload = b.getShort(ip + 4) & 0xffff;
        if (wireLength > len) {
            counters.truncated++;
            return;
        }
        if ((b.get(ip) & 0xf0) != 0x60 || 40 + payload > len - ETH_HEADER) {
            counters.badIpHeader++;
            return;
        }
        int l4 = ip + 40;
        if (next == IPPROTO_ICMPV6) {
            icmp6Error(b, off, l4, payload, ETH_HEADER + 40 + payload);
            return;
        }
        if (next != IPPROTO_TCP && next != IPPROTO_UDP) {
            counters.unsupportedHeaders++; // extension headers, fragments: not parsed by this release
            return;
        }
        transport(p, b, off, ETH_HEADER + 40 + payload, true, b.getLong(ip + 8), b.getLong(ip + 16), dstHi, dstLo,
                next, l4, payload, 40 + payload);
    }

    private void icmp6Error(ByteBuffer b, int off, int icmp, int icmpLength, int frameLength) {
        if (icmpLength < 8 + 40 + 8) return;
        int type = b.get(icmp) & 0xff;
        if (type < 1 || type > 4) return;
        int inner = icmp + 8;
        int protocol = b.get(inner + 6) & 0xff;
        if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP) return;
        int ports = inner + 40;
        int slot = flows.find(b.getLong(inner + 24), b.getLong(inner + 32), b.getLong(inner + 8), b.getLong(inner + 16),
                FlowTable.portsWord(protocol, true, b.getShort(ports + 2) & 0xffff, b.getShort(ports) & 0xffff));
        if (slot < 0) return;
        if (send(b, off, frameLength, flows.dest(slot), frameLength - ETH_HEADER)) counters.icmpErrorsForwarded++;
    }

    // ------------------------------------------------------------------------------------------------ TCP/UDP

    private void transport(ForwardingPlan p, ByteBuffer b, int off, int frameLength, boolean ipv6, long srcHi,
                           long srcLo, long dstHi, long dstLo, int protocol, int l4, int l4Length, int ipLength) {
        boolean tcp = protocol == IPPROTO_TCP;
        if (l4Length < (tcp ? 20 : 8)) {
            counters.truncated++;
            return;
        }
        int srcPort = b.getShort(l4) & 0xffff;
        int dstPort = b.getShort(l4 + 2) & 0xffff;
        int flags = 0;
        if (tcp) {
            int dataOffset = ((b.get(l4 + 12) & 0xff) >>> 4) * 4;
            if (dataOffset < 20 || dataOffset > l4Length) {
                counters.badIpHeader++;
                return;
            }
            flags = b.get(l4 + 13) & 0xff;
        }
        VirtualService service = p.services.find(dstHi, dstLo, ipv6, protocol, dstPort);
        if (service == null) return; // another port of a VIP: the kernel decides
        long ports = FlowTable.portsWord(protocol, ipv6, srcPort, dstPort);
        Timeouts t = timeouts.get();
        int slot = flows.find(srcHi, srcLo, dstHi, dstLo, ports);
        if (slot >= 0 && tcp && (flags & TCP_SYN) != 0 && (flags & TCP_RST) == 0) {
            TcpState state = flows.tcpState(slot);
            // conn_reuse_mode 1: a new SYN on a finished connection starts a new one, freshly scheduled
            if (state == TcpState.TIME_WAIT || state == TcpState.CLOSE) {
                flows.remove(slot);
                slot = -1;
            }
        }
        if (slot < 0) {
            if (tcp) {
                if ((flags & TCP_RST) != 0 || (flags & TCP_SYN) == 0 && !sloppyTcp) {
                    counters.noFlowNotSyn++;
                    return;
                }
                if ((flags & (TCP_SYN | TCP_FIN)) == (TCP_SYN | TCP_FIN)) {
                    counters.oddTcpFlags++;
                    return;
                }
            }
            InetSocketAddress client = new InetSocketAddress(AddressWords.address(ipv6, srcHi, srcLo), srcPort);
            Connection template = null;
            Dest dest;
            if (service.config().persistent()) {
                // Same template logic as the NAT proxy: the template lives in the connection table (-Lc,
                // PersistConn) and this flow keeps it alive until the flow ends.
                template = scheduling.attachTemplate(service, tcp ? Protocol.TCP : Protocol.UDP, client,
                        new InetSocketAddress(AddressWords.address(ipv6, dstHi, dstLo), dstPort));
                dest = template == null ? null : template.dest();
            } else {
                dest = service.schedule(client);
            }
            if (dest == null || !dest.method().isPacketMode()) {
                if (template != null) template.detach();
                counters.noDestination++;
                return;
            }
            slot = flows.insert(srcHi, srcLo, dstHi, dstLo, ports, dest, tcp, now, t);
            if (slot < 0) {
                if (template != null) template.detach();
                counters.flowTableFull++;
                return;
            }
            flows.controlledBy(slot, template);
            counters.newFlows++;
        }
        Dest dest = flows.dest(slot);
        if (!dest.available()) {
            // expire_nodest_conn 0: drop quietly, the flow lives on until its timer runs out
            counters.deadDestination++;
            return;
        }
        if (tcp) {
            TcpEvent event = TcpEvent.of((flags & TCP_SYN) != 0, (flags & TCP_FIN) != 0, (flags & TCP_ACK) != 0,
                    (flags & TCP_RST) != 0);
            flows.onTcpSegment(slot, event, now, t);
        } else {
            flows.touch(slot, now, t);
        }
        announcer.packetIn(syncView.at(slot));
        if (send(b, off, frameLength, dest, ipLength)) {
            dest.countIn(ipLength);
            counters.forwarded++;
        }
    }

    // ------------------------------------------------------------------------------------------------ output

    /** Sends the frame's IP packet to the real server: new MACs (direct routing) or an outer header (tunnel). */
    private boolean send(ByteBuffer b, int off, int frameLength, Dest dest, int ipLength) {
        ForwardingPlan p = plan;
        Egress e = p.egress.get(dest);
        if (e == null) {
            counters.noEgress++;
            return false;
        }
        if (!e.resolved) {
            neighbourRequests.request(e, now);
            counters.awaitingNeighbour++;
            return false;
        }
        PacketPort port = p.ports[e.portIndex];
        long o = offload;
        if (Offload.segmented(o) && !Segments.canSegment(b, off + ETH_HEADER, o)) {
            counters.unsupportedHeaders++; // an aggregate of a kind the kernel does not hand to packet sockets
            return false;
        }
        if (!e.tunnel) {
            b.put(off, e.mac);
            b.put(off + 6, e.sourceMac);
            if (o == Offload.NONE) return transmit(port, b, off, frameLength, Offload.NONE);
            if (port.acceptsOffload()) {
                if (Offload.segmented(o)) counters.aggregatesForwardedWhole++;
                return transmit(port, b, off, frameLength, Segments.forHandOver(b, off, o));
            }
        }
        if (Offload.segmented(o)) return sendSegments(port, e, b, off, ipLength, o);
        if (Offload.needsChecksum(o) && !Segments.finishChecksum(b, off, frameLength, o)) {
            counters.badIpHeader++;
            return false;
        }
        return e.tunnel ? encapsulate(port, e, b, off, ipLength) : transmit(port, b, off, frameLength, Offload.NONE);
    }

    /**
     * Cuts a TCP aggregate into segments and sends each one (in a tunnel: inside its own outer header). Each
     * segment is built in the scratch buffer, checksums finished; "fragmentation needed" is judged by the size of
     * one segment, as the kernel judges a GSO packet.
     */
    private boolean sendSegments(PacketPort port, Egress e, ByteBuffer b, int off, int ipLength, long o) {
        int ip = off + ETH_HEADER;
        int headers = Segments.headerLength(b, ip);
        int mss = Offload.segmentSize(o);
        int count = Segments.count(ipLength, headers, mss);
        int largest = headers + Math.min(mss, ipLength - headers);
        int outer = e.tunnel ? 20 : 0;
        if (e.tunnel && largest + outer > e.mtu) {
            if ((b.getShort(ip + 6) & IP_DF) != 0) {
                fragmentationNeeded(b, off, e.mtu - outer);
            } else {
                counters.tooBigWithoutDf++;
            }
            return false;
        }
        ByteBuffer s = scratch;
        boolean sent = true;
        for (int k = 0; k < count; k++) {
            int segment = Segments.write(b, ip, ipLength, headers, mss, k, s, ETH_HEADER + outer);
            if (e.tunnel) {
                outerHeader(s, e, segment, s.get(ETH_HEADER + outer + 1), (s.getShort(ETH_HEADER + outer + 6) & IP_DF) != 0);
            } else {
                s.put(0, b, off, ETH_HEADER);
            }
            sent &= transmit(port, s, 0, ETH_HEADER + outer + segment, Offload.NONE);
        }
        counters.aggregatesSegmented++;
        return sent;
    }

    private boolean encapsulate(PacketPort port, Egress e, ByteBuffer b, int off, int ipLength) {
        int inner = off + ETH_HEADER;
        boolean innerIpv4 = (b.get(inner) & 0xf0) == 0x40;
        if (!innerIpv4) {
            counters.unsupportedHeaders++; // IPv6-in-IPv4 tunnels are not built by this release
            return false;
        }
        boolean dontFragment = (b.getShort(inner + 6) & IP_DF) != 0;
        if (ipLength + 20 > e.mtu) {
            if (dontFragment) {
                fragmentationNeeded(b, off, e.mtu - 20);
            } else {
                counters.tooBigWithoutDf++; // outer fragmentation is not done by this release
            }
            return false;
        }
        ByteBuffer s = scratch;
        s.put(ETH_HEADER + 20, b, inner, ipLength);
        outerHeader(s, e, ipLength, b.get(inner + 1), dontFragment);
        return transmit(port, s, 0, ETH_HEADER + 20 + ipLength, Offload.NONE);
    }

    /** Ethernet and outer IPv4 (protocol 4) headers at the start of the scratch buffer, before an inner packet. */
    private void outerHeader(ByteBuffer s, Egress e, int innerLength, byte tos, boolean dontFragment) {
        s.put(0, e.mac);
        s.put(6, e.sourceMac);
        s.putShort(12, (short) ETHERTYPE_IPV4);
        int outer = ETH_HEADER;
        s.put(outer, (byte) 0x45);
        s.put(outer + 1, tos); // TOS copied, as the kernel does
        s.putShort(outer + 2, (short) (innerLength + 20));
        s.putShort(outer + 4, (short) ipId++);
        s.putShort(outer + 6, (short) (dontFragment ? IP_DF : 0));
        s.put(outer + 8, (byte) 64);
        s.put(outer + 9, (byte) IPPROTO_IPIP);
        s.putShort(outer + 10, (short) 0);
        s.putInt(outer + 12, e.localIpv4);
        s.putInt(outer + 16, e.realServerIpv4);
        s.putShort(outer + 10, (short) Bytes.checksum(s, outer, 20));
    }

    /** ICMP "fragmentation needed" back to the client, from the virtual address, quoting the packet's start. */
    private void fragmentationNeeded(ByteBuffer b, int off, int mtu) {
        int inner = off + ETH_HEADER;
        int ihl = (b.get(inner) & 0x0f) * 4;
        int quoted = ihl + 8;
        ByteBuffer s = scratch;
        s.put(0, b, off + 6, 6);   // back to whoever handed us the frame
        s.put(6, ingressMac);
        s.putShort(12, (short) ETHERTYPE_IPV4);
        int ip = ETH_HEADER;
        int icmp = ip + 20;
        int total = 20 + 8 + quoted;
        s.put(ip, (byte) 0x45);
        s.put(ip + 1, (byte) 0);
        s.putShort(ip + 2, (short) total);
        s.putShort(ip + 4, (short) ipId++);
        s.putShort(ip + 6, (short) 0);
        s.put(ip + 8, (byte) 64);
        s.put(ip + 9, (byte) IPPROTO_ICMP);
        s.putShort(ip + 10, (short) 0);
        s.putInt(ip + 12, b.getInt(inner + 16)); // from the VIP
        s.putInt(ip + 16, b.getInt(inner + 12)); // to the client
        s.putShort(ip + 10, (short) Bytes.checksum(s, ip, 20));
        s.put(icmp, (byte) 3);
        s.put(icmp + 1, (byte) 4);
        s.putShort(icmp + 2, (short) 0);
        s.putShort(icmp + 4, (short) 0);
        s.putShort(icmp + 6, (short) mtu);
        s.put(icmp + 8, b, inner, quoted);
        s.putShort(icmp + 2, (short) Bytes.checksum(s, icmp, 8 + quoted));
        if (transmit(ingress, s, 0, ETH_HEADER + total, Offload.NONE)) counters.fragmentationNeededSent++;
    }

    private boolean transmit(PacketPort port, ByteBuffer b, int off, int length, long frameOffload) {
        if (port.send(b, off, length, frameOffload)) return true;
        counters.transmitQueueFull++;
        return false;
    }

    // ------------------------------------------------------------------------------------------------ neighbours

    /** Learns next-hop MACs from ARP replies and requests seen on the wire (the kernel learns them too). */
    private void arp(ByteBuffer b, int off, int len) {
        if (len < ETH_HEADER + 28) return;
        int a = off + ETH_HEADER;
        if ((b.getShort(a) & 0xffff) != 1 || (b.getShort(a + 2) & 0xffff) != ETHERTYPE_IPV4) return;
        int sender = b.getInt(a + 14);
        for (Egress e : plan.allEgress) {
            if (e.nextHop instanceof java.net.Inet4Address && AddressWords.ipv4(e.nextHop) == sender) {
                byte[] mac = new byte[6];
                b.get(a + 8, mac);
                boolean known = e.resolved;
                e.learn(mac, 0);
                if (!known) neighbourRequests.learned(e);
            }
        }
    }

    private void neighbourAdvertisement(ByteBuffer b, int ip, int length) {
        int icmp = ip + 40;
        if (length < 40 + 32 || (b.get(icmp) & 0xff) != 136) return;
        long targetHi = b.getLong(icmp + 8);
        long targetLo = b.getLong(icmp + 16);
        // option 2 = target link-layer address, 8 bytes long
        if ((b.get(icmp + 24) & 0xff) != 2) return;
        for (Egress e : plan.allEgress) {
            if (e.nextHop instanceof java.net.Inet6Address && AddressWords.high(e.nextHop) == targetHi
                    && AddressWords.low(e.nextHop) == targetLo) {
                byte[] mac = new byte[6];
                b.get(icmp + 26, mac);
                boolean known = e.resolved;
                e.learn(mac, 0);
                if (!known) neighbourRequests.learned(e);
            }
        }
    }
}
