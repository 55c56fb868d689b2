package dev.jvs.os;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A classic BPF program (as {@code SO_ATTACH_FILTER} takes it) that lets through only what a packet path needs:
 * frames to its virtual services (IPv4/IPv6 destination address, TCP/UDP and destination port; a port-0 service
 * takes every port; ICMP/ICMPv6 to a VIP, which carries errors about its flows), IPv6 neighbour advertisements
 * and ARP (how next hops' MACs are learnt). Everything else stays
 * in the kernel and costs the director nothing.
 */
public final class SocketFilter {

    /** One service the packet path forwards: {@code protocol} 6 (TCP) or 17 (UDP); port 0 means every port. */
    public record Service(InetAddress address, int protocol, int port) {}

    // BPF opcodes (linux/bpf_common.h)
    private static final int LD_W_ABS = 0x20;
    private static final int LD_H_ABS = 0x28;
    private static final int LD_B_ABS = 0x30;
    private static final int LD_H_IND = 0x48;
    private static final int LDX_B_MSH = 0xb1;
    private static final int JA = 0x05;
    private static final int JEQ_K = 0x15;
    private static final int JSET_K = 0x45;
    private static final int RET_K = 0x06;
    private static final int ACCEPT = -1; // the whole frame, however long (aggregates included)

    private final List<int[]> code = new ArrayList<>(); // {opcode, k, trueLabel, falseLabel} (labels: -1 = next)
    private final List<Integer> labels = new ArrayList<>();

    private SocketFilter() {}

    /**
     * The program for these services, as {@code struct sock_filter} entries (8 bytes each, host order), or null
     * when it cannot be expressed (one VIP with so many ports that a jump gets too long, or more than the
     * kernel's 4096 instructions): then frames go unfiltered.
     */
    public static byte[] program(Collection<Service> services) {
        Map<InetAddress, Map<Integer, Set<Integer>>> byAddress = new LinkedHashMap<>();
        for (Service s : services) {
            byAddress.computeIfAbsent(s.address(), a -> new LinkedHashMap<>())
                    .computeIfAbsent(s.protocol(), p -> new TreeSet<>()).add(s.port());
        }
        SocketFilter f = new SocketFilter();
        // Conditional jumps reach at most 255 instructions ahead, so every block ends in its own accept and
        // reject returns, and only unconditional jumps (32-bit) go far.
        int ipv4 = f.newLabel();
        int ipv6 = f.newLabel();
        int top = f.newLabel();
        int topAccept = f.newLabel();
        f.emit(LD_H_ABS, 12);
        f.jump(JEQ_K, 0x0806, topAccept, -1);
        f.jump(JEQ_K, 0x0800, -1, top);
        f.jump(JA, 0, ipv4, ipv4);
        f.place(top);
        int notIpv6 = f.newLabel();
        f.jump(JEQ_K, 0x86dd, -1, notIpv6);
        f.jump(JA, 0, ipv6, ipv6);
        f.place(notIpv6);
        f.emit(RET_K, 0);
        f.place(topAccept);
        f.emit(RET_K, ACCEPT);

        f.place(ipv4);
        for (var entry : byAddress.entrySet()) {
            if (!(entry.getKey() instanceof Inet4Address)) continue;
            int next = f.newLabel();
            int accept = f.newLabel();
            int reject = f.newLabel();
            f.emit(LD_W_ABS, 30);
            f.jump(JEQ_K, ByteBuffer.wrap(entry.getKey().getAddress()).getInt(), -1, next);
            f.emit(LD_H_ABS, 20);
            f.jump(JSET_K, 0x1fff, accept, -1); // a later fragment: no ports to look at, the forwarder counts it
            f.emit(LD_B_ABS, 23);
            f.jump(JEQ_K, 1, accept, -1); // ICMP errors about flows of this VIP
            f.ports(entry.getValue(), accept, reject, true);
            f.returns(accept, reject);
            f.place(next);
        }
        f.emit(RET_K, 0);

        f.place(ipv6);
        int notNdp = f.newLabel();
        int ndp = f.newLabel();
        f.emit(LD_B_ABS, 20);
        f.jump(JEQ_K, 58, -1, notNdp);
        f.emit(LD_B_ABS, 54);
        f.jump(JEQ_K, 136, ndp, notNdp); // neighbour advertisements: how next hops' MACs are learnt
        f.place(ndp);
        f.emit(RET_K, ACCEPT);
        f.place(notNdp);
        for (var entry : byAddress.entrySet()) {
            if (!(entry.getKey() instanceof Inet6Address)) continue;
            int next = f.newLabel();
            int accept = f.newLabel();
            int reject = f.newLabel();
            ByteBuffer a = ByteBuffer.wrap(entry.getKey().getAddress());
            for (int word = 0; word < 4; word++) {
                f.emit(LD_W_ABS, 38 + 4 * word);
                f.jump(JEQ_K, a.getInt(4 * word), -1, next);
            }
            f.emit(LD_B_ABS, 20);
            f.jump(JEQ_K, 58, accept, -1); // ICMPv6 errors about flows of this VIP
            f.ports(entry.getValue(), accept, reject, false);
            f.returns(accept, reject);
            f.place(next);
        }
        f.emit(RET_K, 0);
        return f.assemble();
    }

    private void returns(int accept, int reject) {
        place(accept);
        emit(RET_K, ACCEPT);
        place(reject);
        emit(RET_K, 0);
    }

    /** With the protocol loaded: TCP/UDP to one of the ports goes to {@code accept}. */
    private void ports(Map<Integer, Set<Integer>> byProtocol, int accept, int reject, boolean ipv4) {
        List<int[]> branches = new ArrayList<>();
        for (var entry : byProtocol.entrySet()) {
            int label = newLabel();
            jump(JEQ_K, entry.getKey(), label, -1);
            branches.add(new int[] {label, entry.getKey()});
        }
        jump(JA, 0, reject, reject);
        for (int[] branch : branches) {
            place(branch[0]);
            Set<Integer> ports = byProtocol.get(branch[1]);
            if (ports.contains(0)) {
                jump(JA, 0, accept, accept);
                continue;
            }
            if (ipv4) {
                emit(LDX_B_MSH, 14); // X = IPv4 header length
                emit(LD_H_IND, 14 + 2);
            } else {
                emit(LD_H_ABS, 14 + 40 + 2);
            }
            for (int port : ports) jump(JEQ_K, port, accept, -1);
            jump(JA, 0, reject, reject);
        }
    }

    private int newLabel() {
        labels.add(-1);
        return labels.size() - 1;
    }

    private void place(int label) {
        labels.set(label, code.size());
    }

    private void emit(int opcode, int k) {
        code.add(new int[] {opcode, k, -1, -1});
    }

    private void jump(int opcode, int k, int whenTrue, int whenFalse) {
        code.add(new int[] {opcode, k, whenTrue, whenFalse});
    }

    private byte[] assemble() {
        if (code.size() > 4096) return null; // BPF_MAXINSNS
        ByteBuffer out = ByteBuffer.allocate(code.size() * 8).order(ByteOrder.nativeOrder());
        for (int i = 0; i < code.size(); i++) {
            int[] c = code.get(i);
            int jt = c[2] < 0 ? 0 : labels.get(c[2]) - i - 1;
            int jf = c[3] < 0 ? 0 : labels.get(c[3]) - i - 1;
            int k = c[1];
            if (c[0] == JA) {
                k = jt;
                jt = 0;
                jf = 0;
            } else if (jt > 255 || jf > 255) {
                return null;
            }
            out.putShort((short) c[0]).put((byte) jt).put((byte) jf).putInt(k);
        }
        return out.array();
    }
}
