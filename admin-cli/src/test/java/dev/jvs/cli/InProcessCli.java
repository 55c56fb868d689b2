package dev.jvs.cli;

import dev.jvs.control.ControlReply;
import dev.jvs.control.ControlRequest;
import dev.jvs.model.IpvsadmException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The CLI's own request building and exchange, called in the test's JVM: for tests that send hundreds of
 * commands, where a JVM start per command would take minutes. Same bytes on the socket as {@code bin/ipvsadm}.
 */
public final class InProcessCli {

    private InProcessCli() {}

    /** {@code ipvsadm-restore} ({@code clearFirst}) or {@code ipvsadm -R} of {@code text}. */
    public static ControlReply restore(Path socket, String text, boolean clearFirst)
            throws IOException, IpvsadmException {
        return Ipvsadm.send(socket, Ipvsadm.restoreRequest("ipvsadm", text, clearFirst));
    }

    /** {@code ipvsadm ARGS}. */
    public static ControlReply ipvsadm(Path socket, String... args) throws IOException {
        return Ipvsadm.send(socket, ControlRequest.single("ipvsadm", List.of(args)));
    }
}
