package dev.jvs.cli;

import dev.jvs.control.ControlReply;
import dev.jvs.control.ControlRequest;
import dev.jvs.control.ControlSocket;
import dev.jvs.ipvsadm.Help;
import dev.jvs.ipvsadm.IpvsadmParser;
import dev.jvs.ipvsadm.RestoreInput;
import dev.jvs.model.Command;
import dev.jvs.model.IpvsadmException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code ipvsadm}: checks the command line with ipvsadm's grammar (so local errors need no director), sends it
 * over the control socket, and prints the director's answer exactly, with ipvsadm's exit status.
 */
public final class Ipvsadm {

    private Ipvsadm() {}

    public static void main(String[] args) {
        StartUp.nameSelectorProvider();
        String prog = System.getProperty("jvs.prog", "ipvsadm");
        System.exit(run(prog, Arrays.asList(args), System.out, System.err));
    }

    static int run(String prog, List<String> args, PrintStream out, PrintStream err) {
        try {
            Command command = IpvsadmParser.parse(prog, args);
            ControlRequest request;
            if (command instanceof Command.Help) {
                out.print(Help.text(prog));
                return 0;
            } else if (command instanceof Command.Version) {
                out.println(Help.version());
                return 0;
            }
            StartUp.loadSecurityProviders(); // the director's turn next: see there
            if (command instanceof Command.Restore) {
                request = restoreRequest(prog, new String(System.in.readAllBytes(), StandardCharsets.UTF_8), false);
            } else {
                request = ControlRequest.single(prog, args);
            }
            return exchange(request, out, err);
        } catch (IpvsadmException e) {
            err.println(e.getMessage());
            return e.exitStatus();
        } catch (IOException e) {
            return cannotReach(e, err);
        }
    }

    /**
     * A restore batch from {@code -R} input; every line is checked here before anything is sent. With
     * {@code clearFirst} the batch starts with {@code -C} (as line 0, so errors keep the input's numbering).
     */
    static ControlRequest restoreRequest(String prog, String input, boolean clearFirst) throws IpvsadmException {
        List<ControlRequest.Line> lines = new ArrayList<>();
        if (clearFirst) lines.add(new ControlRequest.Line(0, List.of("-C")));
        lines.addAll(RestoreInput.split(input));
        RestoreInput.parseAll(prog, lines);
        return new ControlRequest(prog, true, lines);
    }

    static int exchange(ControlRequest request, PrintStream out, PrintStream err) throws IOException {
        ControlReply reply = send(ControlSocket.defaultPath(), request);
        out.print(reply.stdout());
        out.flush();
        err.print(reply.stderr());
        return reply.status();
    }

    static int cannotReach(IOException e, PrintStream err) {
        err.println("Can't initialize ipvs: " + e.getMessage());
        err.println("Are you sure that the JVS director (jvs-director) is running and " + ControlSocket.ENV
                + " names its control socket?");
        return IpvsadmException.VALIDATION;
    }

    static ControlReply send(Path socket, ControlRequest request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new IOException("cannot reach the director at " + socket + " (" + e.getMessage() + ")");
            }
            var writer = new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8);
            IOException sendFailed = null;
            try {
                request.write(writer);
                channel.shutdownOutput();
            } catch (IOException e) {
                sendFailed = e; // the director refused us early (permission, size): its reply says why
            }
            try {
                return ControlReply.read(new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                        StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw sendFailed != null ? sendFailed : e;
            }
        }
    }
}
