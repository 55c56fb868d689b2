package dev.jvs.healthcheck.engine;

import dev.jvs.healthcheck.CheckResult;
import dev.jvs.healthcheck.config.KeepalivedConfig;
import dev.jvs.model.Command;
import dev.jvs.model.CommandKind;
import dev.jvs.model.RealServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** keepalived's checker semantics, with scripted check results instead of real servers. */
class HealthEngineTest {

    @TempDir
    Path dir;

    /** What each real server's checks answer, by "ip:port"; absent = up. */
    private final Map<String, CheckResult> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final List<List<Command>> batches = new CopyOnWriteArrayList<>();
    private HealthEngine engine;

    private final CheckerFactory fake = (def, server, scripts) -> () -> {
        String key = server.config().address().getHostAddress() + ":" + server.config().port();
        attempts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        return CompletableFuture.completedFuture(answers.getOrDefault(key, CheckResult.up("fine")));
    };

    @AfterEach
    void stop() {
        if (engine != null) engine.close();
    }

    private KeepalivedConfig config(String realServers, String vsExtra) throws IOException {
        Path file = dir.resolve("keepalived-" + System.nanoTime() + ".conf");
        Files.writeString(file, """
                virtual_server 10.0.0.1 80 {
                    delay_loop 0.2
                    lb_algo rr
                    lb_kind NAT
                    protocol TCP
                %s
                %s
                }
                """.formatted(vsExtra, realServers));
        KeepalivedConfig config = KeepalivedConfig.load(file);
        assertFalse(config.hasErrors(), config.problems().toString());
        return config;
    }

    private static String rs(String address, String extra) {
        return """
                    real_server %s 80 {
                        %s
                        TCP_CHECK {
                            connect_timeout 1
                            retry 2
                            delay_before_retry 0.1
                        }
                    }
                """.formatted(address, extra);
    }

    private void start(KeepalivedConfig config) throws Exception {
        engine = new HealthEngine(batches::add, fake).bootstrapDelay(Duration.ZERO);
        engine.start(config);
    }

    private List<String> changes() {
        List<String> out = new ArrayList<>();
        for (List<Command> batch : batches) {
            for (Command c : batch) {
                RealServerConfig rs = server(c);
                String server = rs == null ? "" : " " + rs.address().getHostAddress() + " w" + rs.weight();
                out.add(c.kind() + server);
            }
        }
        return out;
    }

    /** The real server of -a/-e/-d, else null. */
    private static RealServerConfig server(Command c) {
        if (c instanceof Command.AddServer a) return a.server();
        if (c instanceof Command.EditServer e) return e.server();
        if (c instanceof Command.DeleteServer d) return d.server();
        return null;
    }

