package dev.jvs.director.rules;

import dev.jvs.director.sched.Schedulers;
import dev.jvs.model.Command;
import dev.jvs.model.ForwardMethod;
import dev.jvs.model.IpvsadmException;
import dev.jvs.model.RealServerConfig;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.TunnelType;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pure copy of the rule table's shape (keys, configs, servers) that a batch is first played on. Every error
 * the live replay could meet is found here, so the live objects are only touched by batches known to succeed.
 * The checks follow the kernel's order for each operation so that the first error reported is the same.
 */
final class Draft {

    private final Map<ServiceKey, List<RealServerConfig>> services = new HashMap<>();

    static Draft of(List<VirtualService> live) {
        Draft draft = new Draft();
        for (VirtualService vs : live) {
            List<RealServerConfig> servers = new ArrayList<>();
            for (Dest d : vs.dests()) {
                servers.add(d.config());
            }
            draft.services.put(vs.key(), servers);
        }
        return draft;
    }

    void apply(Command c) throws IpvsadmException {
        switch (c.kind()) {
            case ADD_SERVICE -> {
                ServiceConfig config = required(c.service(), c);
                if (services.containsKey(config.key())) {
                    throw IpvsadmException.kernel(KernelMessages.SERVICE_EXISTS);
                }
                checkService(config);
                services.put(config.key(), new ArrayList<>());
            }
            case EDIT_SERVICE -> {
                ServiceConfig config = required(c.service(), c);
                serviceOr(config.key(), KernelMessages.NO_SUCH_SERVICE);
                checkService(config);
            }
            case DELETE_SERVICE -> {
                ServiceKey key = required(c.serviceKey(), c);
                serviceOr(key, KernelMessages.NO_SUCH_SERVICE);
                services.remove(key);
            }
            case FLUSH -> services.clear();
            case ZERO -> {
                if (c.serviceKey() != null) {
                    serviceOr(c.serviceKey(), KernelMessages.NO_SUCH_SERVICE);
                }
            }
            case SET -> required(c.timeouts(), c);
            case ADD_SERVER -> {
                ServiceKey key = required(c.serviceKey(), c);
                RealServerConfig server = required(c.server(), c);
                List<RealServerConfig> servers = serviceOr(key, KernelMessages.SERVICE_NOT_DEFINED);
                checkFamily(key, server);
                checkRanges(server);
                if (indexOf(servers, server) >= 0) {
                    throw IpvsadmException.kernel(KernelMessages.DEST_EXISTS);
                }
                if (!isUnicast(server.address())) {
                    throw IpvsadmException.kernel(KernelMessages.INVALID_OPERATION);
                }
                checkNoMixing(servers, server, -1);
                servers.add(0, server);
            }
            case EDIT_SERVER -> {
                ServiceKey key = required(c.serviceKey(), c);
                RealServerConfig server = required(c.server(), c);
                List<RealServerConfig> servers = serviceOr(key, KernelMessages.SERVICE_NOT_DEFINED);
                checkFamily(key, server);
                checkRanges(server);
                int index = indexOf(servers, server);
                if (index < 0) {
                    throw IpvsadmException.kernel(KernelMessages.NO_SUCH_DEST);
                }
                checkNoMixing(servers, server, index);
                servers.set(index, server);
            }
            case DELETE_SERVER -> {
                ServiceKey key = required(c.serviceKey(), c);
                RealServerConfig server = required(c.server(), c);
                List<RealServerConfig> servers = serviceOr(key, KernelMessages.SERVICE_NOT_DEFINED);
                int index = indexOf(servers, server);
                if (index < 0) {
                    throw IpvsadmException.kernel(KernelMessages.NO_SUCH_DEST);
                }
                servers.remove(index);
            }
            default -> throw new IllegalArgumentException("not a rule-table command: " + c.kind());
        }
    }

    private List<RealServerConfig> serviceOr(ServiceKey key, String missingMessage) throws IpvsadmException {
        List<RealServerConfig> servers = services.get(key);
        if (servers == null) {
            throw IpvsadmException.kernel(missingMessage);
        }
        return servers;
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

    private static void checkNoMixing(List<RealServerConfig> servers, RealServerConfig server, int skipIndex)
            throws IpvsadmException {
        boolean nat = server.method() == ForwardMethod.MASQ;
        for (int i = 0; i < servers.size(); i++) {
            if (i != skipIndex && (servers.get(i).method() == ForwardMethod.MASQ) != nat) {
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

    private static int indexOf(List<RealServerConfig> servers, RealServerConfig endpoint) {
        for (int i = 0; i < servers.size(); i++) {
            if (servers.get(i).sameEndpoint(endpoint)) {
                return i;
            }
        }
        return -1;
    }

    private static <T> T required(T value, Command c) {
        if (value == null) {
            throw new IllegalArgumentException(c.kind() + " without its arguments");
        }
        return value;
    }
}
