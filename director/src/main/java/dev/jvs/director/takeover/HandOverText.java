package dev.jvs.director.takeover;

import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a director hands to its successor: its instance locks, its control socket, its NAT listening and UDP
 * sockets (all as descriptors) and its rule table (as the state file carries it, thresholds and timeouts
 * included). Its packet flows and persistence templates follow later, when it stops (see {@link FlowHandOver}).
 *
 * <p>The descriptors travel in order; the first is a file with this text, whose {@code fd} lines name the others:
 * <pre>
 * jvs-takeover 1
 * pid PID
 * fd lock PATH            (a locked lock file)
 * fd control              (the control socket)
 * fd tcp ADDRESS PORT     (one listening socket of a NAT TCP service)
 * fd udp ADDRESS PORT     (one socket of a NAT UDP service)
 * flows later             (the flow table follows as one more descriptor when the old director stops)
 * rules
 * ...the table in ipvsadm-save form, to the end...
 * </pre>
 */
public record HandOverText(long pid, Map<Path, FileDescriptor> locks, FileDescriptor control,
                           Map<InetSocketAddress, List<FileDescriptor>> tcp,
                           Map<InetSocketAddress, List<FileDescriptor>> udp, boolean flowsLater, String rules) {

    static final String MAGIC = "jvs-takeover 1";

    /** The text and the descriptors after it, in the order its {@code fd} lines give. */
    public String write(List<FileDescriptor> order) {
        StringBuilder text = new StringBuilder(MAGIC).append('\n').append("pid ").append(pid).append('\n');
        locks.forEach((path, fd) -> {
            text.append("fd lock ").append(path).append('\n');
            order.add(fd);
        });
        text.append("fd control\n");
        order.add(control);
        sockets(text, order, "tcp", tcp);
        sockets(text, order, "udp", udp);
        if (flowsLater) text.append("flows later\n");
        return text.append("rules\n").append(rules).toString();
    }

    private static void sockets(StringBuilder text, List<FileDescriptor> order, String kind,
                                Map<InetSocketAddress, List<FileDescriptor>> sockets) {
        sockets.forEach((address, fds) -> {
            for (FileDescriptor fd : fds) {
                text.append("fd ").append(kind).append(' ').append(address.getAddress().getHostAddress()).append(' ')
                        .append(address.getPort()).append('\n');
                order.add(fd);
            }
        });
    }

    /** How many descriptors follow the text's own, as its {@code fd} lines name them (0 for a foreign text). */
    static int descriptorsNamed(String text) {
        int n = 0;
        for (String line : text.split("\n")) {
            if (line.equals("rules")) break;
            if (line.startsWith("fd ")) n++;
        }
        return n;
    }

    /** Reads the text received with {@code fds} (the descriptors after the text's own). */
    public static HandOverText read(String text, List<FileDescriptor> fds) throws IOException {
        String[] lines = text.split("\n", -1);
        if (lines.length < 2 || !lines[0].equals(MAGIC)) throw new IOException("not a JVS takeover hand-over: \"" + text.substring(0, Math.min(60, text.length())) + "\"");
        long pid = -1;
        Map<Path, FileDescriptor> locks = new LinkedHashMap<>();
        FileDescriptor control = null;
        Map<InetSocketAddress, List<FileDescriptor>> tcp = new LinkedHashMap<>();
        Map<InetSocketAddress, List<FileDescriptor>> udp = new LinkedHashMap<>();
        boolean flowsLater = false;
        int next = 0;
        int i = 1;
        for (; i < lines.length && !lines[i].equals("rules"); i++) {
            String[] words = lines[i].split(" ");
            if (words[0].equals("pid")) {
                pid = Long.parseLong(words[1]);
                continue;
            }
            if (lines[i].equals("flows later")) {
                flowsLater = true;
                continue;
            }
            if (!words[0].equals("fd") || next >= fds.size()) throw new IOException("bad hand-over line: " + lines[i]);
            FileDescriptor fd = fds.get(next++);
            switch (words[1]) {
                case "lock" -> locks.put(Path.of(lines[i].substring("fd lock ".length())), fd);
                case "control" -> control = fd;
                case "tcp" -> tcp.computeIfAbsent(address(words), k -> new ArrayList<>()).add(fd);
                case "udp" -> udp.computeIfAbsent(address(words), k -> new ArrayList<>()).add(fd);
                default -> throw new IOException("bad hand-over line: " + lines[i]);
            }
        }
        if (i == lines.length || control == null || next != fds.size()) {
            throw new IOException("incomplete hand-over (" + fds.size() + " descriptors)");
        }
        String rules = String.join("\n", java.util.Arrays.asList(lines).subList(i + 1, lines.length));
        return new HandOverText(pid, locks, control, tcp, udp, flowsLater, rules);
    }

    private static InetSocketAddress address(String[] words) throws IOException {
        if (words.length != 4) throw new IOException("bad hand-over line: " + String.join(" ", words));
        return new InetSocketAddress(InetAddress.getByName(words[2]), Integer.parseInt(words[3]));
    }
}
