package dev.jvs.fuzz;

import dev.jvs.control.ControlRequest;
import dev.jvs.ipvsadm.IpvsadmParser;
import dev.jvs.ipvsadm.ServicesDatabase;
import dev.jvs.model.IpvsadmException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Any argument list gives a command or one of ipvsadm's errors, and any bytes on the control socket give a
 * request or an IOException: never another exception, never a hang. Fixed seeds, so a failure replays; the
 * examples are the saved corpus of inputs that once broke (or nearly broke) a parser.
 */
class IpvsadmGrammarProperties {

    static final List<String> WORDS = List.of("-A", "-E", "-D", "-C", "-R", "-S", "-a", "-e", "-d", "-L", "-l", "-Z",
            "-t", "-u", "-f", "--sctp-service", "-s", "-p", "-M", "-r", "-g", "-i", "-m", "-w", "-x", "-y", "-n",
            "-c", "--stats", "--rate", "--thresholds", "--persistent-conn", "--exact", "--sort", "--set",
            "--start-daemon", "--stop-daemon", "--mcast-interface", "--syncid", "--tun-type", "--tun-port",
            "--tun-nocsum", "--tun-csum", "--tun-remcsum", "-b", "--pe", "--sched-flags", "-o", "--ops", "-6",
            "-h", "--help", "-v", "--version", "--", "-", "rr", "wlc", "sh", "mh", "sh-fallback,sh-port", "sip",
            "master", "backup", "gue", "ipip", "gre", "10.0.0.1:80", "10.0.0.1", "[2001:db8::1]:443", "[::1]",
            "0", "1", "65535", "65536", "-1", "4294967295", "2678400", "99999999999999999999", "255.255.255.0",
            "/64", "localhost:http", "127.0.0.1:0", "1.2.3", "0x7f.1", "[", "]", ":", "", " ", "-tu", "-At");

    @Provide
    Arbitrary<List<String>> argv() {
        Arbitrary<String> word = Arbitraries.of(WORDS);
        Arbitrary<String> junk = Arbitraries.strings().withChars("0123456789.:[]/-,%x").ofMaxLength(12);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, word), net.jqwik.api.Tuple.of(2, junk)).list().ofMaxSize(12);
    }

    @Property(seed = "1300")
    void anyArgumentListGivesACommandOrIpvsadmsError(@ForAll("argv") List<String> args) {
        parses(args);
    }

    private static void parses(List<String> args) {
        try {
            assertNotNull(IpvsadmParser.parse("ipvsadm", args, ServicesDatabase.system()));
        } catch (IpvsadmException e) {
            assertNotNull(e.getMessage());
            assertFalse(e.getMessage().contains("Exception"), e.getMessage());
        }
    }

    @Example
    void savedArgumentCorpus() {
        for (List<String> args : List.of(
                List.of("-A", "-t", "[", "-s"), List.of("-a", "-t", "10.0.0.1:80", "-r", ":"),
                List.of("--set", "99999999999999999999", "1", "1"), List.of("-A", "-f", "-1"),
                List.of("-p", "--", "-A"), List.of("-tu"), List.of("-A", "-t", "[2001:db8::1]:443", "-M", "/64"),
                List.of("-L", "--sort", "--exact", "-c", "-n", "--rate", "--stats"))) {
            parses(args);
        }
    }

    @Property(seed = "1301")
    void anyBytesOnTheControlSocketGiveARequestOrAnIOException(@ForAll("controlBytes") byte[] bytes) {
        decodes(bytes);
    }

    @Provide
    Arbitrary<byte[]> controlBytes() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        Arbitrary<byte[]> shaped = Arbitraries.of("jvs1", "\t", "\n", "ipvsadm", "batch", "single", "1", "-1",
                        "99999999999", "-A", "\r", "\u00e9", "\0").list().ofMaxSize(30)
                .map(parts -> String.join("", parts).getBytes(StandardCharsets.UTF_8));
        return Arbitraries.oneOf(random, shaped);
    }

    private static void decodes(byte[] bytes) {
        try {
            assertNotNull(ControlRequest.read(new BufferedReader(new InputStreamReader(
                    new ByteArrayInputStream(bytes), StandardCharsets.UTF_8))));
        } catch (IOException expected) {
            assertNotNull(expected.getMessage());
        }
    }

    @Example
    void savedControlCorpus() {
        for (String text : List.of("", "\n", "jvs1", "jvs1\t\t", "jvs1\tp\tbatch\n\n", "jvs1\tp\tsingle\nx\t-A\n",
                "jvs1\tp\tbatch\n99999999999\t-A\n", "jvs1\tp\tbatch\n-1\n", "GET / HTTP/1.0\r\n\r\n")) {
            decodes(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
