package dev.jvs.e2e;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The class-data-sharing archive built at package time is the one bin/ipvsadm maps: the CLI's own classes come
 * from it rather than from the jars (the start-up figures are in bench/cli_startup.sh, not here).
 */
class CliArchiveIT {

    @Test
    void binIpvsadmLoadsItsClassesFromTheArchive() throws Exception {
        assertTrue(Files.exists(DirectorProcess.HOME.resolve("admin-cli/target/ipvsadm.jsa")),
                "mvn package builds admin-cli/target/ipvsadm.jsa");
        String log = classLoads("1");
        assertTrue(log.contains("dev.jvs.cli.Ipvsadm source: shared objects file"), log);
        assertTrue(log.contains("dev.jvs.ipvsadm.IpvsadmParser source: shared objects file"), log);
        // The training covers the whole call: no class read from a jar (each costs a jar lookup and a bytecode
        // check), and none of Netty (the CLI speaks over the JDK's own Unix socket channel).
        assertFalse(log.contains("source: file:"), log);
        assertFalse(log.contains("io.netty"), log);
        String without = classLoads("0");
        assertTrue(without.contains("dev.jvs.cli.Ipvsadm source: file:"), "JVS_CLI_CDS=0 runs without it:\n" + without);
    }

    /** bin/ipvsadm -v with class loading logged on stderr; its stdout must stay the version line alone. */
    private static String classLoads(String cds) throws Exception {
        java.nio.file.Path errFile = Files.createTempFile("jvs-cli-classes", ".log");
        ProcessBuilder pb = new ProcessBuilder(DirectorProcess.HOME.resolve("bin/ipvsadm").toString(), "-v");
        pb.environment().put("JVS_CLI_CDS", cds);
        pb.environment().put("JVS_CLI_JAVA_OPTS", "-Xlog:class+load=info:stderr");
        Process p = pb.redirectError(errFile.toFile()).start(); // a file: the log outgrows a pipe's buffer
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String err = Files.readString(errFile);
        Files.delete(errFile);
        assertEquals(0, p.exitValue(), err);
        assertTrue(out.startsWith("ipvsadm v"), out);
        assertEquals(1, out.lines().count(), out);
        return err;
    }
}
