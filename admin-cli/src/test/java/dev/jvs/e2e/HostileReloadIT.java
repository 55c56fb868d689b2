package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGHUP with hostile configuration input keeps the running configuration, and never stops the director. */
class HostileReloadIT {

    @TempDir
    Path dir;

    private static void hup(DirectorProcess director) throws Exception {
        Shell.sh("kill", "-HUP", Long.toString(director.pid()));
    }

    @Test
    void aReloadWithADeviceIncludeAndAParameterBombKeepsTheRunningTable() throws Exception {
        int port = NatForwardingIT.freePort();
        String service = """
                virtual_server 127.0.0.1 %d {
                    lb_algo rr
                    lb_kind NAT
                    protocol TCP
                    real_server 127.0.0.1 9 {
                    }
                }
                """.formatted(port);
        Path file = Files.writeString(dir.resolve("keepalived.conf"), service);
        try (DirectorProcess director = DirectorProcess.start(dir, "--keepalived-conf", file.toString())) {
            String before = director.ok("-Ln");
            assertTrue(before.contains("127.0.0.1:" + port), before);
            StringBuilder bomb = new StringBuilder("include /dev/zero\ninclude /dev/urandom\n$P0=xxxxxxxxxx\n");
            for (int i = 1; i <= 10; i++) {
                bomb.append("$P").append(i).append('=').append(("$P" + (i - 1) + " ").repeat(10).strip()).append('\n');
            }
            bomb.append("global_defs {\n    router_id $P10\n}\n");
            Files.writeString(file, service.replace("lb_algo rr", "lb_algo wlc") + bomb);
            hup(director);
            director.awaitLog("reload of " + file + " refused");
            String log = director.log();
            assertTrue(log.contains("Configuration file '/dev/zero' is not a regular non-executable file - skipping"), log);
            assertTrue(log.contains("parameter expansion makes this line longer than 65536 characters"), log);
            assertEquals(before, director.ok("-Ln"), "the running table is kept");
            assertTrue(director.alive());
        }
    }

    @Test
    void aDirectorWithoutAKeepalivedFileSurvivesSighup() throws Exception {
        try (DirectorProcess director = DirectorProcess.start(dir)) {
            director.ok("-A", "-t", "127.0.0.1:7020", "-s", "rr");
            hup(director);
            director.awaitLog("SIGHUP ignored: only --keepalived-conf is reloaded");
            assertTrue(director.ok("-Ln").contains("127.0.0.1:7020"));
        }
    }
}
