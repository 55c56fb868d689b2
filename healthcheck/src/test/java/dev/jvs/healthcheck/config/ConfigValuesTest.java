package dev.jvs.healthcheck.config;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigValuesTest {

    private static ConfigNode line(String keyword, String... args) {
        return new ConfigNode(keyword, List.of(args), List.of(), false, new Location(Path.of("k.conf"), 7));
    }

    @Test
    void timersAreSecondsWithFractionsToTheMicrosecond() throws Exception {
        assertEquals(Duration.ofMillis(1500), ConfigValues.timer(line("delay_loop", "1.5")));
        assertEquals(Duration.ofNanos(1000), ConfigValues.timer(line("delay_loop", "0.000001")));
        assertEquals(250, ConfigValues.millis(line("garp_master_delay", "0.25")));
        ConfigException bad = assertThrows(ConfigException.class, () -> ConfigValues.timer(line("delay_loop", "soon")));
        assertEquals("k.conf:7: error: invalid time 'soon'", bad.getMessage());
        assertThrows(ConfigException.class, () -> ConfigValues.timer(line("delay_loop", "-1")));
        assertEquals("delay_loop must be greater than 0",
                assertThrows(ConfigException.class, () -> ConfigValues.positiveTimer(line("delay_loop", "0"))).reason());
    }

    @Test
    void booleansTakeKeepalivedsWordsAndABareKeyword() throws Exception {
        assertTrue(ConfigValues.bool(line("alpha"), true));
        assertFalse(ConfigValues.bool(line("alpha", "no"), true));
        assertTrue(ConfigValues.bool(line("alpha", "On"), false));
        assertThrows(ConfigException.class, () -> ConfigValues.bool(line("alpha", "maybe"), true));
    }

    @Test
    void integersAndPortsAreRangeChecked() throws Exception {
        assertEquals(255, ConfigValues.integer(line("priority", "255"), 1, 255));
        assertEquals("priority 256 is out of range 1..255",
                assertThrows(ConfigException.class, () -> ConfigValues.integer(line("priority", "256"), 1, 255)).reason());
        assertEquals("invalid priority 'x'",
                assertThrows(ConfigException.class, () -> ConfigValues.integer(line("priority", "x"), 1, 255)).reason());
        assertEquals(80, ConfigValues.port(line("real_server", "10.0.0.1", "80"), 1, 0));
        assertEquals(0, ConfigValues.port(line("real_server", "10.0.0.1"), 1, 0));
        assertThrows(ConfigException.class, () -> ConfigValues.port(line("x"), "65536"));
    }

    @Test
    void addressesAreLiteralsNeverNames() throws Exception {
        assertEquals(InetAddress.getByName("10.0.0.1"), ConfigValues.address(line("x"), "10.0.0.1"));
        assertEquals(InetAddress.getByName("2001:db8::1"), ConfigValues.address(line("x"), "2001:db8::1"));
        for (String bad : List.of("10.1", "10.0.0.300", "localhost", "abc")) {
            assertThrows(ConfigException.class, () -> ConfigValues.address(line("x"), bad), bad);
        }
    }

    @Test
    void rangesCountUpTheLastPartOfTheAddress() throws Exception {
        assertEquals(List.of(InetAddress.getByName("10.0.0.3"), InetAddress.getByName("10.0.0.4")),
                ConfigValues.addressRange(line("x"), "10.0.0.3-4"));
        List<InetAddress> v6 = ConfigValues.addressRange(line("x"), "ae00::2-9");
        assertEquals(8, v6.size());
        assertEquals(InetAddress.getByName("ae00::9"), v6.get(7));
        assertEquals(4, ConfigValues.addressRange(line("x"), "10.0.0.0/30").size());
        assertThrows(ConfigException.class, () -> ConfigValues.addressRange(line("x"), "10.0.0.9-4"));
        assertThrows(ConfigException.class, () -> ConfigValues.addressRange(line("x"), "10.0.0.0/8"));
    }

    @Test
    void scriptsSplitOnWhitespaceWithoutAShellAndQuotesGroupWords() {
        assertEquals(List.of("/usr/bin/killall", "-0", "haproxy"), ConfigValues.argv("/usr/bin/killall  -0 haproxy"));
        assertEquals(List.of("/bin/sh", "-c", "exit 3"), ConfigValues.argv("/bin/sh -c 'exit 3'"));
        assertEquals(List.of("/bin/echo", "a b", "c"), ConfigValues.argv("/bin/echo \"a b\" c"));
    }
}
