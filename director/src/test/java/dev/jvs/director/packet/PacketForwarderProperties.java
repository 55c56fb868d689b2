package dev.jvs.director.packet;

import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Scheduling;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.Fixtures;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.director.rules.VirtualService;
import dev.jvs.model.Command;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.RealServerConfig;
import dev.jvs.os.PacketPort;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Any frame into the forwarder (DR and TUN): it is forwarded once or dropped, never throws, and the flow
 * table stays within its bound. Frames are random bytes and mutations of a valid TCP SYN to the VIP.
 */
class PacketForwarderProperties {

    private static final int VIP = 0x0a000001;
    private static final int MAX_FLOWS = 8;

    /** Ethernet + IPv4 + TCP SYN 192.0.2.7:40000 -> 10.0.0.1:80 with a correct header checksum. */
    static byte[] synFrame() {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20);
        b.put(FakePort.MAC).put(new byte[]{2, 0, 0, 0, 0, 0x0c}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 40).putShort((short) 1)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0).putInt(0xc0000207).putInt(VIP);
        b.putShort(14 + 10, (short) Bytes.checksum(b, 14, 20));
        b.putShort((short) 40000).putShort((short) 80).putInt(1000).putInt(0).put((byte) 0x50)
                .put((byte) 0x02).putShort((short) 65535).putInt(0);
        return b.array();
    }

    @Provide
    Arbitrary<byte[]> frames() {
        return dev.jvs.director.vrrp.FuzzInputs.mutationsOf(synFrame());
    }

    private static PacketForwarder forwarder(ForwardMethod method, FakePort port) throws Exception {
        RuleTable rules = new RuleTable();
        rules.apply(List.<Command.RuleChange>of(Fixtures.addService(Fixtures.service(Fixtures.VIP, "rr")),
                Fixtures.addServer(Fixtures.VIP, RealServerConfig.of(Fixtures.addr("192.168.0.11"), 80, method, 1))));
        VirtualService vs = rules.find(Fixtures.VIP);
        IdentityHashMap<Dest, Egress> egress = new IdentityHashMap<>();
        for (Dest d : vs.dests()) {
            Egress e = new Egress(d, 0, FakePort.MAC, d.config().address(), Fixtures.addr("192.168.0.2"), 1500,
                    method == ForwardMethod.TUNNEL);
            e.learn(new byte[]{2, 0, 0, 0, 0, 0x11}, 0);
            egress.put(d, e);
        }
        ConnectionTable connections = new ConnectionTable(8, rules::timeouts);
        PacketForwarder[] self = new PacketForwarder[1];
        self[0] = new PacketForwarder(new FlowTable(MAX_FLOWS), rules::timeouts,
                new Scheduling(connections, () -> self[0].now), (x, now) -> { });
        self[0].plan = new ForwardingPlan(new ServiceIndex(List.of(vs)), egress, new PacketPort[]{port});
        self[0].ingress = port;
        self[0].ingressMac = FakePort.MAC;
        return self[0];
    }

    @Property(seed = "1330")
    void anyFrameIsForwardedOnceOrDropped(@ForAll("frames") byte[] frame, @ForAll boolean tunnel) throws Exception {
        FakePort port = new FakePort();
        PacketForwarder forwarder = forwarder(tunnel ? ForwardMethod.TUNNEL : ForwardMethod.ROUTE, port);
        byte[] original = frame.clone();
        forwarder.onFrame(ByteBuffer.wrap(frame), 0, frame.length, frame.length);
        forwarder.onFrame(ByteBuffer.wrap(original), 0, original.length, original.length); // and again: a known flow
        assertTrue(port.sent.size() <= 2, port.sent.size() + " frames sent for 2 received");
        assertTrue(forwarder.flows.size() <= MAX_FLOWS);
    }
}
