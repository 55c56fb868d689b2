package dev.jvs.ipvsadm;

import dev.jvs.model.RealServerView;
import dev.jvs.model.ServiceConfig;
import dev.jvs.model.ServiceKey;
import dev.jvs.model.ServiceView;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * ipvsadm's listing order (libipvs {@code ipvs_cmp_services} / {@code ipvs_cmp_dests}). Addresses and fwmarks
 * are compared by the sign of a wrapped 32-bit subtraction, so values more than 2^31 apart compare
 * "backwards" ({@code 192.168.0.1} before {@code 10.0.0.1}). That comparator is not transitive, so the result
 * depends on the sort algorithm: we use a stable insertion sort, which only ever compares neighbours and gives
 * the order users see from ipvsadm for the small tables where the quirk shows; Java's TimSort could even throw
 * on an inconsistent comparator.
 */
final class TableOrder {

    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;

    private TableOrder() {
    }

    static List<ServiceView> services(List<ServiceView> services, boolean nosort) {
        if (nosort) return services;
        List<ServiceView> sorted = new ArrayList<>(services);
        insertionSort(sorted, (a, b) -> compareServices(a.config().key(), b.config().key()));
        return sorted;
    }

    static List<RealServerView> servers(List<RealServerView> servers, boolean nosort) {
        if (nosort) return servers;
        List<RealServerView> sorted = new ArrayList<>(servers);
        insertionSort(sorted, (a, b) -> compareServers(a.config().address(), a.config().port(),
                b.config().address(), b.config().port()));
        return sorted;
    }

    static List<ServiceConfig> configs(List<ServiceConfig> services) {
        List<ServiceConfig> sorted = new ArrayList<>(services);
        insertionSort(sorted, (a, b) -> compareServices(a.key(), b.key()));
        return sorted;
    }

    static int compareServices(ServiceKey s1, ServiceKey s2) {
        int r = (int) s1.fwmark() - (int) s2.fwmark();
        if (r != 0) return r;
        r = family(s1.ipv6()) - family(s2.ipv6());
        if (r != 0) return r;
        r = s1.protocol().number() - s2.protocol().number();
        if (r != 0) return r;
        if (s1.address() != null && s2.address() != null) {
            r = compareAddresses(s1.address(), s2.address());
            if (r != 0) return r;
        }
        return s1.port() - s2.port();
    }

    static int compareServers(InetAddress a1, int port1, InetAddress a2, int port2) {
        int r = compareAddresses(a1, a2);
        return r != 0 ? r : port1 - port2;
    }

    /** Word-by-word wrapped subtraction, as many words as the first address's family has (as libipvs does). */
    private static int compareAddresses(InetAddress a1, InetAddress a2) {
        int[] w1 = words(a1);
        int[] w2 = words(a2);
        int count = a1 instanceof Inet6Address ? 4 : 1;
        int r = 0;
        for (int i = 0; r == 0 && i < count; i++) r = w1[i] - w2[i];
        return r;
    }

    /** An address as four host-order 32-bit words; IPv4 fills the first word (the rest of the C union is 0). */
    private static int[] words(InetAddress address) {
        byte[] b = address.getAddress();
        int[] words = new int[4];
        for (int i = 0; i < b.length / 4; i++) {
            words[i] = (b[4 * i] & 255) << 24 | (b[4 * i + 1] & 255) << 16 | (b[4 * i + 2] & 255) << 8
                    | (b[4 * i + 3] & 255);
        }
        return words;
    }

    private static int family(boolean ipv6) { return ipv6 ? AF_INET6 : AF_INET; }

    private static <T> void insertionSort(List<T> list, Comparator<T> comparator) {
        for (int i = 1; i < list.size(); i++) {
            T item = list.get(i);
            int j = i;
            while (j > 0 && comparator.compare(list.get(j - 1), item) > 0) {
                list.set(j, list.get(j - 1));
                j--;
            }
            list.set(j, item);
        }
    }
}
