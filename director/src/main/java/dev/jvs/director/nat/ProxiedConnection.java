package dev.jvs.director.nat;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.Direction;
import dev.jvs.director.conn.TcpEvent;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;

/**
 * The two halves of one proxied TCP connection and its connection-table entry. Both channels run on the same
 * event loop, so this object is only ever touched by one thread.
 *
 * <p>The entry follows IPVS's TCP state machine as if the director saw the packets of a kernel NAT
 * connection: accept = client SYN (SYN_RECV), backend connected = server SYN-ACK + client ACK (ESTABLISHED),
 * each side's end of stream = its FIN, an error = its RST. Once both sockets are closed the entry is released
 * and stays in the table for its state's timeout (TIME_WAIT after a clean close), counted as inactive,
 * exactly like a kernel entry.
 */
final class ProxiedConnection {

    final Channel client;
    final Connection entry;
    Channel backend;
    boolean backendReady;
    private boolean clientOpen = true;
    private boolean backendOpen = true;
    private boolean released;

    ProxiedConnection(Channel client, Connection entry) {
        this.client = client;
        this.entry = entry;
    }

    void backendConnected() {
        entry.tcpEvent(Direction.OUTPUT, TcpEvent.SYN);
        entry.tcpEvent(Direction.INPUT, TcpEvent.ACK);
        backendReady = true;
        client.config().setAutoRead(true);
        backend.config().setAutoRead(true);
    }

    /** The real server refused or did not answer: the client is closed at once, never left hanging. */
    void backendFailed() {
        backendOpen = false;
        entry.tcpEvent(Direction.OUTPUT, TcpEvent.RST);
        client.close();
    }

    /** The client sent FIN: pass the half-close on once everything it sent is flushed. */
    void clientFinished() {
        entry.tcpEvent(Direction.INPUT, TcpEvent.FIN);
        shutdownOutputAfterFlush(backend);
    }

    /** The real server sent FIN. */
    void backendFinished() {
        entry.tcpEvent(Direction.OUTPUT, TcpEvent.FIN);
        shutdownOutputAfterFlush(client);
    }

    void clientClosed() {
        clientOpen = false;
        if (backend != null && backend.isActive()) closeAfterFlush(backend);
        releaseIfDone();
    }

    void backendClosed() {
        backendOpen = false;
        if (client.isActive()) closeAfterFlush(client);
        releaseIfDone();
    }

    void reset(Direction from) {
        entry.tcpEvent(from, TcpEvent.RST);
    }

    private void releaseIfDone() {
        if (!clientOpen && (!backendOpen || backend == null || !backend.isOpen()) && !released) {
            released = true;
            entry.release(System.nanoTime());
        }
    }

    private static void shutdownOutputAfterFlush(Channel ch) {
        if (ch == null || !ch.isActive()) return;
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            Channel c = f.channel();
            if (!c.isActive()) return;
            DuplexChannel duplex = (DuplexChannel) c;
            if (duplex.isInputShutdown()) {
                c.close();
            } else {
                duplex.shutdownOutput();
            }
        });
    }

    private static void closeAfterFlush(Channel ch) {
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
