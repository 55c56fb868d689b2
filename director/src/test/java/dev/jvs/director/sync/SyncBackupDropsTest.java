package dev.jvs.director.sync;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static dev.jvs.director.sync.SyncMessageReader.Outcome.BAD_SIZE;
import static dev.jvs.director.sync.SyncMessageReader.Outcome.MALFORMED;
import static dev.jvs.director.sync.SyncMessageReader.Outcome.TOO_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A backup sync daemon drops malformed messages without installing anything from them, and counts them. */
class SyncBackupDropsTest {

    private static final HexFormat HEX = HexFormat.of();

    /** ESTABLISHED TCP 203.0.113.5:51234 -> 10.0.0.1:80 -> 192.168.2.12:80, DR, 900 s (as in SyncCodecTest). */
    private static final String RECORD = "00060024" + "00000003" + "0001" + "c8220050" + "0050" + "00000000"
            + "00000384" + "cb007105" + "0a000001" + "c0a8020c";

    private static byte[] message(int count, String body) {
        return HEX.parseHex(String.format("00%02x%04x%02x010000", 0, 8 + body.length() / 2, count) + body);
    }

    private static SyncBackup backupOnLoopback(List<SyncRecord> installed) throws IOException {
        NetworkInterface lo = NetworkInterface.getByName("lo");
        assumeTrue(lo != null, "no loopback interface");
        int port;
        try (DatagramSocket probe = new DatagramSocket(0)) {
            port = probe.getLocalPort();
        }
        try {
            return new SyncBackup(lo, new InetSocketAddress(InetAddress.getByName("224.0.0.81"), port), 0,
                    List.of(r -> installed.add(r)));
        } catch (IOException e) {
            assumeTrue(false, "cannot join a multicast group on lo here: " + e);
            throw e;
        }
    }

    @Test
    void garbageTruncatedAndBadlySizedMessagesAreDroppedAndCounted() throws Exception {
        List<SyncRecord> installed = new ArrayList<>();
        try (SyncBackup backup = backupOnLoopback(installed)) {
            byte[] good = message(1, RECORD);
            backup.handle(ByteBuffer.wrap(good));
            assertEquals(1, installed.size());
            assertEquals(0, backup.dropped());

            backup.handle(ByteBuffer.wrap(new byte[] {1, 2, 3}));                       // shorter than a header
            backup.handle(ByteBuffer.wrap(new byte[0]));
            backup.handle(ByteBuffer.wrap(java.util.Arrays.copyOf(good, good.length - 4))); // truncated: size says more
            byte[] padded = java.util.Arrays.copyOf(good, good.length + 8);               // size says less
            backup.handle(ByteBuffer.wrap(padded));
            backup.handle(ByteBuffer.wrap(message(3, RECORD)));                        // 3 records announced, 1 sent
            String badRecordSize = RECORD.substring(0, 4) + "0010" + RECORD.substring(8); // record size 16 < 36
            backup.handle(ByteBuffer.wrap(message(1, badRecordSize)));
            String badVersion = RECORD.substring(0, 4) + "1024" + RECORD.substring(8);    // record version 1
            backup.handle(ByteBuffer.wrap(message(1, badVersion)));

            assertEquals(2, backup.dropped(TOO_SHORT));
            assertEquals(2, backup.dropped(BAD_SIZE));
            assertEquals(3, backup.dropped(MALFORMED));
            assertEquals(7, backup.dropped());
            assertEquals(2, installed.size(), "only the good record, and the one before the missing two");

            Random random = new Random(7);
            for (int i = 0; i < 2000; i++) {
                byte[] garbage = new byte[random.nextInt(200)];
                random.nextBytes(garbage);
                if (random.nextBoolean() && garbage.length >= 4) { // a plausible header size, to reach the records
                    garbage[2] = (byte) (garbage.length >> 8);
                    garbage[3] = (byte) garbage.length;
                }
                backup.handle(ByteBuffer.wrap(garbage)); // never throws
            }
            assertTrue(backup.dropped() > 7 + 1000, "random bytes are dropped: " + backup.dropped());
        }
    }

    @Test
    void aMalformedDatagramOnTheWireIsCountedByTheReceiver() throws Exception {
        List<SyncRecord> installed = new ArrayList<>();
        try (SyncBackup backup = backupOnLoopback(installed);
             DatagramChannel sender = DatagramChannel.open()) {
            int port = backupPort(backup);
            sender.send(ByteBuffer.wrap(new byte[] {(byte) 0xff, 0, 9}), new InetSocketAddress("127.0.0.1", port));
            sender.send(ByteBuffer.wrap(message(1, RECORD)), new InetSocketAddress("127.0.0.1", port));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while ((backup.dropped() < 1 || installed.isEmpty()) && System.nanoTime() < deadline) Thread.sleep(10);
            assertEquals(1, backup.dropped(TOO_SHORT));
            assertEquals(1, installed.size());
        }
    }

    private static int backupPort(SyncBackup backup) {
        return backup.port();
    }
}
