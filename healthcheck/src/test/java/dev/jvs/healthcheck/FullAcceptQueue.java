package dev.jvs.healthcheck;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback listener that never accepts and whose accept queue is full, so
 * Linux drops every further SYN and a connect to it times out. Stays on
 * 127.0.0.1: no test traffic leaves the machine.
 */
final class FullAcceptQueue implements AutoCloseable {

    private static final int MAX_FILLERS = 32;
    private static final int FILLER_TIMEOUT_MILLIS = 300;

    private final ServerSocket listener;
    private final List<Socket> fillers = new ArrayList<>();

    FullAcceptQueue() throws IOException {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        try {
            fill();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Connects until one connect times out: from then on the queue is full. */
    private void fill() throws IOException {
        for (int i = 0; i < MAX_FILLERS; i++) {
            Socket filler = new Socket();
            fillers.add(filler);
            try {
                filler.connect(address(), FILLER_TIMEOUT_MILLIS);
            } catch (SocketTimeoutException full) {
                return;
            }
        }
        throw new IllegalStateException("accept queue still not full after " + MAX_FILLERS + " connections");
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    @Override
    public void close() throws IOException {
        for (Socket filler : fillers) filler.close();
        listener.close();
    }
}
