package dev.jvs.cli;

import dev.jvs.control.ControlReply;
import dev.jvs.control.ControlRequest;
import dev.jvs.ipvsadm.Help;
import dev.jvs.ipvsadm.IpvsadmParser;
import dev.jvs.model.IpvsadmException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The training run behind the CLI's class-data-sharing archive (packaging/cli-cds.sh): it walks the paths a real
 * {@code ipvsadm} call takes — parsing typical commands and a restore batch, the help text, one request and
 * reply over a Unix socket (answered here, no director needed) — so the classes they load go into the archive.
 */
public final class CdsTraining {

    private CdsTraining() {}

    public static void main(String[] args) throws Exception {
        StartUp.nameSelectorProvider(); // as the CLI's main does, so the archive holds that path
        PrintStream sink = new PrintStream(PrintStream.nullOutputStream());
        List<List<String>> commands = List.of(
                List.of("-Ln"), List.of("-L", "-n", "--stats"), List.of("-Ln", "--rate"), List.of("-Lnc"),
                List.of("-A", "-t", "192.168.0.1:80", "-s", "wlc", "-p", "300"),
                List.of("-E", "-u", "[2001:db8::1]:53", "-s", "rr"), List.of("-f", "1", "-A"),
                List.of("-a", "-t", "192.168.0.1:80", "-r", "10.0.0.2:80", "-m", "-w", "3"),
                List.of("-e", "-t", "192.168.0.1:80", "-r", "10.0.0.2", "-g", "-w", "0"),
                List.of("-d", "-t", "192.168.0.1:80", "-r", "10.0.0.2"), List.of("-D", "-t", "192.168.0.1:80"),
                List.of("-S", "-n"), List.of("-C"), List.of("-Z"), List.of("--set", "900", "120", "300"),
                List.of("-A", "-t", "bad"));
        for (List<String> command : commands) {
            try {
                IpvsadmParser.parse("ipvsadm", command);
            } catch (IpvsadmException e) {
                sink.println(e.getMessage());
            }
        }
        sink.print(Help.text("ipvsadm"));
        Ipvsadm.restoreRequest("ipvsadm", "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 1\n", true);
        exchangeWithItself(sink);
    }

    /** One request and reply over a Unix socket, both ends in this process. */
    private static void exchangeWithItself(PrintStream sink) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jvs-cds");
        Path socket = dir.resolve("s");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread answer = new Thread(() -> {
                try (SocketChannel c = server.accept()) {
                    ControlRequest.read(new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
                            StandardCharsets.UTF_8)));
                    Writer out = new OutputStreamWriter(Channels.newOutputStream(c), StandardCharsets.UTF_8);
                    ControlReply.ok("IP Virtual Server version 1.2.1 (size=4096)\n").write(out);
                    out.flush();
                } catch (IOException e) {
                    sink.println(e);
                }
            });
            answer.start();
            ControlReply reply = Ipvsadm.send(socket, ControlRequest.single("ipvsadm", List.of("-Ln")));
            sink.print(reply.stdout());
            answer.join();
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
        Ipvsadm.cannotReach(new IOException("training"), sink);
        // A whole call as main runs it (the default socket, then the dispatch on the command's type); without a
        // director here it ends in "Can't initialize ipvs", which is fine for loading its classes.
        Ipvsadm.run("ipvsadm", List.of("-Ln"), sink, sink);
    }
}
