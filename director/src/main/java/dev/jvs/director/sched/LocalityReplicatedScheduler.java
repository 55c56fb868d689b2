package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.DestArray;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * lblcr: remembers a set of servers per destination address. The least loaded usable member serves; the set
 * grows (via wlc over all servers) only when that member is "overloaded" in lblc's sense or none is usable, and
 * loses its most loaded member, at most one per decision, once it has not changed for the expiration time.
 */
final class LocalityReplicatedScheduler implements Scheduler {

    static final String NAME = "lblcr";

    private static final class ServerSet extends LocalityCache.Entry {
        /** Members, newest first as the kernel inserts them. */
        final List<Dest> members = new ArrayList<>(2);
        long lastMod;

        ServerSet(InetAddress address, long now) {
            super(address, now);
            this.lastMod = now;
        }

        void insert(Dest d, long now) {
            if (!members.contains(d)) {
                members.add(0, d);
                lastMod = now;
            }
        }

        void erase(Dest d, long now) {
            if (members.remove(d)) {
                lastMod = now;
            }
        }
    }

    private final LongSupplier nanoClock;
    private LocalityCache<ServerSet> cache;

    LocalityReplicatedScheduler(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void initService(List<Dest> dests) {
        cache = new LocalityCache<>(nanoClock, LocalityCache.DEFAULT_EXPIRATION_NANOS);
    }

    @Override
    public Dest schedule(ScheduleContext ctx) {
        long now = cache.now();
        DestArray array = ctx.array();
        InetAddress address = ctx.destinationAddress();
        ServerSet set = cache.get(address);
        if (set == null) {
            Dest d = WeightedLeastConnectionScheduler.leastLoaded(array);
            if (d != null) {
                set = new ServerSet(address, now);
                set.insert(d, now);
                cache.add(set);
            }
            return d;
        }
        set.lastUse = now;
        Dest d = setMin(set.members);
        if (set.members.size() > 1 && now - (set.lastMod + cache.expirationNanos()) > 0) {
            Dest most = setMax(set.members);
            if (most != null) {
                set.erase(most, now); // may be d itself; it is still returned below, as the kernel does
            }
        }
        if (d != null && !LocalityLeastConnectionScheduler.overloaded(d, array)) {
            return d;
        }
        d = WeightedLeastConnectionScheduler.leastLoaded(array);
        if (d != null) {
            set.insert(d, now);
        }
        return d;
    }

    /** How many servers the set for {@code address} holds (0 when not cached); for tests. */
    int setSize(InetAddress address) {
        ServerSet set = cache.get(address);
        return set == null ? 0 : set.members.size();
    }

    /** The least loaded member that is usable: not overloaded, available, and (to seed) a positive weight. */
    static Dest setMin(List<Dest> members) {
        int n = members.size();
        int i = 0;
        Dest least = null;
        for (; i < n; i++) {
            Dest d = members.get(i);
            if (!d.overloaded() && d.weight() > 0 && d.available()) {
                least = d;
                break;
            }
        }
        if (least == null) {
            return null;
        }
        long leastOverhead = least.overhead();
        for (i = i + 1; i < n; i++) {
            Dest d = members.get(i);
            if (d.overloaded()) {
                continue;
            }
            long overhead = d.overhead();
            if (leastOverhead * d.weight() > overhead * least.weight() && d.available()) {
                least = d;
                leastOverhead = overhead;
            }
        }
        return least;
    }

    /** The most loaded member with a positive weight (overload and availability are not checked). */
    static Dest setMax(List<Dest> members) {
        int n = members.size();
        int i = 0;
        Dest most = null;
        for (; i < n; i++) {
            Dest d = members.get(i);
            if (d.weight() > 0) {
                most = d;
                break;
            }
        }
        if (most == null) {
            return null;
        }
        long mostOverhead = most.overhead();
        for (i = i + 1; i < n; i++) {
            Dest d = members.get(i);
            long overhead = d.overhead();
            if (mostOverhead * d.weight() < overhead * most.weight() && d.weight() > 0) {
                most = d;
                mostOverhead = overhead;
            }
        }
        return most;
    }
}
