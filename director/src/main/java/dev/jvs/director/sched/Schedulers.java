package dev.jvs.director.sched;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The scheduler registry: the single place where a scheduler name becomes an implementation. An instance carries
 * what some schedulers need from the director: the clock that ages lblc/lblcr caches and the seed of twos.
 */
public final class Schedulers {

    private static final Map<String, Function<Schedulers, Scheduler>> FACTORIES = Map.ofEntries(
            Map.entry(RoundRobinScheduler.NAME, s -> new RoundRobinScheduler()),
            Map.entry(WeightedRoundRobinScheduler.NAME, s -> new WeightedRoundRobinScheduler()),
            Map.entry(LeastConnectionScheduler.NAME, s -> new LeastConnectionScheduler()),
            Map.entry(WeightedLeastConnectionScheduler.NAME, s -> new WeightedLeastConnectionScheduler()),
            Map.entry(LocalityLeastConnectionScheduler.NAME, s -> new LocalityLeastConnectionScheduler(s.nanoClock)),
            Map.entry(LocalityReplicatedScheduler.NAME, s -> new LocalityReplicatedScheduler(s.nanoClock)),
            Map.entry(DestinationHashingScheduler.NAME, s -> new DestinationHashingScheduler()),
            Map.entry(SourceHashingScheduler.NAME, s -> new SourceHashingScheduler()),
            Map.entry(ShortestExpectedDelayScheduler.NAME, s -> new ShortestExpectedDelayScheduler()),
            Map.entry(NeverQueueScheduler.NAME, s -> new NeverQueueScheduler()),
            Map.entry(WeightedFailoverScheduler.NAME, s -> new WeightedFailoverScheduler()),
            Map.entry(OverflowScheduler.NAME, s -> new OverflowScheduler()),
            Map.entry(MaglevHashScheduler.NAME, s -> new MaglevHashScheduler()),
            Map.entry(TwoChoicesScheduler.NAME, s -> new TwoChoicesScheduler(s.newRandom())));

    private static final Schedulers SYSTEM = new Schedulers(System::nanoTime, OptionalLong.empty());

    private final LongSupplier nanoClock;
    private final OptionalLong seed;

    /**
     * @param nanoClock monotonic clock for the lblc/lblcr cache expiry
     * @param seed      when present, every twos instance starts from this seed, so a run can be replayed
     */
    public Schedulers(LongSupplier nanoClock, OptionalLong seed) {
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.seed = Objects.requireNonNull(seed, "seed");
    }

    /** Real time, unseeded randomness. */
    public static Schedulers system() {
        return SYSTEM;
    }

    /** A fresh, unbound instance of the named scheduler, or null if no such scheduler exists. */
    public Scheduler newScheduler(String name) {
        Function<Schedulers, Scheduler> factory = name == null ? null : FACTORIES.get(name);
        return factory == null ? null : factory.apply(this);
    }

    /** {@link #newScheduler} of the {@link #system()} registry. */
    public static Scheduler create(String name) {
        return SYSTEM.newScheduler(name);
    }

    public static boolean exists(String name) {
        return name != null && FACTORIES.containsKey(name);
    }

    public static Set<String> names() {
        return FACTORIES.keySet();
    }

    private SplittableRandom newRandom() {
        return seed.isPresent() ? new SplittableRandom(seed.getAsLong()) : new SplittableRandom();
    }
}
