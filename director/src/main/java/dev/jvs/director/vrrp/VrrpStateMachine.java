package dev.jvs.director.vrrp;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The VRRP state machine of one virtual router instance (RFC 3768 §6.4, RFC 5798 §6.4, with
 * keepalived's FAULT state and its choices where the RFCs leave room).
 *
 * <p>Pure logic: time comes from an injected monotonic clock and every side effect goes through
 * {@link Actions}, so tests drive it deterministically. Not thread-safe: the owner calls it from
 * one thread (an instance's event loop).
 */
public final class VrrpStateMachine {

    public enum State { INIT, BACKUP, MASTER, FAULT, STOP }

    /** What the machine asks the outside world to do. */
    public interface Actions {
        void sendAdvert(int priority);
        void addVirtualAddresses();
        void removeVirtualAddresses();
        /** Gratuitous ARP / unsolicited NA for every VIP, {@code repeat} times each. */
        void announceAddresses(int repeat);
        void stateChanged(State from, State to, int priority);
    }

    /** The per-instance numbers the machine needs (already defaulted and validated). */
    public record Settings(int version, int priority, int advertIntervalCentis, boolean wantsMaster,
                           boolean nopreempt, long preemptDelayMillis, int downTimerAdverts,
                           boolean lowerPrioNoAdvert, long garpMasterDelayMillis, int garpMasterRepeat,
                           long garpMasterRefreshMillis, int garpMasterRefreshRepeat, int garpLowerPrioRepeat,
                           InetAddress primaryAddress) {}

    static final int OWNER_PRIORITY = 255;
    static final int LEAVING_PRIORITY = 0;
    private static final long NONE = Long.MAX_VALUE;

    private final Settings settings;
    private final Actions actions;
    private final LongSupplier nanoClock;
    private BooleanSupplier masterAllowed = () -> true; // a sync group may hold members back

    private State state = State.INIT;
    private int priority;
    private int masterAdvertIntervalCentis;
    private boolean faulty;
    private boolean masterWanted; // down timer ran out but the sync group held us back
    private InetAddress masterAddress;

    private long masterDownAt = NONE;
    private long nextAdvertAt = NONE;
    private long preemptAllowedAt = NONE;
    private long secondGarpAt = NONE;
    private long garpRefreshAt = NONE;

    public VrrpStateMachine(Settings settings, Actions actions, LongSupplier nanoClock) {
        this.settings = settings;
        this.actions = actions;
        this.nanoClock = nanoClock;
        this.priority = settings.priority();
        this.masterAdvertIntervalCentis = settings.advertIntervalCentis();
    }

    public void setMasterAllowed(BooleanSupplier masterAllowed) {
        this.masterAllowed = masterAllowed;
    }

    public State state() { return state; }

    public int priority() { return priority; }

    public InetAddress masterAddress() { return masterAddress; }

    public int masterAdvertIntervalCentis() { return masterAdvertIntervalCentis; }

    /** Skew_Time: v2 (256−prio)/256 s regardless of the interval; v3 scales with the master's interval. */
    public long skewNanos() {
        long units = 256 - priority;
        if (settings.version() == 2) return units * TimeUnit.SECONDS.toNanos(1) / 256;
        return units * masterAdvertIntervalCentis * TimeUnit.MILLISECONDS.toNanos(10) / 256;
    }

    /** Master_Down_Interval = down_timer_adverts × Master_Adver_Interval + Skew_Time. */
    public long masterDownIntervalNanos() {
        return settings.downTimerAdverts() * centisToNanos(masterAdvertIntervalCentis) + skewNanos();
    }

    private long advertIntervalNanos() {
        return centisToNanos(settings.advertIntervalCentis());
    }

    private static long centisToNanos(long centis) {
        return centis * TimeUnit.MILLISECONDS.toNanos(10);
    }

    /** Start-up: an owner that wants MASTER takes over at once; everyone else listens first. */
    public void start() {
        long now = nanoClock.getAsLong();
        if (settings.preemptDelayMillis() > 0) preemptAllowedAt = now + TimeUnit.MILLISECONDS.toNanos(settings.preemptDelayMillis());
        if (faulty) {
            transition(State.FAULT);
            return;
        }
        transition(State.BACKUP);
        masterDownAt = isOwner() && settings.wantsMaster() ? now : now + masterDownIntervalNanos();
        tick();
    }

    private boolean isOwner() {
        return settings.priority() == OWNER_PRIORITY;
    }

    /** Fires whatever timers are due; call it often (every few ms) or at {@link #nextDeadlineNanos()}. */
    public void tick() {
        long now = nanoClock.getAsLong();
        switch (state) {
            case BACKUP -> {
                if (now >= masterDownAt) {
                    if (masterAllowed.getAsBoolean()) {
                        becomeMaster(now);
                    } else {
                        // A sync group member still hears its master: keep wanting MASTER and look again
                        // after one interval plus the smallest skew, as keepalived does.
                        masterWanted = true;
                        masterDownAt = now + advertIntervalNanos() + TimeUnit.SECONDS.toNanos(1) / 256;
                    }
                }
            }
            case MASTER -> {
                if (now >= nextAdvertAt) {
                    actions.sendAdvert(priority);
                    nextAdvertAt = now + advertIntervalNanos();
                }
                if (now >= secondGarpAt) {
                    secondGarpAt = NONE;
                    actions.announceAddresses(settings.garpMasterRepeat());
                }
                if (now >= garpRefreshAt) {
                    garpRefreshAt = now + TimeUnit.MILLISECONDS.toNanos(settings.garpMasterRefreshMillis());
                    actions.announceAddresses(settings.garpMasterRefreshRepeat());
                }
            }
            default -> { }
        }
    }

    /** The earliest time {@link #tick()} has something to do. */
    public long nextDeadlineNanos() {
        return switch (state) {
            case BACKUP -> masterDownAt;
            case MASTER -> Math.min(nextAdvertAt, Math.min(secondGarpAt, garpRefreshAt));
            default -> NONE;
        };
    }

    /** An advertisement for our VRID that passed {@link AdvertValidator}. */
    public void onAdvert(VrrpPacket advert, InetAddress source) {
        long now = nanoClock.getAsLong();
        switch (state) {
            case BACKUP -> backupReceived(advert, source, now);
            case MASTER -> masterReceived(advert, source, now);
            default -> { }
        }
    }

    private void backupReceived(VrrpPacket advert, InetAddress source, long now) {
        if (advert.priority() == LEAVING_PRIORITY) {
            // The master is leaving: take over after our skew only, so the highest backup wins.
            masterDownAt = now + skewNanos();
            return;
        }
        boolean lower = advert.priority() < priority;
        if (lower && settings.preemptDelayMillis() > 0 && preemptAllowedAt == NONE) {
            preemptAllowedAt = now + TimeUnit.MILLISECONDS.toNanos(settings.preemptDelayMillis());
        }
        boolean preemptDelayed = preemptAllowedAt != NONE && now < preemptAllowedAt;
        if (settings.nopreempt() || !lower || preemptDelayed) {
            masterWanted = false;
            masterAddress = source;
            if (settings.version() == 3) masterAdvertIntervalCentis = advert.advertIntervalCentis();
            masterDownAt = now + masterDownIntervalNanos();
        }
        // else: a lower-priority master we may preempt; let the down timer run out.
    }

    private void masterReceived(VrrpPacket advert, InetAddress source, long now) {
        if (advert.priority() == LEAVING_PRIORITY) {
            actions.sendAdvert(priority);
            nextAdvertAt = now + advertIntervalNanos();
            return;
        }
        if (advert.priority() > priority
                || (advert.priority() == priority && compareAddresses(source, settings.primaryAddress()) > 0)) {
            masterAddress = source;
            if (settings.version() == 3) masterAdvertIntervalCentis = advert.advertIntervalCentis();
            leaveMaster(State.BACKUP, now);
            masterDownAt = now + masterDownIntervalNanos();
            return;
        }
        // A lower-priority master: force a new election by answering at once (RFC 9568).
        if (!settings.lowerPrioNoAdvert()) {
            actions.sendAdvert(priority);
            nextAdvertAt = now + advertIntervalNanos();
        }
        if (settings.garpLowerPrioRepeat() > 0) actions.announceAddresses(settings.garpLowerPrioRepeat());
    }

    private void becomeMaster(long now) {
        // Advert first so the old master can release the addresses, then take them and announce.
        actions.sendAdvert(priority);
        nextAdvertAt = now + advertIntervalNanos();
        masterDownAt = NONE;
        masterWanted = false;
        preemptAllowedAt = NONE;
        masterAddress = settings.primaryAddress();
        masterAdvertIntervalCentis = settings.advertIntervalCentis();
        actions.addVirtualAddresses();
        actions.announceAddresses(settings.garpMasterRepeat());
        secondGarpAt = settings.garpMasterDelayMillis() > 0
                ? now + TimeUnit.MILLISECONDS.toNanos(settings.garpMasterDelayMillis()) : NONE;
        garpRefreshAt = settings.garpMasterRefreshMillis() > 0
                ? now + TimeUnit.MILLISECONDS.toNanos(settings.garpMasterRefreshMillis()) : NONE;
        transition(State.MASTER);
    }

    private void leaveMaster(State next, long now) {
        nextAdvertAt = NONE;
        secondGarpAt = NONE;
        garpRefreshAt = NONE;
        actions.removeVirtualAddresses();
        transition(next);
    }

    /** MASTER already, or a BACKUP whose master has gone silent: what a sync group asks of every member. */
    public boolean wantsMaster() {
        return state == State.MASTER || (state == State.BACKUP && (masterWanted || nanoClock.getAsLong() >= masterDownAt));
    }

    /** A sync group peer became MASTER: follow it if we want to as well (a group moves together). */
    public void forceMaster() {
        if (state == State.BACKUP && wantsMaster()) becomeMaster(nanoClock.getAsLong());
    }

    /** A sync group peer fell back: follow it to BACKUP. */
    public void forceBackup() {
        long now = nanoClock.getAsLong();
        if (state == State.MASTER) {
            leaveMaster(State.BACKUP, now);
            masterDownAt = now + masterDownIntervalNanos();
        }
    }

    /** Interface or tracker faults: FAULT while any is down, then BACKUP with a fresh down timer. */
    public void setFault(boolean fault) {
        if (fault == faulty) return;
        faulty = fault;
        long now = nanoClock.getAsLong();
        if (state == State.INIT || state == State.STOP) return;
        if (fault) {
            if (state == State.MASTER) {
                actions.sendAdvert(LEAVING_PRIORITY);
                leaveMaster(State.FAULT, now);
            } else {
                masterDownAt = NONE;
                transition(State.FAULT);
            }
        } else {
            transition(State.BACKUP);
            masterDownAt = isOwner() && settings.wantsMaster()
                    ? now + advertIntervalNanos() + skewNanos() : now + masterDownIntervalNanos();
        }
    }

    public boolean faulty() { return faulty; }

    /** Tracker weights changed the effective priority; the owner's 255 is never adjusted. */
    public void setPriority(int effectivePriority) {
        if (isOwner()) return;
        int clamped = Math.max(1, Math.min(254, effectivePriority));
        if (clamped == priority) return;
        priority = clamped;
        if (state == State.BACKUP && masterDownAt != NONE) {
            // Re-time the running down timer with the new skew, as keepalived does.
            masterDownAt = Math.min(masterDownAt, nanoClock.getAsLong() + masterDownIntervalNanos());
        }
    }

    /** Shutdown: a master says priority 0 so a backup takes over after its skew only. */
    public void stop() {
        long now = nanoClock.getAsLong();
        if (state == State.MASTER) {
            actions.sendAdvert(LEAVING_PRIORITY);
            leaveMaster(State.STOP, now);
        } else if (state != State.STOP) {
            transition(State.STOP);
        }
        masterDownAt = NONE;
    }

    private void transition(State next) {
        State previous = state;
        state = next;
        if (previous != next) actions.stateChanged(previous, next, priority);
    }

    /** Unsigned, byte by byte: the RFC tie-break ("the higher primary IP address wins"). */
    static int compareAddresses(InetAddress a, InetAddress b) {
        if (a == null || b == null) return 0;
        return Arrays.compareUnsigned(a.getAddress(), b.getAddress());
    }
}
