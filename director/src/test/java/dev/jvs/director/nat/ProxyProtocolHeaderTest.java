package dev.jvs.director.nat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ProxyProtocolHeaderTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 40123);
    private static final InetSocketAddress VIP = new InetSocketAddress("10.0.0.1", 80);

    @Test
    void v1IsOneTextLineWithTheClientAsSourceAndTheVipAsDestination() {
        EmbeddedChannel backend = new EmbeddedChannel();
        ProxyProtocolHeader.send(backend, HAProxyProtocolVersion.V1, CLIENT, VIP);
        ByteBuf written = backend.readOutbound();
        assertEquals("PROXY TCP4 192.0.2.7 10.0.0.1 40123 80\r\n", written.toString(StandardCharsets.US_ASCII));
        written.release();
    }

    @Test
    void v2DecodesToTheClientAndVip() {
        HAProxyMessage decoded = roundTrip(HAProxyProtocolVersion.V2, CLIENT, VIP);
        assertEquals(HAProxyProtocolVersion.V2, decoded.protocolVersion());
        assertEquals(HAProxyProxiedProtocol.TCP4, decoded.proxiedProtocol());
        assertEquals("192.0.2.7", decoded.sourceAddress());
        assertEquals(40123, decoded.sourcePort());
        assertEquals("10.0.0.1", decoded.destinationAddress());
        assertEquals(80, decoded.destinationPort());
        decoded.release();
    }

    @Test
    void ipv6ClientsGetATcp6Header() {
        HAProxyMessage decoded = roundTrip(HAProxyProtocolVersion.V2,
                new InetSocketAddress("2001:db8::7", 50000), new InetSocketAddress("2001:db8::1", 443));
        assertEquals(HAProxyProxiedProtocol.TCP6, decoded.proxiedProtocol());
        assertEquals("2001:db8:0:0:0:0:0:7", decoded.sourceAddress());
        decoded.release();
    }

    @Test
    void theEncoderLeavesThePipelineOnceTheHeaderIsWritten() {
        EmbeddedChannel backend = new EmbeddedChannel();
        ProxyProtocolHeader.send(backend, HAProxyProtocolVersion.V2, CLIENT, VIP);
        assertNull(backend.pipeline().get(HAProxyMessageEncoder.class));
        backend.finishAndReleaseAll();
    }

    private static HAProxyMessage roundTrip(HAProxyProtocolVersion version, InetSocketAddress client,
                                            InetSocketAddress vip) {
        EmbeddedChannel backend = new EmbeddedChannel();
        ProxyProtocolHeader.send(backend, version, client, vip);
        ByteBuf written = backend.readOutbound();
        EmbeddedChannel realServer = new EmbeddedChannel(new HAProxyMessageDecoder());
        realServer.writeInbound(written);
        return realServer.readInbound();
    }
}
