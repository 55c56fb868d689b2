package dev.jvs.director.sched;

import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.DestArray;

import java.net.InetAddress;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * lblc: remembers one server per destination address. A cached server is kept while it is available, has a
 * positive weight and is not "overloaded" in lblc's own sense (the OVERLOAD flag is not consulted for it);
 * otherwise wlc picks a new one for the address.
 */
final class LocalityLeastConnectionScheduler implements Scheduler {

    static final String NAME = "lblc";

    private static final class CachedServer extends LocalityCache.Entry {
        Dest dest;

        CachedServer(InetAddress address, Dest dest, long now) {
            super(address, now);
            this.dest = dest;
        }
    }

    private final LongSupplier nanoClock;
    private LocalityCache<CachedServer> cache;

    LocalityLeastConnectionScheduler(LongSupplier nanoClock) {
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
        CachedServer entry = cache.get(address);
        if (entry != null) {
            entry.lastUse = now;
            Dest d = entry.dest;
            if (d.available() && d.weight() > 0 && !overloaded(d, array)) {
                return d;
            }
        }
        Dest d = WeightedLeastConnectionScheduler.leastLoaded(array);
        if (d == null) {
            return null;
        }
        if (entry == null || entry.dest != d) {
            if (entry != null) {
                cache.remove(entry, false); // the kernel frees the old entry without counting it out
            }
            cache.add(new CachedServer(address, d, now));
        }
        return d;
    }

    /** lblc's overload test: more active connections than weight while some server is under half its weight. */
    static boolean overloaded(Dest d, DestArray array) {
        if (d.activeConns() > d.weight()) {
            long[] c = array.cells();
            for (int p = 0; p < c.length; p += DestArray.STRIDE) {
                if (c[p + DestArray.ACTIVE] * 2 < c[p + DestArray.WEIGHT]) {
                    return true;
                }
            }
        }
        return false;
    }

    int cachedEntries() {
        return cache.countedEntries();
    }
}
