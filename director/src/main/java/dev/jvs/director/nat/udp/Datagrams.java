package dev.jvs.director.nat.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Datagram buffers sized to their datagram. A UDP socket must read into room for the largest datagram (64 KiB:
 * a smaller buffer would cut a larger datagram short), but a DNS query is a hundred bytes, and a datagram waits
 * in its buffer until it is sent on (behind others in a busy socket's queue, or until a new upstream socket is
 * connected). So each datagram is handed on in a pooled buffer of its own size, and the read buffer goes straight
 * back to the pool, where the next read on the same event loop takes it again: one 64 KiB buffer per loop is in
 * use for reading, and what waits is proportional to the datagrams' sizes.
 */
final class Datagrams {

    private Datagrams() {}

    /**
     * {@code content} in a buffer of about its own size; takes ownership of {@code content}. A datagram that fills
     * at least half of its buffer is passed on as it is: copying it would save little.
     */
    static ByteBuf rightSized(ByteBuf content, ByteBufAllocator alloc) {
        int size = content.readableBytes();
        if (size >= content.capacity() / 2) {
            return content;
        }
        ByteBuf copy = alloc.directBuffer(size);
        copy.writeBytes(content, content.readerIndex(), size);
        content.release();
        return copy;
    }
}
