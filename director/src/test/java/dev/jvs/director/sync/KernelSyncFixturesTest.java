package dev.jvs.director.sync;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sync datagrams captured on the wire with a Linux 6.1 kernel (ipvs-vm), kept in {@code sync/kernel/} with the
 * scripts that produced them: a JVS master's datagrams that a kernel backup installed, and a kernel master's.
 * The replay of the kernel's datagrams to a real JVS backup is {@code KernelSyncIT}.
 */
class KernelSyncFixturesTest {

    private static final String DIR = "/dev/jvs/director/sync/kernel/";
    private static final String[] STATES = {"NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT",
            "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK"};

    static byte[] bytes(String name) throws IOException {
        try (InputStream in = KernelSyncFixturesTest.class.getResourceAsStream(DIR + name)) {
            if (in == null) throw new IOException("missing fixture " + name);
            return in.readAllBytes();
        }
    }

    /** {@code ipvsadm -Lnc} rows without the expire column: "TCP ESTABLISHED client virtual destination". */
    static Set<String> listedRows(String name) throws IOException {
        Set<String> rows = new TreeSet<>();
        for (String line : new String(bytes(name), StandardCharsets.US_ASCII).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 6 && (f[0].equals("TCP") || f[0].equals("UDP"))) {
                rows.add(f[0] + " " + f[2] + " " + f[3] + " " + f[4] + " " + f[5]);
            }
        }
        return rows;
    }

    static List<SyncRecord> records(String... datagrams) throws IOException {
        List<SyncRecord> records = new ArrayList<>();
        for (String d : datagrams) {
            assertEquals(SyncMessageReader.Outcome.OK, SyncMessageReader.read(ByteBuffer.wrap(bytes(d)), 7, records::add),
                    d);
        }
        return records;
    }

    /** The entries a backup ends with: the last record of each (protocol, client, virtual) wins. */
    static Set<String> installedRows(List<SyncRecord> records) {
        Map<String, String> byKey = new LinkedHashMap<>();
        for (SyncRecord r : records) {
            String protocol = r.protocol() == 6 ? "TCP" : "UDP";
            String client = r.client().getHostAddress() + ":" + r.clientPort();
            String virtual = r.virtual().getHostAddress() + ":" + r.virtualPort();
            String state = r.template() ? (r.state() == 1 ? "ASSURED" : "NONE")
                    : r.protocol() == 6 ? STATES[r.state()] : "UDP";
            byKey.put(protocol + " " + client + " " + virtual, protocol + " " + state + " " + client + " " + virtual
                    + " " + r.destination().getHostAddress() + ":" + r.destinationPort());
        }
        return new TreeSet<>(byKey.values());
    }

    @Test
    void aKernelBackupInstalledExactlyWhatAJvsMastersDatagramsCarry() throws IOException {
        List<SyncRecord> records = records("jvs-master-01.bin", "jvs-master-02.bin", "jvs-master-03.bin");
        assertEquals(82, records.size());
        Set<String> kernel = listedRows("kernel-backup-of-jvs-Lnc.txt");
        assertEquals(16, kernel.size(), "4 templates and 12 DR connections");
        assertEquals(kernel, installedRows(records));
        assertEquals(listedRows("jvs-master-Lnc.txt"), kernel, "and that is what the JVS master listed");
    }

    @Test
    void jvsDatagramsAreWhatTheWriterProducesFromTheirRecordsByteForByte() throws IOException {
        for (String d : List.of("jvs-master-01.bin", "jvs-master-02.bin", "jvs-master-03.bin")) {
            SyncMessageWriter writer = new SyncMessageWriter(1472, 7);
            for (SyncRecord r : records(d)) assertEquals(true, writer.add(r));
            ByteBuffer out = writer.finish();
            byte[] written = new byte[out.remaining()];
            out.get(written);
            assertArrayEquals(bytes(d), written, d);
        }
    }

    @Test
    void everyRecordOfTheKernelMastersDatagramsIsUnderstood() throws IOException {
        List<SyncRecord> records = records("kernel-master-01.bin", "kernel-master-02.bin", "kernel-master-03.bin",
                "kernel-master-04.bin");
        assertEquals(37 + 27 + 9 + 20, records.size(), "nothing skipped");
        // What the kernel backup listed had received the first three datagrams (the fourth closed the held flows).
        assertEquals(listedRows("kernel-backup-of-kernel-Lnc.txt"),
                installedRows(records.subList(0, 37 + 27 + 9)));
        assertEquals(listedRows("kernel-master-Lnc.txt"), listedRows("kernel-backup-of-kernel-Lnc.txt"));
    }
}
