package dev.jvs.control;

import java.nio.file.Path;
import java.util.Map;

/** Where the director's control socket lives when no {@code --socket} is given. */
public final class ControlSocket {

    public static final String ENV = "JVS_SOCKET";

    private ControlSocket() {}

    /**
     * {@code $JVS_SOCKET} if set; else {@code /run/jvs/jvs.sock} for root; else
     * {@code $XDG_RUNTIME_DIR/jvs.sock}; else {@code /tmp/jvs-$UID.sock}.
     */
    public static Path defaultPath() {
        String explicit = System.getenv(ENV);
        if (explicit != null && !explicit.isEmpty()) return Path.of(explicit);
        // The uid only when $JVS_SOCKET is unset: finding it loads a JDK module's native library, which a
        // short-lived ipvsadm call given the socket can skip.
        return defaultPath(System.getenv(), uid());
    }

    static Path defaultPath(Map<String, String> env, long uid) {
        String explicit = env.get(ENV);
        if (explicit != null && !explicit.isEmpty()) return Path.of(explicit);
        if (uid == 0) return Path.of("/run/jvs/jvs.sock");
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isEmpty()) return Path.of(runtime, "jvs.sock");
        return Path.of("/tmp", "jvs-" + uid + ".sock");
    }

    /** The real user id of this process (from the JDK's Unix login module). */
    public static long uid() {
        return new com.sun.security.auth.module.UnixSystem().getUid();
    }
}
