package dev.jvs.director.nat.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DatagramsTest {

    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    /** A datagram as a socket reads it: into room for the largest one. */
    private ByteBuf read(int size) {
        ByteBuf buf = alloc.directBuffer(UdpNatListener.MAX_DATAGRAM);
        for (int i = 0; i < size; i++) buf.writeByte(i * 31);
        return buf;
    }

    @Test
    void aSmallDatagramMovesToABufferOfItsOwnSizeAndItsReadBufferIsFreed() {
        ByteBuf read = read(100);
        String bytes = ByteBufUtil.hexDump(read);
        ByteBuf sized = Datagrams.rightSized(read, alloc);
        try {
            assertEquals(0, read.refCnt(), "the 64 KiB read buffer went back to the pool");
            assertEquals(bytes, ByteBufUtil.hexDump(sized));
            assertTrue(sized.capacity() < 200, "capacity " + sized.capacity());
        } finally {
            sized.release();
        }
    }

    @Test
    void aDatagramFillingHalfItsBufferIsPassedOnAsItIs() {
        ByteBuf read = read(40_000);
        ByteBuf sized = Datagrams.rightSized(read, alloc);
        assertSame(read, sized);
        assertEquals(40_000, sized.readableBytes());
        sized.release();
    }

    @Test
    void anEmptyDatagramStaysEmpty() {
        ByteBuf sized = Datagrams.rightSized(read(0), alloc);
        assertEquals(0, sized.readableBytes());
        sized.release();
    }
}
