package dev.jvs.director.sync;

import dev.jvs.model.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The master daemon end to end on loopback, with a unicast peer as the only target. */
class SyncMasterTest {

    private DatagramChannel peer;
    private SyncMaster master;

    @BeforeEach
    void openPeer() throws Exception {
        peer = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        peer.socket().setSoTimeout((int) TimeUnit.SECONDS.toMillis(10));
        NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
        master = new SyncMaster(lo, null, 1, List.of((InetSocketAddress) peer.getLocalAddress()), 1472, 3,
                SendRules.defaults(), System::nanoTime);
    }

    @AfterEach
    void close() throws Exception {
        master.close();
        peer.close();
    }

    @Test
    void aProxiedConnectionIsNotSentButItsTemplateIsOnEveryPacket() throws Exception {
        SendRulesTest.FakeConnection template = new SendRulesTest.FakeConnection(Protocol.TCP, 0,
                SyncWire.FLAG_TEMPLATE | SyncWire.FLAG_INACTIVE);
        SendRulesTest.FakeConnection proxied = new SendRulesTest.FakeConnection(Protocol.TCP, 1, 0);
        proxied.movable = false;
        proxied.controller = template;
        for (int i = 0; i < 4; i++) master.packetIn(proxied);

        List<SyncRecord> records = receive();
        assertEquals(4, records.size(), records.toString());
        assertTrue(records.stream().allMatch(SyncRecord::template));
        assertEquals(360, records.get(0).timeoutSeconds());
    }

    @Test
    void aPartlyFilledMessageGoesOutWithinTwoSeconds() throws Exception {
        SendRulesTest.FakeConnection c = new SendRulesTest.FakeConnection(Protocol.UDP, 0, SyncWire.FLAG_INACTIVE);
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) master.packetIn(c); // sent on the 3rd

        List<SyncRecord> records = receive();
        long waited = System.nanoTime() - start;
        assertEquals(1, records.size());
        assertTrue(waited < TimeUnit.SECONDS.toNanos(2) + TimeUnit.MILLISECONDS.toNanos(500),
                "took " + TimeUnit.NANOSECONDS.toMillis(waited) + " ms");
    }

    @Test
    void recordsAreBatchedIntoMessagesOfAtMostSyncMaxlen() throws Exception {
        SendRulesTest.FakeConnection template = new SendRulesTest.FakeConnection(Protocol.TCP, 0,
                SyncWire.FLAG_TEMPLATE | SyncWire.FLAG_INACTIVE);
        for (int i = 0; i < 100; i++) master.packetIn(template); // (1472 - 8) / 36 = 40 records a message

        int[] sizes = new int[3];
        for (int i = 0; i < 3; i++) {
            ByteBuffer m = receiveRaw();
            sizes[i] = m.get(4) & 0xff;
            assertEquals(3, m.get(1), "syncid");
            assertTrue(m.remaining() <= 1472);
        }
        assertEquals(List.of(40, 40, 20), List.of(sizes[0], sizes[1], sizes[2]));
    }

    private List<SyncRecord> receive() throws Exception {
        List<SyncRecord> records = new ArrayList<>();
        SyncMessageReader.read(receiveRaw(), 0, records::add);
        return records;
    }

    private ByteBuffer receiveRaw() throws Exception {
        byte[] data = new byte[65535];
        java.net.DatagramPacket p = new java.net.DatagramPacket(data, data.length);
        try {
            peer.socket().receive(p);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no sync message within 10 s", e);
        }
        return ByteBuffer.wrap(data, 0, p.getLength());
    }
}
