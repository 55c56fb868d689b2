package dev.jvs.director.nat;

import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalChannel;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Which loop takes a connection accepted on one loop's listener, and how the counts follow the channels. */
class LoopBalanceTest {

    private final List<EventLoopGroup> groups = new ArrayList<>();

    private EventLoopGroup loops(int n) {
        EventLoopGroup group = new DefaultEventLoopGroup(n);
        groups.add(group);
        return group;
    }

    @AfterEach
    void stop() {
        for (EventLoopGroup g : groups) g.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void fewConnectionsAcceptedOnOneLoopAreSharedEvenly() {
        LoopBalance balance = new LoopBalance(loops(2));
        for (int i = 0; i < 8; i++) {
            balance.choose(0);
            assertTrue(Math.abs(balance.openOn(0) - balance.openOn(1)) <= 1,
                    "after " + (i + 1) + ": " + balance.openOn(0) + " and " + balance.openOn(1));
        }
        assertEquals(4, balance.openOn(0));
        assertEquals(4, balance.openOn(1));
    }

    @Test
    void withEightOrMoreBetweenThemALoopKeepsWhatItAccepts() {
        LoopBalance balance = new LoopBalance(loops(2));
        for (int i = 0; i < 8; i++) balance.choose(0); // shared: 4 and 4
        for (int i = 0; i < 20; i++) assertEquals(0, balance.choose(0), "kept: the hash spreads many connections");
        assertEquals(24, balance.openOn(0));
        assertEquals(4, balance.openOn(1));
        for (int i = 0; i < 24; i++) balance.closed(0); // 0 and 4
        assertEquals(0, balance.choose(1), "4 against 0, few between them: the idle loop takes it");
        assertEquals(0, balance.choose(0), "the lighter loop keeps what it accepts");
        assertEquals(2, balance.openOn(0));
    }

    @Test
    void theRuleAtItsEdges() {
        assertFalse(LoopBalance.outweighs(0, 0));
        assertTrue(LoopBalance.outweighs(1, 0), "few connections: any difference");
        assertTrue(LoopBalance.outweighs(4, 3));
        assertFalse(LoopBalance.outweighs(5, 3), "8 between them: the hash decides");
        assertFalse(LoopBalance.outweighs(60, 0));
        assertFalse(LoopBalance.outweighs(3, 4), "a lighter loop keeps what it accepts");
    }

    @Test
    void theLeastLoadedOfSeveralLoopsTakesTheConnection() {
        LoopBalance balance = new LoopBalance(loops(3));
        balance.choose(0);
        balance.choose(1); // loop 0 held one: the connection accepted on it goes to the lightest, loop 1
        assertEquals(1, balance.openOn(1));
        assertEquals(2, balance.choose(0), "1, 1, 0: loop 2 is the lightest");
        assertEquals(List.of(1, 1, 1), List.of(balance.openOn(0), balance.openOn(1), balance.openOn(2)));
    }

    @Test
    void aChannelIsRegisteredOnTheChosenLoopAndCountedUntilItCloses() throws Exception {
        EventLoopGroup workers = loops(2);
        List<EventLoop> all = new ArrayList<>();
        for (EventExecutor e : workers) all.add((EventLoop) e);
        LoopBalance balance = new LoopBalance(workers);
        EventLoopGroup childrenOfFirst = balance.childrenOf(all.get(0));

        Channel first = new LocalChannel();
        childrenOfFirst.register(first).sync();
        Channel second = new LocalChannel();
        childrenOfFirst.register(second).sync();
        assertSame(all.get(0), first.eventLoop(), "the accepting loop keeps the first");
        assertSame(all.get(1), second.eventLoop(), "the second goes to the idle loop");
        assertEquals(1, balance.openOn(0));
        assertEquals(1, balance.openOn(1));

        second.close().sync();
        assertEquals(0, balance.openOn(1), "a closed channel is no longer counted");
        first.close().sync();
        assertEquals(0, balance.openOn(0));
        assertSame(all.get(0), childrenOfFirst.next(), "the listener's own loop, for whatever asks it for one");
    }
}
