package dev.jvs.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code jvs-director --takeover}: a new director takes the running one's listening and UDP sockets, locks and rule
 * table over its control socket while clients keep connecting and exchanging datagrams, and not one connection
 * fails, not one datagram is lost. Started by the old director itself (SIGUSR1), the successor tells systemd's
 * notify socket it is the main process, then ready.
 */
class TakeoverIT {

    private static final int CLIENTS = 3;
    private static final int UDP_CLIENTS = 2;

    @TempDir
    Path dir;

    @Test
    void aTakeoverUnderLoadRefusesNoClientLosesNoDatagramAndKeepsTheTable() throws Exception {
        Path state = dir.resolve("jvs.state");
        try (Backends backends = new Backends("A", "B");
             UdpEchoes echoes = new UdpEchoes("A", "B");
             DirectorProcess old = DirectorProcess.start(dir, "--state", state.toString(), "--drain-timeout", "10")) {
            String vip = "127.0.0.1:" + Ports.free();
            old.ok("-A", "-t", vip, "-s", "rr");
            old.ok("-a", "-t", vip, "-r", backends.address(0), "-m", "-w", "2");
            old.ok("-a", "-t", vip, "-r", backends.address(1), "-m", "-x", "500", "-y", "10");
            String other = "127.0.0.1:" + Ports.free();
            old.ok("-A", "-t", other, "-s", "wlc", "-p", "120");
            old.ok("-a", "-t", other, "-r", backends.address(1), "-m", "-w", "3");
            String udp = "127.0.0.1:" + Ports.free();
            old.ok("-A", "-u", udp, "-s", "rr");
            old.ok("-a", "-u", udp, "-r", echoes.address(0), "-m");
            old.ok("-a", "-u", udp, "-r", echoes.address(1), "-m");
            old.ok("--set", "100", "20", "30");
            String table = withoutCounters(old.ok("-L", "-n"));
            String saved = old.ok("-S", "-n");
            String timeouts = old.ok("-L", "--timeout");

            try (Load load = new Load(vip, udp)) {
                load.awaitServed(100, 100);
                try (DirectorProcess successor = old.launchTakeover(dir.resolve("successor.log"), "--state", state.toString())) {
                    successor.awaitLog("took over from pid " + old.pid());
                    assertEquals(0, old.awaitExit(), () -> "the old director exits cleanly:\n" + logOf(old));
                    // the successor alone serves from here on
                    load.awaitServed(load.served.get() + 100, load.exchanged.get() + 100);
                    load.stop();
                    System.out.printf("TakeoverIT: %d requests served, %d failed; %d UDP exchanges, %d datagrams"
                            + " lost%n", load.served.get(), load.failures.size(), load.exchanged.get(), load.lost.get());
                    assertEquals(List.of(), List.copyOf(load.failures), "no client connection failed, no datagram lost");
                    assertTrue(Pattern.compile(" [1-9]\\d* UDP sockets").matcher(successor.log()).find(),
                            "the UDP sockets are handed over:\n" + successor.log());

                    // The same table; the connection counters are each director's own (the new one counts its own).
                    assertEquals(table, withoutCounters(successor.ok("-L", "-n")), "the successor lists the same table");
                    assertEquals(saved, successor.ok("-S", "-n"));
                    assertEquals(timeouts, successor.ok("-L", "--timeout"));
                    assertTrue(successor.log().contains("jvs-director ready"), successor.log());

                    // The locks went to the successor: a third director on the socket or the state file is refused.
                    DirectorProcess third = DirectorProcess.launch(dir, List.of()); // same socket (the old log file)
                    assertEquals(1, third.awaitExit());
                    assertTrue(third.log().contains("already uses the control socket"), third.log());
                    Path elsewhere = java.nio.file.Files.createDirectory(dir.resolve("third"));
                    DirectorProcess fourth = DirectorProcess.launch(elsewhere, List.of(), "--state", state.toString());
                    assertEquals(1, fourth.awaitExit());
                    assertTrue(fourth.log().contains("already uses the state file"), fourth.log());
                    successor.ok("-E", "-t", vip, "-s", "wrr"); // still the one that serves the socket and writes the state
                    assertTrue(java.nio.file.Files.readString(state).contains("-s wrr"), "the successor writes the state file");
                    assertEquals(0, successor.stop());
                }
            }
        }
    }

