package dev.jvs.e2e;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IPv6 services, statistics, rates, -Z and the sync-daemon listing through the real director and CLI. */
class ListingsIT {

    @TempDir
    Path dir;

    @Test
    void ipv6ServiceForwardsOnLoopbackAndListsInBrackets() throws Exception {
        HttpServer backend = HttpServer.create(new InetSocketAddress("::1", 0), 10);
        backend.createContext("/", ex -> {
            byte[] body = "six".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        backend.start();
        try (DirectorProcess director = DirectorProcess.start(dir)) {
            int vport = NatForwardingIT.freePort();
            int rport = backend.getAddress().getPort();
            director.ok("-A", "-t", "[::1]:" + vport, "-s", "rr");
            director.ok("-a", "-t", "[::1]:" + vport, "-r", "[::1]:" + rport, "-m");
            assertEquals("six", get("http://[::1]:" + vport + "/"));
            String listed = director.ok("-L", "-n", "-t", "[::1]:" + vport);
            assertEquals("""
                    Prot LocalAddress:Port Scheduler Flags
                      -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
                    TCP  [::1]:%d rr
                    """.formatted(vport) + String.format("  -> %-28s %-7s %-6d %-10d %-10d%n",
                    "[::1]:" + rport, "Masq", 1, 1, 0), listed); // the client keeps its connection alive
            assertEquals("-A -t [::1]:%d -s rr\n-a -t [::1]:%d -r [::1]:%d -m -w 1\n".formatted(vport, vport, rport),
                    director.ok("-S", "-n"));
        } finally {
            backend.stop(0);
        }
    }

    @Test
    void statsCountTrafficRatesFollowAndZeroResetsThem() throws Exception {
        try (Backends backends = new Backends("A"); DirectorProcess director = DirectorProcess.start(dir)) {
            String vip = "127.0.0.1:" + NatForwardingIT.freePort();
            director.ok("-A", "-t", vip, "-s", "rr");
            director.ok("-a", "-t", vip, "-r", backends.address(0), "-m");
            for (int i = 0; i < 10; i++) assertEquals("A", get("http://" + vip + "/"));

            String[] service = row(director.ok("-L", "-n", "--stats", "--exact"), "TCP  " + vip);
            assertEquals("10", service[2], "Conns");
            assertTrue(Long.parseLong(service[3]) >= 10 && Long.parseLong(service[5]) > 0, "InPkts/InBytes counted");
            assertTrue(Long.parseLong(service[4]) >= 10 && Long.parseLong(service[6]) > 0, "OutPkts/OutBytes counted");
            String[] server = row(director.ok("-L", "-n", "--stats", "--exact"), "  -> " + backends.address(0));
            assertEquals("10", server[2]);

            Thread.sleep(4500); // at least one 2-second estimator sample after the traffic
            String[] rate = row(director.ok("-L", "-n", "--rate"), "TCP  " + vip);
            assertTrue(Long.parseLong(rate[5]) > 0, "InBPS estimated from the counted bytes: " + String.join(" ", rate));

            director.ok("-Z");
            String zeroed = director.ok("-L", "-n", "--stats");
            assertEquals(String.format("%-33s%9d%9d%9d%9d%9d", "TCP  " + vip, 0, 0, 0, 0, 0),
                    zeroed.lines().filter(l -> l.startsWith("TCP")).findFirst().orElseThrow());
            assertTrue(director.ok("-L", "-n", "--rate").contains(String.format("%-33s%9d%9d%9d%9d%9d", "TCP  " + vip, 0, 0, 0, 0, 0)));
        }
    }

    @Test
    void syncDaemonsAreStartedStoppedAndListedAsTheKernelShowsThem() throws Exception {
        try (DirectorProcess director = DirectorProcess.start(dir)) {
            assertEquals("", director.ok("-L", "--daemon"));
            director.ok("--start-daemon", "master", "--mcast-interface", "lo", "--syncid", "7");
            assertEquals("master sync daemon (mcast=lo, syncid=7, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n",
                    director.ok("-L", "--daemon"));
            DirectorProcess.Result again = director.ipvsadm("--start-daemon", "master", "--mcast-interface", "lo");
            assertEquals(255, again.status());
            assertEquals("Daemon has already run\n", again.err());
            director.ok("--stop-daemon", "master");
            DirectorProcess.Result none = director.ipvsadm("--stop-daemon", "master");
            assertEquals("No daemon is running\n", none.err());
            String log = director.log();
            assertTrue(log.contains("master sync daemon started (mcast=lo, syncid=7") && log.contains("master sync daemon stopped"), log);
        }
    }

    private static String[] row(String listing, String prefix) {
        return listing.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(
                () -> new AssertionError("no row " + prefix + " in\n" + listing)).trim().split(" +");
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }
}
