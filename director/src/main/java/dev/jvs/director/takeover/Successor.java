package dev.jvs.director.takeover;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts this director's successor, which takes it over ({@code --takeover}): the launcher that started us
 * ({@code $JVS_LAUNCHER}, set by {@code bin/jvs-director} and the package's {@code /usr/sbin/jvs-director}), run
 * again, so an upgraded package's new jars are used, with our own arguments. The successor is our child: under
 * systemd it runs in the service's cgroup, tells systemd it is the main process ({@code MAINPID=}) and then
 * {@code READY=1}, and we drain and exit.
 */
public final class Successor {

    private static final Logger log = LoggerFactory.getLogger(Successor.class);
    static final String LAUNCHER = "JVS_LAUNCHER";

    private final List<String> arguments;
    private final AtomicBoolean running = new AtomicBoolean();

    /** @param arguments this director's command-line arguments */
    public Successor(List<String> arguments) {
        this.arguments = List.copyOf(arguments);
    }

    /** The successor's command line: the launcher, our arguments, {@code --takeover}. */
    static List<String> command(String launcher, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(launcher);
        for (String a : arguments) {
            if (!a.equals("--takeover")) command.add(a);
        }
        command.add("--takeover");
        return command;
    }

    /** Starts the successor (not twice at once); its output goes where ours goes. Runs on a control thread. */
    public void start() {
        if (!running.compareAndSet(false, true)) {
            log.warn("a successor is already starting: signal ignored");
            return;
        }
        String launcher = System.getenv(LAUNCHER);
        if (launcher == null || launcher.isEmpty()) {
            log.error("cannot start a successor: ${} is not set (start the director with bin/jvs-director or"
                    + " /usr/sbin/jvs-director)", LAUNCHER);
            running.set(false);
            return;
        }
        List<String> command = command(launcher, arguments);
        try {
            Process successor = new ProcessBuilder(command).inheritIO().start();
            log.info("started a successor (pid {}) to take over: {}", successor.pid(), String.join(" ", command));
            successor.onExit().thenAccept(p -> {
                running.set(false);
                log.warn("the successor (pid {}) exited with status {}", p.pid(), p.exitValue());
            });
        } catch (IOException e) {
            running.set(false);
            log.error("cannot start a successor ({}): {}", String.join(" ", command), e.getMessage());
        }
    }
}
