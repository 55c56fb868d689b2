package dev.jvs.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;

/** A one-thread TCP echo server on loopback that holds thousands of connections and counts the open ones. */
final class EchoServer implements AutoCloseable {

    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread loop;
    private final AtomicInteger open = new AtomicInteger();

    EchoServer() throws IOException {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        server.configureBlocking(false);
        selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
        loop = new Thread(this::run, "echo-server");
        loop.setDaemon(true);
        loop.start();
    }

    int port() { return server.socket().getLocalPort(); }

    /** Connections the server has accepted and not yet seen closed. */
    int openConnections() { return open.get(); }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        try {
            while (selector.isOpen()) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isAcceptable()) {
                        for (SocketChannel ch; (ch = server.accept()) != null; ) {
                            ch.configureBlocking(false);
                            ch.register(selector, SelectionKey.OP_READ);
                            open.incrementAndGet();
                        }
                    } else if (key.isReadable()) {
                        SocketChannel ch = (SocketChannel) key.channel();
                        buf.clear();
                        int n;
                        try {
                            n = ch.read(buf);
                        } catch (IOException e) {
                            n = -1;
                        }
                        if (n < 0) {
                            key.cancel();
                            ch.close();
                            open.decrementAndGet();
                        } else {
                            buf.flip();
                            while (buf.hasRemaining()) ch.write(buf); // small echoes: loopback buffers suffice
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | java.nio.channels.ClosedSelectorException e) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
        server.close();
    }
}
