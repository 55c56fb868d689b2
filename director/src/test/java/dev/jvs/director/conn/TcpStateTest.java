package dev.jvs.director.conn;

import org.junit.jupiter.api.Test;

import static dev.jvs.director.conn.Direction.*;
import static dev.jvs.director.conn.TcpEvent.*;
import static dev.jvs.director.conn.TcpState.*;
import static org.junit.jupiter.api.Assertions.*;

class TcpStateTest {

    @Test
    void aNatConnectionWalksThroughTheHandshakeAndClose() {
        TcpState s = NONE;
        s = s.next(INPUT, SYN);
        assertEquals(SYN_RECV, s);
        s = s.next(OUTPUT, SYN); // SYN+ACK from the server
        assertEquals(SYN_RECV, s);
        s = s.next(INPUT, ACK);
        assertEquals(ESTABLISHED, s);
        s = s.next(INPUT, FIN);
        assertEquals(CLOSE_WAIT, s);
        s = s.next(OUTPUT, FIN);
        assertEquals(TIME_WAIT, s);
        s = s.next(INPUT, ACK);
        assertEquals(TIME_WAIT, s);
    }

    @Test
    void serverCloseFirstGoesThroughFinWait() {
        assertEquals(FIN_WAIT, ESTABLISHED.next(OUTPUT, FIN));
        assertEquals(TIME_WAIT, FIN_WAIT.next(INPUT, FIN));
    }

    @Test
    void inputOnlyTableDiffersInFinFromEstablishedAndRstFromSynack() {
        assertEquals(CLOSE_WAIT, ESTABLISHED.next(INPUT, FIN));
        assertEquals(FIN_WAIT, ESTABLISHED.next(INPUT_ONLY, FIN));
        assertEquals(SYN_RECV, SYNACK.next(INPUT, RST));
        assertEquals(CLOSE, SYNACK.next(INPUT_ONLY, RST));
    }

    @Test
    void resetsAndOddCells() {
        assertEquals(CLOSE, ESTABLISHED.next(INPUT, RST));
        assertEquals(SYN_RECV, SYN_RECV.next(INPUT, RST));
        assertEquals(SYN_SENT, SYN_SENT.next(OUTPUT, RST));
        assertEquals(TIME_WAIT, TIME_WAIT.next(OUTPUT, RST));
        assertEquals(ESTABLISHED, LISTEN.next(OUTPUT, ACK));
        assertEquals(LAST_ACK, LAST_ACK.next(OUTPUT, ACK));
        assertEquals(CLOSE, LAST_ACK.next(INPUT, ACK));
        assertEquals(SYN_SENT, NONE.next(OUTPUT, SYN));
    }

    @Test
    void aSegmentWithoutFlagsCloses() {
        assertNull(TcpEvent.of(false, false, false, false));
        assertEquals(CLOSE, ESTABLISHED.next(INPUT, TcpEvent.of(false, false, false, false)));
        assertEquals(RST, TcpEvent.of(true, true, true, true));
        assertEquals(SYN, TcpEvent.of(true, true, true, false));
        assertEquals(FIN, TcpEvent.of(false, true, true, false));
    }

    @Test
    void activeStatesAreThePreEstablishedOnesAndEstablished() {
        for (TcpState s : TcpState.values()) {
            boolean expected = s == ESTABLISHED || s == SYN_SENT || s == SYN_RECV || s == SYNACK;
            assertEquals(expected, s.isActive(), s.name());
        }
    }

    @Test
    void defaultTimeouts() {
        int[] expected = {2, 900, 120, 60, 120, 120, 10, 60, 30, 120, 120};
        for (TcpState s : TcpState.values()) {
            assertEquals(expected[s.ordinal()], s.defaultTimeoutSeconds(), s.name());
        }
        assertEquals("SYN_RECV", SYN_RECV.label());
    }
}
