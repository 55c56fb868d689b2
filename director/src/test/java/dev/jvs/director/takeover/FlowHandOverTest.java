package dev.jvs.director.takeover;

import dev.jvs.director.conn.ConnFlags;
import dev.jvs.director.conn.SyncedConnection;
import dev.jvs.director.sync.SyncRecord;
import dev.jvs.model.Protocol;
import io.netty.channel.unix.FileDescriptor;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The flow table a director hands to its successor, and the text that comes first, read back as written. */
class FlowHandOverTest {

    /** One flow or template, as the packet path's view or the connection table presents it. */
    private record Entry(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual,
                         InetSocketAddress destination, int syncFlags, int syncState, long timeoutSeconds)
            implements SyncedConnection {
        @Override public SyncedConnection controller() { return null; }
        @Override public boolean movable() { return true; }
        @Override public int countPacketIn() { return 0; }
        @Override public int lastSyncedState() { return 0; }
        @Override public void lastSyncedState(int state) {}
    }

    private static InetSocketAddress at(String address, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(address), port);
    }

    @Test
    void everyFlowAndTemplateArrivesWithItsServerStateAndTimeoutOverManyMessages() throws Exception {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < 700; i++) { // more than one message holds (255 records at most)
            boolean v6 = i % 7 == 0;
            entries.add(new Entry(i % 3 == 0 ? Protocol.UDP : Protocol.TCP,
                    at(v6 ? "2001:db8::" + Integer.toHexString(i + 1) : "198.51.100." + (i % 250 + 1), 1024 + i),
                    at(v6 ? "2001:db8::100" : "10.0.0.100", 80), at(v6 ? "2001:db8::11" : "10.0.0.11", 80),
                    2 /* DR */, i % 3 == 0 ? 0 : 1 /* ESTABLISHED */, 900));
        }
        entries.add(new Entry(Protocol.TCP, at("198.51.100.7", 0), at("10.0.0.100", 80), at("10.0.0.12", 80),
                ConnFlags.TEMPLATE | 2, 0, 120));
        byte[] data = FlowHandOver.encode(each -> entries.forEach(each));

        List<SyncRecord> read = new ArrayList<>();
        assertEquals(entries.size(), FlowHandOver.install(ByteBuffer.wrap(data), read::add));
        assertEquals(entries.size(), read.size());
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            SyncRecord r = read.get(i);
            assertEquals(e.protocol().number(), r.protocol());
            assertEquals(e.client(), new InetSocketAddress(r.client(), r.clientPort()));
            assertEquals(e.virtual(), new InetSocketAddress(r.virtual(), r.virtualPort()));
            assertEquals(e.destination(), new InetSocketAddress(r.destination(), r.destinationPort()));
            assertEquals(e.syncState(), r.state());
            assertEquals(e.timeoutSeconds(), r.timeoutSeconds());
        }
        assertTrue(read.get(entries.size() - 1).template());
    }

    @Test
    void anEmptyTableIsNothingAndATruncatedOneIsRefused() {
        assertEquals(0, FlowHandOver.install(ByteBuffer.allocate(0), r -> true));
        byte[] data = FlowHandOver.encode(each -> {
            try {
                each.accept(new Entry(Protocol.TCP, at("198.51.100.1", 1), at("10.0.0.100", 80),
                        at("10.0.0.11", 80), 2, 1, 900));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        ByteBuffer truncated = ByteBuffer.wrap(data, 0, data.length - 1);
        assertThrows(IllegalArgumentException.class, () -> FlowHandOver.install(truncated, r -> true));
    }

    @Test
    void theHandOverTextNamesEveryDescriptorInOrder() throws Exception {
        InetSocketAddress tcp = at("127.0.0.1", 8080);
        InetSocketAddress udp = at("::1", 53);
        HandOverText text = new HandOverText(42, Map.of(Path.of("/run/jvs/jvs.sock.lock"), new FileDescriptor(10)),
                new FileDescriptor(11), Map.of(tcp, List.of(new FileDescriptor(12), new FileDescriptor(13))),
                Map.of(udp, List.of(new FileDescriptor(14), new FileDescriptor(15))), true, "-A -t 127.0.0.1:8080 -s rr\n");
        List<FileDescriptor> order = new ArrayList<>();
        String written = text.write(order);
        assertEquals(List.of(10, 11, 12, 13, 14, 15), order.stream().map(FileDescriptor::intValue).toList());
        assertEquals(6, HandOverText.descriptorsNamed(written));

        HandOverText read = HandOverText.read(written, order);
        assertEquals(42, read.pid());
        assertEquals(List.of(12, 13), read.tcp().get(tcp).stream().map(FileDescriptor::intValue).toList());
        assertEquals(List.of(14, 15), read.udp().get(udp).stream().map(FileDescriptor::intValue).toList());
        assertTrue(read.flowsLater());
        assertEquals("-A -t 127.0.0.1:8080 -s rr\n", read.rules());
    }
}
