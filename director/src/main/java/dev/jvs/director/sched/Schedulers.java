package dev.jvs.director.sched;

import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** The scheduler registry: the single place where a scheduler name becomes an implementation. */
public final class Schedulers {

    private static final Map<String, Supplier<Scheduler>> FACTORIES = Map.of(
            RoundRobinScheduler.NAME, RoundRobinScheduler::new,
            WeightedRoundRobinScheduler.NAME, WeightedRoundRobinScheduler::new,
            LeastConnectionScheduler.NAME, LeastConnectionScheduler::new,
            WeightedLeastConnectionScheduler.NAME, WeightedLeastConnectionScheduler::new);

    private Schedulers() {
    }

    /** A fresh, unbound instance of the named scheduler, or null if no such scheduler exists. */
    public static Scheduler create(String name) {
        Supplier<Scheduler> factory = name == null ? null : FACTORIES.get(name);
        return factory == null ? null : factory.get();
    }

    public static boolean exists(String name) {
        return name != null && FACTORIES.containsKey(name);
    }

    public static Set<String> names() {
        return FACTORIES.keySet();
    }
}
