package dev.jvs.e2e;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A real server for the namespace tests: on each port given, answers every HTTP request with
 * "PEER_IP PORT", the source address of the TCP connection it accepted and its own port. Prints "ready" once
 * all ports listen.
 */
public final class PeerEchoServer {

    public static void main(String[] ports) throws IOException {
        for (String port : ports) {
            HttpServer server = HttpServer.create(new InetSocketAddress(Integer.parseInt(port)), 64);
            server.createContext("/", exchange -> {
                byte[] body = (exchange.getRemoteAddress().getAddress().getHostAddress() + " " + port)
                        .getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
        }
        System.out.println("ready");
    }
}
