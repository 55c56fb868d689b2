package dev.jvs.healthcheck.engine;

import dev.jvs.healthcheck.CheckResult;
import dev.jvs.healthcheck.Checker;

import java.util.concurrent.CompletableFuture;

/** Turns a checker that throws or fails its future into a down result, so the engine always gets one. */
final class CompletableFutureGuard {

    private CompletableFutureGuard() {
    }

    static CompletableFuture<CheckResult> run(Checker checker) {
        try {
            return checker.check().exceptionally(e -> CheckResult.down("check failed: " + e));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(CheckResult.down("check failed: " + e));
        }
    }
}