    /**
     * The restart path the systemd unit uses: {@code bin/jvs-director-restart} (here against a stand-in for
     * {@code systemctl show} that reports what the fake notify socket received) sends SIGUSR1, and the running
     * director starts its successor (its own launcher and arguments plus --takeover), which takes over under load
     * (no failed connection, no lost datagram), sends MAINPID=its pid and then READY=1 to $NOTIFY_SOCKET, while
     * the old one drains and exits without a STOPPING=1 (the service is not stopping). With --transport io_uring
     * (where the kernel has it) the successor says once that it serves the received sockets with epoll.
     */
    @Test
    void theRestartCommandStartsASuccessorThatTellsSystemdItIsTheMainProcess() throws Exception {
        assumeTrue(Namespaces.onPath("python3"), "skipped: needs python3 for the fake systemd notify socket");
        Path notifySocket = dir.resolve("notify");
        Path unitState = dir.resolve("unit-state");
        Path fakeBin = java.nio.file.Files.createDirectory(dir.resolve("bin"));
        Path systemctl = java.nio.file.Files.writeString(fakeBin.resolve("systemctl"),
                "#!/bin/sh\n# systemctl show -p NAME --value UNIT, as the notify socket's messages left it\n"
                        + "sed -n \"s/^$3=//p\" " + unitState + "\n");
        assertTrue(systemctl.toFile().setExecutable(true));
        Process systemd = new ProcessBuilder("python3", "-c", NOTIFY_RECEIVER, notifySocket.toString(),
                unitState.toString()).redirectErrorStream(true).start();
        BlockingQueue<String> notifications = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(systemd.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) notifications.add(line);
            } catch (IOException e) {
                notifications.add("reader failed: " + e);
            }
        }, "notify-reader");
        reader.start();
        long successorPid = -1;
        boolean ioUring = dev.jvs.director.net.Transport.IO_URING.available();
        try (Backends backends = new Backends("A", "B"); UdpEchoes echoes = new UdpEchoes("A", "B")) {
            assertEquals("bound", notifications.poll(10, TimeUnit.SECONDS));
            DirectorProcess old = DirectorProcess.startWithEnvironment(dir,
                    Map.of("NOTIFY_SOCKET", notifySocket.toString()), "--drain-timeout", "10",
                    "--transport", ioUring ? "io_uring" : "epoll");
            try {
                assertTrue(next(notifications).startsWith("READY=1 STATUS=ready MAINPID=" + old.pid()));
                String vip = "127.0.0.1:" + Ports.free();
                old.ok("-A", "-t", vip, "-s", "rr");
                old.ok("-a", "-t", vip, "-r", backends.address(0), "-m");
                old.ok("-a", "-t", vip, "-r", backends.address(1), "-m");
                String udp = "127.0.0.1:" + Ports.free();
                old.ok("-A", "-u", udp, "-s", "rr");
                old.ok("-a", "-u", udp, "-r", echoes.address(0), "-m");
                old.ok("-a", "-u", udp, "-r", echoes.address(1), "-m");
                String saved = old.ok("-S", "-n");
                try (Load load = new Load(vip, udp)) {
                    load.awaitServed(100, 100);
                    ProcessBuilder restart = new ProcessBuilder(
                            DirectorProcess.HOME.resolve("bin/jvs-director-restart").toString(), "jvs-test.service")
                            .redirectErrorStream(true);
                    restart.environment().put("PATH", fakeBin + ":" + System.getenv("PATH"));
                    Process restarting = restart.start();

                    String mainPid = next(notifications);
                    Matcher m = Pattern.compile("MAINPID=(\\d+) STATUS=taking over").matcher(mainPid);
                    assertTrue(m.matches(), mainPid + "\n" + logOf(old));
                    successorPid = Long.parseLong(m.group(1));
                    assertTrue(successorPid != old.pid(), mainPid);
                    assertEquals("READY=1 STATUS=ready MAINPID=" + successorPid, next(notifications), logOf(old));
                    String said = new String(restarting.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertEquals(0, restarting.waitFor(), said);
                    assertEquals("jvs-director-restart: jvs-test.service: pid " + old.pid() + " handed over to pid "
                            + successorPid + "\n", said);
                    assertEquals(0, old.awaitExit(), () -> "the old director exits cleanly:\n" + logOf(old));
                    load.awaitServed(load.served.get() + 100, load.exchanged.get() + 100);
                    load.stop();
                    System.out.printf("TakeoverIT (SIGUSR1, %s): %d requests served, %d failed; %d UDP exchanges, %d"
                            + " datagrams lost%n", ioUring ? "io_uring" : "epoll", load.served.get(),
                            load.failures.size(), load.exchanged.get(), load.lost.get());
                    assertEquals(List.of(), List.copyOf(load.failures), "no client connection failed, no datagram lost");
                }
                assertEquals(saved, old.ok("-S", "-n"), "the successor serves the socket, with the same table");
                assertEquals(null, notifications.poll(), "the old director sent no STOPPING=1");
                String log = old.log(); // the successor writes where the old director wrote
                assertTrue(log.contains("took over from pid " + old.pid()), log);
                assertTrue(Pattern.compile("taking over from pid " + old.pid() + ": [1-9]\\d* NAT listening sockets,"
                        + " [1-9]\\d* UDP sockets").matcher(log).find(), "TCP and UDP sockets handed over:\n" + log);
                assertEquals(ioUring, log.contains("serving the received sockets with the epoll transport, not"
                        + " --transport io_uring"), log);
            } finally {
                old.close();
            }
            ProcessHandle successor = ProcessHandle.of(successorPid).orElseThrow();
            successor.destroy();
            successor.onExit().get(20, TimeUnit.SECONDS);
            assertEquals("STOPPING=1", next(notifications));
        } finally {
            if (successorPid > 0) ProcessHandle.of(successorPid).ifPresent(ProcessHandle::destroyForcibly);
            systemd.destroy();
            reader.join(5_000);
        }
    }

    /**
     * Binds an AF_UNIX datagram socket as systemd's notify socket and prints each message on one line; keeps
     * MainPID and StatusText, as {@code systemctl show} would report them, in the file named second.
     */
    private static final String NOTIFY_RECEIVER = """
            import os, socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(sys.argv[1])
            unit = {"MainPID": "0", "StatusText": ""}
            print("bound", flush=True)
            while True:
                message = s.recv(4096).decode().strip()
                for line in message.split("\\n"):
                    key, _, value = line.partition("=")
                    if key == "MAINPID": unit["MainPID"] = value
                    if key == "STATUS": unit["StatusText"] = value
                with open(sys.argv[2] + ".new", "w") as f:
                    f.write("".join(k + "=" + v + "\\n" for k, v in unit.items()))
                os.replace(sys.argv[2] + ".new", sys.argv[2])
                print(message.replace("\\n", " "), flush=True)
            """;

    private static String next(BlockingQueue<String> notifications) throws InterruptedException {
        String message = notifications.poll(30, TimeUnit.SECONDS);
        if (message == null) throw new AssertionError("no notification within 30 s");
        return message;
    }

    @Test
    void aSuccessorThatFailsToStartLeavesTheOldDirectorInCharge() throws Exception {
        try (DirectorProcess old = DirectorProcess.start(dir)) {
            String vip = "127.0.0.1:" + Ports.free();
            old.ok("-A", "-t", vip, "-s", "rr");
            // It receives the hand-over, then stops at its configuration file.
            DirectorProcess successor = old.launchTakeover(dir.resolve("successor.log"),
                    "--keepalived-conf", dir.resolve("missing.conf").toString());
            assertEquals(1, successor.awaitExit(), () -> logOf(successor));
            assertTrue(successor.log().contains("missing.conf"), successor.log());
            old.awaitLog("exited before taking over: serving again");
            old.ok("-E", "-t", vip, "-s", "wlc");
            assertTrue(old.ok("-L", "-n").contains(vip + " wlc"), "the old director takes changes again");
            assertEquals(0, old.stop());
            assertTrue(!java.nio.file.Files.exists(old.socket()), "and removes its socket when it stops");
        }
    }

    /** {@code ipvsadm -Ln} without the ActiveConn and InActConn columns. */
    private static String withoutCounters(String listing) {
        return listing.replaceAll("(?m)^(  -> .*?)\\s+\\d+\\s+\\d+\\s*$", "$1");
    }

    private static String logOf(DirectorProcess director) {
        try {
            return director.log();
        } catch (IOException e) {
            return e.toString();
        }
    }

    /**
     * Clients that keep going until stopped: {@link #CLIENTS} threads each opening a connection per HTTP request
     * ({@code Connection: close}), and {@link #UDP_CLIENTS} threads each sending numbered datagrams from one
     * socket and waiting up to 2 s for each echo (a datagram without its echo by then is lost).
     */
    private static final class Load implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger served = new AtomicInteger();
        final AtomicInteger exchanged = new AtomicInteger();
        final AtomicInteger lost = new AtomicInteger();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final List<Thread> threads = new ArrayList<>();

        Load(String vip, String udp) {
            for (int i = 0; i < CLIENTS; i++) {
                start("client-" + i, () -> {
                    while (running.get()) {
                        try {
                            String answer = get(vip);
                            if (answer.equals("A") || answer.equals("B")) served.incrementAndGet();
                            else failures.add("unexpected answer: " + answer);
                        } catch (IOException e) {
                            failures.add(e.toString());
                        }
                    }
                });
            }
            String[] hostPort = udp.split(":");
            InetSocketAddress service = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
            for (int i = 0; i < UDP_CLIENTS; i++) {
                String name = "udp-" + i;
                start(name, () -> exchange(name, service));
            }
        }

        private void start(String name, Runnable body) {
            Thread t = new Thread(body, name);
            t.start();
            threads.add(t);
        }

        private void exchange(String name, InetSocketAddress service) {
            try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                socket.setSoTimeout(2_000);
                byte[] buffer = new byte[512];
                for (long seq = 0; running.get(); seq++) {
                    String request = name + " " + seq;
                    byte[] out = request.getBytes(StandardCharsets.US_ASCII);
                    socket.send(new DatagramPacket(out, out.length, service));
                    long deadline = System.nanoTime() + 2_000_000_000L;
                    boolean answered = false;
                    while (!answered && System.nanoTime() < deadline) {
                        DatagramPacket in = new DatagramPacket(buffer, buffer.length);
                        try {
                            socket.receive(in);
                        } catch (java.net.SocketTimeoutException e) {
                            break;
                        }
                        String reply = new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII);
                        answered = reply.equals("A " + request) || reply.equals("B " + request);
                    }
                    if (answered) {
                        exchanged.incrementAndGet();
                    } else {
                        lost.incrementAndGet();
                        failures.add("datagram lost: " + request);
                    }
                }
            } catch (IOException e) {
                failures.add(name + ": " + e);
            }
        }

        void awaitServed(int requests, int exchanges) throws InterruptedException {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (served.get() < requests || exchanged.get() < exchanges) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("only " + served.get() + " of " + requests + " requests served, "
                            + exchanged.get() + " of " + exchanges + " datagrams answered; " + failures);
                }
                Thread.sleep(10);
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) t.join(10_000);
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }

    /** UDP real servers on loopback, each echoing a datagram back prefixed with its name and a space. */
    private static final class UdpEchoes implements AutoCloseable {
        private final List<DatagramSocket> sockets = new ArrayList<>();

        UdpEchoes(String... names) throws IOException {
            for (String name : names) {
                DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                byte[] prefix = (name + " ").getBytes(StandardCharsets.US_ASCII);
                Thread t = new Thread(() -> {
                    byte[] buffer = new byte[512];
                    while (!socket.isClosed()) {
                        try {
                            DatagramPacket in = new DatagramPacket(buffer, prefix.length, buffer.length - prefix.length);
                            socket.receive(in);
                            System.arraycopy(prefix, 0, buffer, 0, prefix.length);
                            socket.send(new DatagramPacket(buffer, 0, prefix.length + in.getLength(),
                                    in.getSocketAddress()));
                        } catch (IOException e) {
                            // closed
                        }
                    }
                }, "udp-echo-" + name);
                t.setDaemon(true);
                t.start();
            }
        }

        String address(int i) {
            return "127.0.0.1:" + sockets.get(i).getLocalPort();
        }

        @Override
        public void close() {
            for (DatagramSocket s : sockets) s.close();
        }
    }

    /** One HTTP/1.0 request with {@code Connection: close} on a new connection; the body names the real server. */
    private static String get(String vip) throws IOException {
        String[] hostPort = vip.split(":");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(hostPort[0]), Integer.parseInt(hostPort[1])), 5_000);
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!response.startsWith("HTTP/1.1 200")) return response.isEmpty() ? "(empty response)" : response;
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }
}
