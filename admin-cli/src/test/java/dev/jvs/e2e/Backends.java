package dev.jvs.e2e;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/** Real HTTP backends on loopback (JDK HttpServer), each answering with its name; one path serves a big body. */
final class Backends implements AutoCloseable {

    /** Size of the body served at /big, slowly, so a transfer is still running when its server is deleted. */
    static final int BIG_BODY = 24 * 1024 * 1024;

    private final List<HttpServer> servers = new ArrayList<>();

    Backends(String... names) throws IOException {
        for (String name : names) {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/", exchange -> {
                byte[] body = name.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Connection", "close");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.createContext("/big", exchange -> {
                exchange.sendResponseHeaders(200, BIG_BODY);
                try (OutputStream out = exchange.getResponseBody()) {
                    byte[] chunk = new byte[64 * 1024];
                    for (int sent = 0; sent < BIG_BODY; sent += chunk.length) {
                        fill(chunk, sent);
                        out.write(chunk);
                        if (sent < BIG_BODY / 4) pause(); // slow start: the test deletes the server meanwhile
                    }
                }
            });
            server.start();
            servers.add(server);
        }
    }

    /** Deterministic content, so the client can check the body it received. */
    static void fill(byte[] chunk, int offset) {
        for (int i = 0; i < chunk.length; i++) chunk[i] = (byte) ((offset + i) * 31 + ((offset + i) >>> 11));
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int port(int index) { return servers.get(index).getAddress().getPort(); }

    String address(int index) { return "127.0.0.1:" + port(index); }

    @Override
    public void close() {
        for (HttpServer s : servers) s.stop(0);
    }
}
