package dev.jvs.ipvsadm;

import dev.jvs.model.Protocol;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Names as ipvsadm prints them without {@code -n}: reverse lookups for hosts, the services database for ports.
 * Create one per listing: host results are cached for its lifetime only. A lookup runs on a shared daemon
 * pool and is abandoned after {@link #LOOKUP_BOUND_MILLIS}, so a slow resolver cannot stall a listing for long;
 * the numeric form is printed instead.
 */
public final class SystemNames implements NameResolver {

    static final long LOOKUP_BOUND_MILLIS = 300;

    private static final ExecutorService LOOKUPS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "jvs-reverse-lookup");
        thread.setDaemon(true);
        return thread;
    });

    private final ServicesDatabase services;
    private final Map<InetAddress, String> hosts = new ConcurrentHashMap<>();

    /** Uses the system services database ({@code /etc/services}). */
    public SystemNames() {
        this(ServicesDatabase.system());
    }

    /** Port names from another services file (tests, chroots). */
    public SystemNames(java.nio.file.Path servicesFile) {
        this(ServicesDatabase.load(servicesFile));
    }

    public SystemNames(ServicesDatabase services) {
        this.services = services;
    }

    @Override
    public String host(InetAddress address) {
        return hosts.computeIfAbsent(address, SystemNames::lookUp);
    }

    @Override
    public String port(int port, Protocol protocolOrNullForFwmark) {
        return services.name(port, protocolOrNullForFwmark).orElse(Integer.toString(port));
    }

    private static String lookUp(InetAddress address) {
        String numeric = InetText.format(address);
        Future<String> name = LOOKUPS.submit(() -> reverseName(address));
        try {
            String result = name.get(LOOKUP_BOUND_MILLIS, TimeUnit.MILLISECONDS);
            return result == null ? numeric : result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return numeric;
        } catch (Exception e) {
            name.cancel(true);
            return numeric;
        }
    }

    /** The PTR / hosts-file name, or null when there is none (Java then returns the literal). */
    private static String reverseName(InetAddress address) throws UnknownHostException {
        InetAddress fresh = InetAddress.getByAddress(address.getAddress()); // drop any cached host name
        String name = fresh.getHostName();
        return name.equals(fresh.getHostAddress()) || name.indexOf(':') >= 0 ? null : name;
    }
}
