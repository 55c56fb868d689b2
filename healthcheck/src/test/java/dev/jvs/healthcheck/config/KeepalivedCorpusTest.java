package dev.jvs.healthcheck.config;

import dev.jvs.ipvsadm.Listing;
import dev.jvs.ipvsadm.NumericNames;
import dev.jvs.model.ListOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Realistic keepalived.conf files, each checked against the {@code ipvsadm -Ln} listing of the table it builds
 * at start-up ({@code NAME.ipvsadm}) and the warnings and errors it gives ({@code NAME.messages}).
 */
class KeepalivedCorpusTest {

    static Path corpus() {
        try {
            return Path.of(KeepalivedCorpusTest.class.getResource("/keepalived").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The listing of the start-up table, as {@code ipvsadm -Ln} would print it. */
    static String listing(KeepalivedConfig config) {
        return Listing.list(TablePlan.startView(config.virtualServers(), 4096), ListOptions.NUMERIC, null,
                NumericNames.INSTANCE);
    }

    /** Every problem, one a line, with file names relative to the corpus directory. */
    static String messages(KeepalivedConfig config) {
        String dir = corpus().toString() + "/";
        return config.problems().stream().map(p -> p.toString().replace(dir, "") + "\n").collect(Collectors.joining());
    }

    private static String expected(String name) throws IOException {
        return Files.readString(corpus().resolve(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lvs-dr", "mysql-fo", "http-digest", "includes/main", "udp-default"})
    void validConfigBuildsTheExpectedTable(String name) throws IOException {
        KeepalivedConfig config = KeepalivedConfig.load(corpus().resolve(name + ".conf"));
        assertFalse(config.hasErrors(), () -> messages(config));
        assertEquals(expected(name + ".ipvsadm"), listing(config));
        assertEquals(expected(name + ".messages"), messages(config));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad-values", "bad-structure", "unknown-keyword"})
    void faultyConfigNamesFileLineAndProblem(String name) throws IOException {
        KeepalivedConfig config = KeepalivedConfig.load(corpus().resolve(name + ".conf"));
        assertEquals(expected(name + ".messages"), messages(config));
        assertEquals(expected(name + ".ipvsadm"), listing(config));
    }

    @Test
    void otherSectionsAreKeptAsBlocksWithTheirLocation() {
        KeepalivedConfig config = KeepalivedConfig.load(corpus().resolve("lvs-dr.conf"));
        ConfigNode vrrp = config.blocks("vrrp_instance").get(0);
        assertEquals(14, vrrp.location().line());
        assertEquals("VI_1", vrrp.args().get(0));
        assertEquals("51", vrrp.child("virtual_router_id").orElseThrow().args().get(0));
        assertEquals("1111", vrrp.child("authentication").orElseThrow().child("auth_pass").orElseThrow().args().get(0));
        assertEquals(1, config.blocks("global_defs").size());
    }

    @Test
    void includedFilesReportTheirOwnFileAndLine() {
        KeepalivedConfig config = KeepalivedConfig.load(corpus().resolve("includes/main.conf"));
        VirtualServerDef mail = config.virtualServers().stream()
                .filter(vs -> vs.name().contains("198.51.100.25")).findFirst().orElseThrow();
        assertTrue(mail.location().file().endsWith("includes/sites/mail.conf"), mail.location().toString());
        assertEquals(1, mail.location().line());
    }

    @ParameterizedTest
    @ValueSource(strings = {"keepalived-nat.conf", "keepalived-dr.conf"})
    void shippedExamplesAreCleanUnderConfigTest(String name) {
        KeepalivedConfig config = KeepalivedConfig.load(Path.of("..", "examples", name));
        assertEquals("", messages(config));
        assertEquals(1, config.virtualServers().size());
        assertEquals(2, config.virtualServers().get(0).realServers().size());
    }
}