    private void await(String what, Predicate<List<String>> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.test(changes())) return;
            Thread.sleep(20);
        }
        fail(what + "; changes were " + changes());
    }

    @Test
    void startBuildsTheWholeTableInOneBatch() throws Exception {
        start(config(rs("10.0.0.2", "") + rs("10.0.0.3", "weight 3"), ""));
        assertEquals(List.of("ADD_SERVICE", "ADD_SERVER 10.0.0.2 w1", "ADD_SERVER 10.0.0.3 w3"), changes());
        assertEquals(1, batches.size());
    }

    @Test
    void firstFailureAtStartUpRemovesTheServerWithoutRetries() throws Exception {
        answers.put("10.0.0.2:80", CheckResult.down("connection refused by 10.0.0.2:80"));
        start(config(rs("10.0.0.2", "") + rs("10.0.0.3", ""), ""));
        await("removed", c -> c.contains("DELETE_SERVER 10.0.0.2 w1"));
        assertTrue(attempts.get("10.0.0.2:80").get() <= 2, "removed after the first failure");
    }

    @Test
    void aHealthyServerGoesDownOnlyAfterRetryPlusOneFailures() throws Exception {
        start(config(rs("10.0.0.2", ""), ""));
        await("first success", c -> attempts.getOrDefault("10.0.0.2:80", new AtomicInteger()).get() >= 1);
        Thread.sleep(50);
        int before = attempts.get("10.0.0.2:80").get();
        answers.put("10.0.0.2:80", CheckResult.down("HTTP status 503 from 10.0.0.2:80"));
        await("removed", c -> c.contains("DELETE_SERVER 10.0.0.2 w1"));
        int failures = attempts.get("10.0.0.2:80").get() - before;
        assertTrue(failures == 3 || failures == 4, "retry 2 means 3 failed attempts, saw " + failures);
        answers.remove("10.0.0.2:80");
        await("back after one success", c -> c.get(c.size() - 1).equals("ADD_SERVER 10.0.0.2 w1"));
    }

    @Test
    void alphaServerStartsOutOfTheTableAndJoinsAfterItsFirstSuccess() throws Exception {
        start(config(rs("10.0.0.2", "alpha") + rs("10.0.0.3", ""), ""));
        assertEquals(List.of("ADD_SERVICE", "ADD_SERVER 10.0.0.3 w1"), changes().subList(0, 2));
        await("alpha joins", c -> c.contains("ADD_SERVER 10.0.0.2 w1"));
    }

    @Test
    void inhibitOnFailureSetsWeightZeroInsteadOfRemoving() throws Exception {
        answers.put("10.0.0.2:80", CheckResult.down("connect timeout"));
        start(config(rs("10.0.0.2", "weight 5\n inhibit_on_failure") + rs("10.0.0.3", ""), ""));
        await("weight 0", c -> c.contains("EDIT_SERVER 10.0.0.2 w0"));
        assertFalse(changes().stream().anyMatch(c -> c.startsWith("DELETE_SERVER")));
        answers.remove("10.0.0.2:80");
        await("weight back", c -> c.get(c.size() - 1).equals("EDIT_SERVER 10.0.0.2 w5"));
    }

    @Test
    void sorryServerReplacesTheLastServerInTheSameBatch() throws Exception {
        start(config(rs("10.0.0.2", "") + rs("10.0.0.3", ""), "sorry_server 10.0.0.99 80"));
        answers.put("10.0.0.2:80", CheckResult.down("refused"));
        answers.put("10.0.0.3:80", CheckResult.down("refused"));
        await("sorry in", c -> c.contains("ADD_SERVER 10.0.0.99 w1"));
        List<Command> swap = batches.stream().filter(b -> b.stream().anyMatch(c -> c.kind() == CommandKind.ADD_SERVER
                && server(c).address().getHostAddress().equals("10.0.0.99"))).findFirst().orElseThrow();
        assertTrue(swap.stream().anyMatch(c -> c.kind() == CommandKind.DELETE_SERVER), "the last server leaves in the swap batch");
        answers.clear();
        await("sorry out", c -> c.get(c.size() - 1).startsWith("DELETE_SERVER 10.0.0.99")
                || c.stream().filter(s -> s.startsWith("DELETE_SERVER 10.0.0.99")).count() == 1);
    }

    @Test
    void quorumWithHysteresisKeepsTheSorryServerUntilEnoughWeightIsBack() throws Exception {
        start(config(rs("10.0.0.2", "") + rs("10.0.0.3", "") + rs("10.0.0.4", ""),
                "quorum 2\n hysteresis 1\n sorry_server 10.0.0.99 80"));
        answers.put("10.0.0.2:80", CheckResult.down("refused"));
        answers.put("10.0.0.3:80", CheckResult.down("refused"));
        // W = 1 < quorum - hysteresis = 1? No: 1 is not < 1, so the quorum holds until W reaches 0.
        await("both removed", c -> c.contains("DELETE_SERVER 10.0.0.2 w1") && c.contains("DELETE_SERVER 10.0.0.3 w1"));
        assertFalse(changes().contains("ADD_SERVER 10.0.0.99 w1"));
        answers.put("10.0.0.4:80", CheckResult.down("refused"));
        await("sorry in", c -> c.contains("ADD_SERVER 10.0.0.99 w1"));
        answers.remove("10.0.0.2:80");
        answers.remove("10.0.0.3:80");
        // Back to W = 2 < quorum + hysteresis = 3: still down; W = 3 brings everything back.
        Thread.sleep(600);
        assertFalse(changes().stream().anyMatch(c -> c.startsWith("DELETE_SERVER 10.0.0.99")));
        answers.clear();
        await("sorry out", c -> c.stream().anyMatch(s -> s.startsWith("DELETE_SERVER 10.0.0.99")));
    }

    @Test
    void reloadAppliesOnlyTheDifferenceAndKeepsHealthState() throws Exception {
        answers.put("10.0.0.3:80", CheckResult.down("refused"));
        start(config(rs("10.0.0.2", "") + rs("10.0.0.3", ""), ""));
        await("down", c -> c.contains("DELETE_SERVER 10.0.0.3 w1"));
        int before = batches.size();
        engine.reload(config(rs("10.0.0.2", "weight 4") + rs("10.0.0.3", "") + rs("10.0.0.5", ""), ""));
        List<String> reload = new ArrayList<>();
        for (Command c : batches.get(before)) reload.add(c.kind() + " " + server(c).address().getHostAddress() + " w" + server(c).weight());
        // 10.0.0.3 stays out (its failing state is kept), nothing is deleted or re-added.
        assertEquals(List.of("EDIT_SERVER 10.0.0.2 w4", "ADD_SERVER 10.0.0.5 w1"), reload);
    }

    @Test
    void notifyScriptsRunOnEachTransition() throws Exception {
        Path events = dir.resolve("events");
        String notify = "notify_up \"/bin/sh -c 'echo up >> %s'\"\n notify_down \"/bin/sh -c 'echo down >> %s'\""
                .formatted(events, events);
        start(config(rs("10.0.0.2", notify), ""));
        answers.put("10.0.0.2:80", CheckResult.down("refused"));
        await("removed", c -> c.contains("DELETE_SERVER 10.0.0.2 w1"));
        answers.remove("10.0.0.2:80");
        await("back", c -> c.get(c.size() - 1).equals("ADD_SERVER 10.0.0.2 w1"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && !(Files.exists(events) && Files.readString(events).equals("down\nup\n"))) {
            Thread.sleep(20);
        }
        assertEquals("down\nup\n", Files.readString(events));
    }
}
