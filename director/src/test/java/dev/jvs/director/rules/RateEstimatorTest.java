package dev.jvs.director.rules;

import dev.jvs.model.Rates;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RateEstimatorTest {

    @Test
    void steadyHundredConnectionsPerSecondConvergesAsTheKernelsEstimator() {
        StatsCounters counters = new StatsCounters();
        List<Long> reported = new ArrayList<>();
        for (int sample = 0; sample < 10; sample++) {
            counters.conns.add(200); // 2 s at 100/s
            counters.estimate();
            reported.add(counters.rates().cps());
        }
        // ipvs-schedulers.md §5: stored averages 25600, 44800, 59200, ... reported rounded.
        assertEquals(List.of(25L, 44L, 58L, 68L, 76L, 82L, 87L, 90L, 92L, 94L), reported);
    }

    @Test
    void byteRatesAreBytesPerSecondAndPacketRatesArePerSecond() {
        StatsCounters counters = new StatsCounters();
        for (int sample = 0; sample < 60; sample++) {
            counters.countIn(1000);   // one packet of 1000 bytes ...
            counters.countIn(1000);   // ... twice per 2-second sample: 1 pkt/s, 1000 B/s
            counters.countOut(500);
            counters.countOut(500);
            counters.estimate();
        }
        assertEquals(new Rates(0, 1, 1, 1000, 500), counters.rates());
    }

    @Test
    void zeroingRestartsRatesFromNothing() {
        StatsCounters counters = new StatsCounters();
        counters.conns.add(200);
        counters.estimate();
        counters.reset();
        assertEquals(Rates.ZERO, counters.rates());
        counters.estimate(); // no new connections since -Z: no spurious negative or positive rate
        assertEquals(Rates.ZERO, counters.rates());
    }
}
