package dev.jvs.director.rules;

import dev.jvs.director.sched.Scheduler;
import dev.jvs.director.sched.Schedulers;
import dev.jvs.model.Command;
import dev.jvs.model.Command.RuleChange;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.Timeouts;
import dev.jvs.model.TunnelType;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The next table, built copy-on-write from the published one: the only place the table's rules live. Each
 * command is checked (in the kernel's order, so the first error reported is the kernel's) and applied to the
 * copy; nothing anyone else can see changes until {@link #commit}. Services and real servers the batch touches
 * are copied, the rest are shared with the published table. What must survive as in the kernel is carried over:
 * the {@link Dest} objects with their counters (a deleted one waits in the trash and comes back if its
 * address:port is re-added to the same service), and each service's {@link ServiceCore} with its scheduler.
 */
final class Draft implements RuleChange.Handler<IpvsadmException> {

    /** A deleted destination waits here, keyed by its service and address:port, to be revived (the kernel's trash). */
    record TrashKey(ServiceKey service, InetAddress address, int port) {
        static TrashKey of(ServiceKey service, RealServerConfig server) {
            return new TrashKey(service, server.address(), server.port());
        }
    }

    /** A destination as the next table will hold it. */
    private record Member(Dest dest, RealServerConfig config) {}

    /** A service of the next table; {@code published} is non-null while it is untouched by the batch. */
    private static final class Entry {
        final ServiceCore core;
        ServiceConfig config;
        List<Member> members;
        VirtualService published;

        Entry(VirtualService published) {
            this.core = published.core;
            this.config = published.config();
            this.published = published;
        }

        Entry(ServiceConfig config, ServiceCore core) {
            this.core = core;
            this.config = config;
            this.members = new ArrayList<>();
        }

        /** The members, copied on first write. */
        List<Member> members() {
            if (members == null) {
                members = new ArrayList<>();
                for (Dest d : published.dests()) members.add(new Member(d, d.config()));
            }
            published = null;
            return members;
        }

        int indexOf(RealServerConfig endpoint) {
            List<Member> m = members();
            for (int i = 0; i < m.size(); i++) {
                if (m.get(i).config().sameEndpoint(endpoint)) return i;
            }
            return -1;
        }
    }

    /** One scheduler hook or counter change, replayed on its core at commit in batch order. */
    private record Effect(ServiceCore core, Runnable action) {}

    private final Schedulers schedulers;
    private final Map<ServiceKey, Entry> services = new LinkedHashMap<>(); // creation order
    private final Map<TrashKey, Dest> trash;
    private final List<Effect> effects = new ArrayList<>();
    private final Set<ServiceCore> retired = new HashSet<>();
    /** Destinations deleted by the batch; those not re-added are marked unavailable once it is published. */
    private final Set<Dest> deleted = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private Timeouts timeouts;

    Draft(List<VirtualService> published, Timeouts timeouts, Map<TrashKey, Dest> trash, Schedulers schedulers) {
        for (VirtualService vs : published) services.put(vs.key(), new Entry(vs));
        this.timeouts = timeouts;
        this.trash = new HashMap<>(trash);
        this.schedulers = schedulers;
    }

    void apply(RuleChange change) throws IpvsadmException {
        change.applyTo(this);
    }

    @Override
    public void addService(Command.AddService c) throws IpvsadmException {
        ServiceConfig config = c.service();
        if (services.containsKey(config.key())) {
            throw IpvsadmException.kernel(KernelMessages.SERVICE_EXISTS);
        }
        checkService(config);
        ServiceCore core = new ServiceCore(schedulers.newScheduler(config.scheduler()), config.schedFlags());
        services.put(config.key(), new Entry(config, core));
    }

    @Override
    public void editService(Command.EditService c) throws IpvsadmException {
        ServiceConfig config = c.service();
        Entry e = serviceOr(config.key(), KernelMessages.NO_SUCH_SERVICE);
        checkService(config);
        if (!config.scheduler().equals(e.config.scheduler())) {
            Scheduler replacement = schedulers.newScheduler(config.scheduler());
            effects.add(new Effect(e.core, () -> e.core.rebindScheduler(replacement)));
        }
        e.members();
        e.config = config;
    }

    @Override
    public void deleteService(Command.DeleteService c) throws IpvsadmException {
        deleteService(serviceOr(c.serviceKey(), KernelMessages.NO_SUCH_SERVICE));
    }

    @Override
    public void flush(Command.Flush c) {
        for (Entry e : List.copyOf(services.values())) deleteService(e);
    }

    @Override
    public void zero(Command.Zero c) throws IpvsadmException {
        if (c.serviceKey().isPresent()) {
            Entry e = serviceOr(c.serviceKey().get(), KernelMessages.NO_SUCH_SERVICE);
            effects.add(new Effect(e.core, e.core::zero));
        } else {
            for (Entry e : services.values()) effects.add(new Effect(e.core, e.core::zero));
        }
    }

    @Override
    public void setTimeouts(Command.SetTimeouts c) {
        timeouts = timeouts.merge(c.timeouts());
    }

    @Override
    public void addServer(Command.AddServer c) throws IpvsadmException {
        ServiceKey key = c.serviceKey();
        RealServerConfig server = c.server();
        Entry e = serviceOr(key, KernelMessages.SERVICE_NOT_DEFINED);
        checkFamily(key, server);
        checkRanges(server);
        if (e.indexOf(server) >= 0) {
            throw IpvsadmException.kernel(KernelMessages.DEST_EXISTS);
        }
        if (!isUnicast(server.address())) {
            throw IpvsadmException.kernel(KernelMessages.INVALID_OPERATION);
        }
        checkNoMixing(e.members(), server, -1);
        Dest found = trash.remove(TrashKey.of(key, server));
        Dest dest = found != null ? found : new Dest(server);
        dest.idleSinceNanos = 0;
        deleted.remove(dest);
        e.members().add(0, new Member(dest, server));
        effects.add(new Effect(e.core, () -> e.core.addAtHead(dest, server)));
    }

    @Override
    public void editServer(Command.EditServer c) throws IpvsadmException {
        ServiceKey key = c.serviceKey();
        RealServerConfig server = c.server();
        Entry e = serviceOr(key, KernelMessages.SERVICE_NOT_DEFINED);
        checkFamily(key, server);
        checkRanges(server);
        int index = e.indexOf(server);
        if (index < 0) {
            throw IpvsadmException.kernel(KernelMessages.NO_SUCH_DEST);
        }
        checkNoMixing(e.members(), server, index);
        Dest dest = e.members().get(index).dest();
        e.members().set(index, new Member(dest, server));
        effects.add(new Effect(e.core, () -> e.core.editDest(dest, server)));
    }

    @Override
    public void deleteServer(Command.DeleteServer c) throws IpvsadmException {
        ServiceKey key = c.serviceKey();
        Entry e = serviceOr(key, KernelMessages.SERVICE_NOT_DEFINED);
        int index = e.indexOf(c.server());
        if (index < 0) {
            throw IpvsadmException.kernel(KernelMessages.NO_SUCH_DEST);
        }
        Member gone = e.members().remove(index);
        toTrash(key, gone);
        effects.add(new Effect(e.core, () -> e.core.removeDest(gone.dest())));
    }

    private void deleteService(Entry e) {
        services.remove(e.config.key());
        for (Member m : e.members()) toTrash(e.config.key(), m);
        retired.add(e.core);
        effects.add(new Effect(e.core, e.core::retire));
    }

    private void toTrash(ServiceKey key, Member m) {
        m.dest().idleSinceNanos = 0;
        deleted.add(m.dest());
        trash.put(TrashKey.of(key, m.config()), m.dest());
    }

    /** The listening sockets the next table needs, as {@code budget} counts them. */
    long listenerSockets(ListenerBudget budget) {
        long sockets = 0;
        for (Entry e : services.values()) {
            ServiceKey key = e.config.key();
            boolean allNat = true;
            int servers;
            if (e.published != null) {
                List<Dest> dests = e.published.dests();
                servers = dests.size();
                for (Dest d : dests) allNat &= d.config().method() == ForwardMethod.MASQ;
            } else {
                servers = e.members.size();
                for (Member m : e.members) allNat &= m.config().method() == ForwardMethod.MASQ;
            }
            sockets += budget.sockets(key, servers, allNat);
        }
        return sockets;
    }

    /** The next table's trash: what the writer keeps once the batch is published. */
    Map<TrashKey, Dest> trash() {
        return trash;
    }

    Timeouts timeouts() {
        return timeouts;
    }

    /**
     * Makes the draft real: with the lock of every service core the batch touched held (in a fixed order, so no
     * decision sees a half-replayed service), replays the hooks in batch order, builds the new snapshots of the
     * touched services, marks the deleted destinations unavailable, lets {@code publish} swap the table in, and
     * hands each deleted core's decisions to the new service of its key; only then are the locks released.
     *
     * @return the services of the next table, in creation order
     */
    List<VirtualService> commit(java.util.function.Consumer<List<VirtualService>> publish) {
        Set<ServiceCore> touched = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Effect effect : effects) touched.add(effect.core());
        for (Entry e : services.values()) if (e.published == null) touched.add(e.core);
        List<ServiceCore> locked = new ArrayList<>(touched);
        locked.sort(Comparator.comparingInt(System::identityHashCode));
        // identity hash codes may collide; the writer is the only thread that takes more than one lock at a
        // time, so any fixed order among equal codes is as good as another
        for (ServiceCore core : locked) core.lock.lock();
        try {
            for (Effect effect : effects) effect.action().run();
            for (Dest d : deleted) d.markUnavailable();
            List<VirtualService> next = new ArrayList<>(services.size());
            for (Entry e : services.values()) {
                if (e.published != null) {
                    next.add(e.published);
                    continue;
                }
                List<Dest> dests = new ArrayList<>(e.members.size());
                for (Member m : e.members) dests.add(m.dest());
                e.core.schedFlags(e.config.schedFlags());
                VirtualService vs = new VirtualService(e.config, dests, e.core);
                e.core.current = vs;
                next.add(vs);
            }
            List<VirtualService> table = List.copyOf(next);
            publish.accept(table);
            for (ServiceCore core : retired) {
                Entry successor = services.get(keyOf(core));
                if (successor != null && successor.core != core) core.handOver(successor.core);
            }
            return table;
        } finally {
            for (int i = locked.size() - 1; i >= 0; i--) locked.get(i).lock.unlock();
        }
    }

    private static ServiceKey keyOf(ServiceCore core) {
        VirtualService last = core.current;
        return last == null ? null : last.key();
    }

    private Entry serviceOr(ServiceKey key, String missingMessage) throws IpvsadmException {
        Entry e = services.get(key);
        if (e == null) {
            throw IpvsadmException.kernel(missingMessage);
        }
        return e;
    }

    /** ip_vs_add_service / ip_vs_edit_service: scheduler, then persistence engine, then the IPv6 prefix. */
    private static void checkService(ServiceConfig config) throws IpvsadmException {
        if (!Schedulers.exists(config.scheduler())) {
            throw IpvsadmException.kernel(KernelMessages.SCHEDULER_NOT_FOUND);
        }
        String pe = config.persistenceEngine();
        if (pe != null && !pe.isEmpty()) {
            // no persistence engine is implemented yet
            throw IpvsadmException.kernel(KernelMessages.SCHEDULER_NOT_FOUND);
        }
        if (config.key().ipv6() && (config.netmask() < 1 || config.netmask() > 128)) {
            throw IpvsadmException.kernel(KernelMessages.INVALID_OPERATION);
        }
    }

    /** A server of another address family than the service's is only possible through a tunnel. */
    private static void checkFamily(ServiceKey key, RealServerConfig server) throws IpvsadmException {
        boolean serverV6 = server.address() instanceof Inet6Address;
        if (serverV6 != key.ipv6() && server.method() != ForwardMethod.TUNNEL) {
            throw IpvsadmException.kernel(KernelMessages.INVALID_OPERATION);
        }
    }

    /** Done before the existence lookup, for -a and -e alike. Thresholds compare raw (0 is not "unlimited" here). */
    private static void checkRanges(RealServerConfig server) throws IpvsadmException {
        if (server.weight() < 0 || server.lowerThreshold() > server.upperThreshold()) {
            throw IpvsadmException.kernel(KernelMessages.OUT_OF_RANGE);
        }
        if (server.tunnelType() == TunnelType.GUE && server.tunnelPort() == 0) {
            throw IpvsadmException.kernel(KernelMessages.INVALID_OPERATION);
        }
    }

    private static void checkNoMixing(List<Member> members, RealServerConfig server, int skipIndex)
            throws IpvsadmException {
        boolean nat = server.method() == ForwardMethod.MASQ;
        for (int i = 0; i < members.size(); i++) {
            if (i != skipIndex && (members.get(i).config().method() == ForwardMethod.MASQ) != nat) {
                throw IpvsadmException.kernel(KernelMessages.MIXED_FORWARDING);
            }
        }
    }

    /**
     * The kernel accepts only unicast or local real-server addresses. For IPv4 it rejects 0.0.0.0/8 (the
     * kernel's "zeronet"), multicast and the limited broadcast; for IPv6 the unspecified and multicast ones.
     */
    static boolean isUnicast(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        if (address instanceof Inet4Address) {
            byte[] b = address.getAddress();
            boolean zeroNet = b[0] == 0;
            boolean limitedBroadcast = b[0] == (byte) 255 && b[1] == (byte) 255 && b[2] == (byte) 255
                    && b[3] == (byte) 255;
            return !zeroNet && !limitedBroadcast;
        }
        return true;
    }

}
