package dev.jvs.healthcheck.config;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The keepalived reader on any text and any include graph: a result (with problems) or a ConfigException,
 * within a time bound, and never another exception. Fixed seeds replay; the example is the saved corpus.
 */
class KeepalivedReaderProperties {

    private static final Duration BOUND = Duration.ofSeconds(5);

    static final List<String> PIECES = List.of("virtual_server", "real_server", "10.0.0.1", "80", "{", "}", "{}",
            "}}", "{{", "\"", "'", "\\", "#", "!", "$A", "$B", "${A}", "$A=", "$B=$A $A $A", "@host", "@^host",
            "include", "includer", "f0.conf", "f1.conf", "f2.conf", "*.conf", "{f1,f2}.conf", "/dev/zero",
            "lb_algo", "rr", "lb_kind", "NAT", "DR", "protocol", "TCP", "delay_loop", "-1", "99999999999",
            "TCP_CHECK", "HTTP_GET", "url", "path", "status_code", "200-299", "vrrp_instance", "VI_1", "state",
            "MASTER", "virtual_router_id", "300", "priority", "virtual_ipaddress", "10.0.0.100/24", "global_defs",
            "~SEQ(A,1,3)", "\u00e9", "\t", " ", "\\x41", "\\0");

    @Provide
    Arbitrary<String> text() {
        Arbitrary<String> line = Arbitraries.of(PIECES).list().ofMaxSize(8).map(words -> String.join(" ", words));
        Arbitrary<String> junk = Arbitraries.strings().ofMaxLength(40);
        return Arbitraries.frequencyOf(Tuple.of(9, line), Tuple.of(1, junk)).list().ofMaxSize(25)
                .map(lines -> String.join("\n", lines));
    }

    @Property(seed = "1310", tries = 1000)
    void anyTextGivesAResultQuickly(@ForAll("text") String text) {
        ConfigReader.Result result = assertTimeoutPreemptively(BOUND, () -> ConfigReader.read(text, "fuzz.conf"));
        assertNotNull(result.roots());
    }

    @Property(seed = "1311", tries = 200)
    void anyIncludeGraphGivesAConfigurationOrAConfigExceptionQuickly(@ForAll("text") String main,
                                                                     @ForAll("text") String f0,
                                                                     @ForAll("text") String f1,
                                                                     @ForAll("text") String f2) throws IOException {
        Path dir = Files.createTempDirectory("jvs-fuzz");
        try {
            // Every file may include any other (or itself): loops, diamonds and globs.
            Files.writeString(dir.resolve("main.conf"), main + "\ninclude f0.conf\n");
            Files.writeString(dir.resolve("f0.conf"), f0 + "\ninclude {f1,f2}.conf\n");
            Files.writeString(dir.resolve("f1.conf"), f1 + "\ninclude *.conf\n");
            Files.writeString(dir.resolve("f2.conf"), f2);
            assertTimeoutPreemptively(BOUND, () -> {
                try {
                    assertNotNull(KeepalivedConfig.loadValid(dir.resolve("main.conf")));
                } catch (ConfigException expected) {
                    assertNotNull(expected.getMessage());
                }
            });
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    @Example
    void savedCorpus() {
        for (String text : List.of("{", "}", "{\n{\n", "\"", "a \\", "$A=$A\n$A", "$A=x\n$B=$A $A\nx $B",
                "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\n", "@host\n@^host x", "~SEQ(A,1,3)",
                "include", "include \"", "includer nosuch.conf", "vrrp_instance {\n}\n", "\\x", "\\c")) {
            assertNotNull(assertTimeoutPreemptively(BOUND, () -> ConfigReader.read(text, "corpus.conf")));
        }
    }
}
