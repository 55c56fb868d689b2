package dev.jvs.director;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code --sync-peer ADDR[:PORT]}: port 0 stands for the sync daemon's own port. */
class SyncPeerOptionTest {

    @Test
    void acceptsAnAddressAnAddressWithPortAndABracketedIpv6AddressWithPort() {
        assertEquals(List.of(new InetSocketAddress("10.0.0.2", 0), new InetSocketAddress("10.0.0.3", 9000),
                        new InetSocketAddress("2001:db8::2", 0), new InetSocketAddress("2001:db8::3", 8848),
                        new InetSocketAddress("2001:db8::4", 0)),
                Stream.of("10.0.0.2", "10.0.0.3:9000", "2001:db8::2", "[2001:db8::3]:8848", "[2001:db8::4]")
                        .map(new OptionConverters.Peer()::convert).toList());
    }

    @Test
    void refusesAPortOutOfRangeOrNotANumber() {
        for (String bad : List.of("10.0.0.2:70000", "10.0.0.2:x", "[2001:db8::3]x", ":80")) {
            assertThrows(TypeConversionException.class, () -> new OptionConverters.Peer().convert(bad), bad);
        }
    }
}
