package dev.jvs.e2e;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real director tunnelling (-i) to real servers one routed hop away, which decapsulate with the userspace
 * bin/jvs-tun-rs; a large upload with DF set makes the director answer "fragmentation needed".
 */
class TunnelIT extends DirectorInNamespaces {

    @Override
    Namespaces topology(Path dir) throws Exception {
        return Namespaces.createTunnelled(dir);
    }

    private void tunService(String port) throws Exception {
        director.ok("-A", "-t", Namespaces.VIP + ":" + port, "-s", "rr");
        director.ok("-a", "-t", Namespaces.VIP + ":" + port, "-r", Namespaces.TUN_RS1, "-i");
        director.ok("-a", "-t", Namespaces.VIP + ":" + port, "-r", Namespaces.TUN_RS2, "-i");
    }

    @Test
    void httpRequestsReachBothTunnelledRealServers() throws Exception {
        tunService("80");
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) answers.add(net.curl("/"));
        assertEquals(List.of("RS2", "RS1", "RS2", "RS1"), answers,
                director.log() + net.log("r1-tun-rs.log") + net.log("r2-tun-rs.log"));
        assertTrue(director.ok("-Ln").contains("Tunnel"));
    }

    @Test
    void aLargeDfUploadShrinksToThePathMtuAfterFragmentationNeeded() throws Exception {
        tunService("7000");
        String reply = net.runIn("c", "python3", "-c", """
                import socket, sys
                s = socket.create_connection((sys.argv[1], 7000), timeout=20)
                # Linux sets DF on TCP (path MTU discovery); 1460-byte segments cannot fit the tunnel
                n = 2 * 1024 * 1024
                s.sendall(b"upload %d\\n" % n)
                s.sendall(b"x" * n)
                print(s.makefile().readline().strip())
                """, Namespaces.VIP).trim();
        assertTrue(reply.equals("RS1 2097152") || reply.equals("RS2 2097152"), reply + "\n" + director.log());
        String route = net.runIn("c", "ip", "route", "get", Namespaces.VIP);
        assertTrue(route.contains("mtu 1480"), "the client learnt the tunnel's MTU: " + route);
    }
}
