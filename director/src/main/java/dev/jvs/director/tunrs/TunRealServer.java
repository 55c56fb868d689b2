package dev.jvs.director.tunrs;

import dev.jvs.os.Firewall;
import dev.jvs.os.FrameHandler;
import dev.jvs.os.PacketBackend;
import dev.jvs.os.PacketPort;
import dev.jvs.os.TunDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jvs-tun-rs}: the real-server end of LVS-TUN for hosts without the kernel's ipip module. IPIP packets
 * for this host's addresses are taken off the wire, their outer header stripped, and the inner packet handed to
 * the local stack through a TUN device (the VIP itself lives on lo, as for direct routing).
 */
@Command(name = "jvs-tun-rs", mixinStandardHelpOptions = true, version = "jvs-tun-rs 0.1.0",
        description = "Userspace IPIP decapsulator for LVS-TUN real servers.")
public final class TunRealServer implements Callable<Integer>, FrameHandler {

    private static final Logger log = LoggerFactory.getLogger(TunRealServer.class);

    @Option(names = "--interface", paramLabel = "IF", required = true,
            description = "Interface the tunnelled packets arrive on.")
    String interfaceName;

    @Option(names = "--tun", paramLabel = "NAME", defaultValue = "jvstun0",
            description = "TUN device that delivers the inner packets (default: ${DEFAULT-VALUE}).")
    String tunName;

    @Option(names = "--packet-backend", paramLabel = "af_packet|pcap", defaultValue = "af_packet")
    String backend;

    private int[] localAddresses = new int[0];
    private final byte[] inner = new byte[65536];
    private TunDevice tun;
    long decapsulated;
    long ignored;
    private volatile boolean running = true;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TunRealServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<InetAddress> locals = new ArrayList<>();
        NetworkInterface nic = NetworkInterface.getByName(interfaceName);
        if (nic == null) {
            System.err.println("jvs-tun-rs: no interface " + interfaceName);
            return 2;
        }
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
            if (a instanceof Inet4Address) locals.add(a);
        }
        localAddresses = locals.stream().mapToInt(a -> ByteBuffer.wrap(a.getAddress()).getInt()).toArray();
        List<Firewall.Endpoint> ipip = new ArrayList<>();
        for (InetAddress a : locals) ipip.add(new Firewall.Endpoint("ipip", a, 0));
        try (Firewall firewall = Firewall.nftables("jvs_tun_rs");
             TunDevice device = TunDevice.open(tunName);
             PacketPort port = PacketBackend.named(backend).open(interfaceName)) {
            tun = device;
            // Without the ipip module the kernel would answer "protocol unreachable": keep it out of the way.
            firewall.ignoreLocally(ipip);
            // Inner packets come from clients routed via another interface: strict reverse-path checks drop them.
            for (String conf : List.of("all", tunName)) {
                Path rp = Path.of("/proc/sys/net/ipv4/conf", conf, "rp_filter");
                if (Files.exists(rp)) Files.writeString(rp, "0");
            }
            Signal.handle(new Signal("TERM"), s -> running = false);
            Signal.handle(new Signal("INT"), s -> running = false);
            log.info("jvs-tun-rs ready: IPIP for {} on {} -> {}", locals, interfaceName, tunName);
            while (running) port.receive(this, 256, 100);
            log.info("jvs-tun-rs stopped: {} packets decapsulated, {} frames ignored", decapsulated, ignored);
        }
        return 0;
    }

    @Override
    public void onFrame(ByteBuffer b, int off, int len, int wireLength) {
        if (len < 14 + 40 || wireLength > len || (b.getShort(off + 12) & 0xffff) != 0x0800) return;
        int ip = off + 14;
        int ihl = (b.get(ip) & 0x0f) * 4;
        int total = b.getShort(ip + 2) & 0xffff;
        if ((b.get(ip) & 0xf0) != 0x40 || b.get(ip + 9) != 4 || ihl < 20 || total > len - 14 || total < ihl + 20) {
            return;
        }
        int destination = b.getInt(ip + 16);
        boolean ours = false;
        for (int a : localAddresses) ours |= a == destination;
        if (!ours || (b.getShort(ip + 6) & 0x3fff) != 0) { // fragmented outer packets are left to the kernel
            ignored++;
            return;
        }
        int length = total - ihl;
        b.get(ip + ihl, inner, 0, length);
        if (tun.write(inner, length)) decapsulated++;
    }
}
