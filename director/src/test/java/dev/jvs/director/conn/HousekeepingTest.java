package dev.jvs.director.conn;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

class HousekeepingTest {

    @Test
    void tasksRunOnTheirOwnThreadAndOneThatThrowsRunsAgain() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<String> thread = new AtomicReference<>();
        CountDownLatch thirdRun = new CountDownLatch(3);
        try (Housekeeping housekeeping = new Housekeeping()) {
            housekeeping.every(10, TimeUnit.MILLISECONDS, "flaky task", () -> {
                thread.set(Thread.currentThread().getName());
                thirdRun.countDown();
                if (runs.incrementAndGet() == 1) throw new IllegalStateException("first run fails");
            });
            assertTrue(thirdRun.await(5, TimeUnit.SECONDS), "the task ran again after throwing");
        }
        assertEquals("jvs-housekeeping", thread.get());
    }
}
