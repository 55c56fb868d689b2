package dev.jvs.healthcheck;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * keepalived's DNS_CHECK: one query (random id, recursion desired, class IN) over UDP; up when a reply with the
 * same id, the QR bit and RCODE 0 arrives within connect_timeout. Answer records are not inspected.
 */
public final class DnsCheck implements Checker {

    static final Map<String, Integer> QUERY_TYPES = Map.of("A", 1, "NS", 2, "CNAME", 5, "SOA", 6, "MX", 15,
            "TXT", 16, "AAAA", 28, "RRSIG", 46, "DNSKEY", 48);

    private final String type;
    private final String name;
    private final InetSocketAddress target;
    private final Optional<InetAddress> bindTo;
    private final Duration timeout;
    private final EventLoopGroup group;
    private final Class<? extends Channel> datagramType;

    public DnsCheck(String type, String name, InetSocketAddress target, Optional<InetAddress> bindTo, Duration timeout,
                    EventLoopGroup group, Class<? extends Channel> datagramType) {
        if (!QUERY_TYPES.containsKey(type)) throw new IllegalArgumentException("unknown DNS type " + type);
        this.type = type;
        this.name = name;
        this.target = target;
        this.bindTo = bindTo;
        this.timeout = timeout;
        this.group = group;
        this.datagramType = datagramType;
    }

    @Override
    public CompletableFuture<CheckResult> check() {
        int id = ThreadLocalRandom.current().nextInt(0x10000);
        String where = Probes.describe(target);
        return DatagramExchange.run(group, datagramType, target, bindTo, timeout, query(id, type, name), reply -> {
            // Too short or someone else's reply: keep waiting, as keepalived does.
            if (reply.length < 12 || ((reply[0] & 0xff) << 8 | (reply[1] & 0xff)) != id || (reply[2] & 0x80) == 0) {
                return null;
            }
            int rcode = reply[3] & 0x0f;
            return rcode == 0 ? CheckResult.up("DNS " + type + " " + name + " answered by " + where)
                    : CheckResult.down("DNS " + type + " " + name + " answered with RCODE " + rcode + " by " + where);
        }, CheckResult.down("no DNS reply from " + where + " within " + TcpCheck.format(timeout)));
    }

    static byte[] query(int id, String type, String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(id >> 8);
        out.write(id);
        out.write(0x01); // RD
        out.write(0x00);
        out.writeBytes(new byte[] {0, 1, 0, 0, 0, 0, 0, 0}); // QDCOUNT 1
        for (String label : name.split("\\.")) {
            if (label.isEmpty()) continue;
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            out.write(bytes.length);
            out.writeBytes(bytes);
        }
        out.write(0);
        int qtype = QUERY_TYPES.get(type);
        out.write(qtype >> 8);
        out.write(qtype);
        out.write(0);
        out.write(1); // IN
        return out.toByteArray();
    }
}
