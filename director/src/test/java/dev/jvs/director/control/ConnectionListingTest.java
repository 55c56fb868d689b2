package dev.jvs.director.control;

import dev.jvs.director.conn.Connection;
import dev.jvs.director.conn.ConnectionTable;
import dev.jvs.director.conn.Direction;
import dev.jvs.director.conn.TcpEvent;
import dev.jvs.director.rules.Dest;
import dev.jvs.director.rules.RuleTable;
import dev.jvs.ipvsadm.IpvsadmParser;
import dev.jvs.ipvsadm.NumericNames;
import dev.jvs.model.Protocol;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConnectionListingTest {

    @Test
    void listsEntriesInIpvsadmsLayoutWithStateNamesAndTimeLeft() throws Exception {
        RuleTable rules = new RuleTable();
        List<dev.jvs.model.Command.RuleChange> batch = new ArrayList<>();
        for (String line : List.of("-A -t 10.0.0.1:80 -s rr", "-a -t 10.0.0.1:80 -r 192.168.0.19:80 -m",
                "-A -u 10.0.0.3:53 -s rr", "-a -u 10.0.0.3:53 -r 192.168.2.1:53 -m")) {
            batch.add((dev.jvs.model.Command.RuleChange) IpvsadmParser.parse("ipvsadm", Arrays.asList(line.split(" "))));
        }
        rules.apply(batch);
        ConnectionTable table = new ConnectionTable(8, rules::timeouts);
        long now = TimeUnit.HOURS.toNanos(1);
        Dest web = rules.services().get(0).dests().get(0);
        Dest dns = rules.services().get(1).dests().get(0);

        Connection established = new Connection(Protocol.TCP, new InetSocketAddress("203.0.113.5", 51234),
                new InetSocketAddress("10.0.0.1", 80), web, rules::timeouts, now);
        established.tcpEvent(Direction.INPUT, TcpEvent.SYN);
        established.tcpEvent(Direction.INPUT, TcpEvent.ACK);
        established.touch(now - TimeUnit.SECONDS.toNanos(3)); // idle for 3 s of its 900
        table.insert(established);
        Connection udp = new Connection(Protocol.UDP, new InetSocketAddress("203.0.113.7", 5353),
                new InetSocketAddress("10.0.0.3", 53), dns, rules::timeouts, now);
        udp.touch(now - TimeUnit.SECONDS.toNanos(1));
        table.insert(udp);

        String listed = ConnectionListing.list(table, NumericNames.INSTANCE, now);
        List<String> rows = listed.lines().toList();
        assertEquals("IPVS connection entries", rows.get(0));
        assertEquals("pro expire state       source             virtual            destination", rows.get(1));
        assertEquals(List.of(
                        "TCP 14:57  ESTABLISHED 203.0.113.5:51234  10.0.0.1:80        192.168.0.19:80",
                        "UDP 04:59  UDP         203.0.113.7:5353   10.0.0.3:53        192.168.2.1:53"),
                rows.subList(2, rows.size()).stream().sorted().toList());
    }
}
