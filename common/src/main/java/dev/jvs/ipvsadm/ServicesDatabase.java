package dev.jvs.ipvsadm;

import dev.jvs.model.Protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.StringTokenizer;

/**
 * The services database ({@code /etc/services}): port names for listings and for addresses such as
 * {@code 10.0.0.1:http}. Names and aliases resolve to ports; for a port the first entry wins, as with
 * {@code getservbyport}.
 */
public final class ServicesDatabase {

    public static final Path SYSTEM_PATH = Path.of("/etc/services");

    private static final ServicesDatabase SYSTEM = new ServicesDatabase();

    private final Map<String, Integer> portsByName = new HashMap<>();
    private final Map<String, String> namesByPort = new HashMap<>();

    private ServicesDatabase() {
    }

    /**
     * The system's database. The file is read on the first lookup, not here: most ipvsadm calls ({@code -Ln},
     * numeric addresses) never need it, and each call is a new JVM.
     */
    public static ServicesDatabase system() { return SYSTEM; }

    private static final class SystemHolder {
        static final ServicesDatabase LOADED = load(SYSTEM_PATH);
    }

    private ServicesDatabase tables() {
        return this == SYSTEM ? SystemHolder.LOADED : this;
    }

    /** Reads a services file; a missing or unreadable file gives an empty database (everything numeric). */
    public static ServicesDatabase load(Path path) {
        try {
            return parse(Files.readString(path, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return new ServicesDatabase();
        }
    }

    /** Parses services-file text: {@code name port/proto [aliases...] [# comment]}. */
    public static ServicesDatabase parse(String text) {
        ServicesDatabase db = new ServicesDatabase();
        for (String line : text.split("\n")) {
            int hash = line.indexOf('#');
            // Whitespace-separated fields without a regex (String.split("\\s+") would start the JDK's
            // method-handle machinery in every short-lived CLI call that names a port).
            StringTokenizer tokens = new StringTokenizer(hash >= 0 ? line.substring(0, hash) : line, " \t\r\f\u000B");
            String[] fields = new String[tokens.countTokens()];
            for (int i = 0; i < fields.length; i++) fields[i] = tokens.nextToken();
            if (fields.length < 2) continue;
            int slash = fields[1].indexOf('/');
            if (slash <= 0) continue;
            String proto = fields[1].substring(slash + 1);
            int port;
            try {
                port = Integer.parseInt(fields[1].substring(0, slash));
            } catch (NumberFormatException e) {
                continue;
            }
            if (port < 0 || port > 65535) continue;
            db.namesByPort.putIfAbsent(port + "/" + proto, fields[0]);
            for (int i = 0; i < fields.length; i++) {
                if (i == 1) continue;
                db.portsByName.putIfAbsent(fields[i] + "/" + proto, port);
            }
        }
        return db;
    }

    /** Port of a service name or alias for a protocol; empty for an unknown name or a null protocol. */
    public OptionalInt port(String name, Protocol protocol) {
        if (protocol == null) return OptionalInt.empty();
        Integer port = tables().portsByName.get(name + "/" + protocol.servicesName());
        return port == null ? OptionalInt.empty() : OptionalInt.of(port);
    }

    /** Name of a port for a protocol; empty if none or the protocol is null (fwmark services). */
    public Optional<String> name(int port, Protocol protocol) {
        if (protocol == null) return Optional.empty();
        return Optional.ofNullable(tables().namesByPort.get(port + "/" + protocol.servicesName()));
    }
}
