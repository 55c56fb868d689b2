package dev.jvs.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InterfacesTest {

    @Test
    void loopbackIsTheFirstInterface() {
        assertEquals(1, Interfaces.index("lo"));
    }

    @Test
    void indexOneIsNamedLoopback() {
        assertEquals("lo", Interfaces.name(1));
    }

    @Test
    void unknownNameFailsNamingTheInterfaceAndTheReason() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Interfaces.index("jvs-nosuch0"));
        assertTrue(e.getMessage().contains("'jvs-nosuch0'"), e.getMessage());
        assertTrue(e.getMessage().contains("No such device"), e.getMessage());
    }

    @Test
    void unusedIndexFailsNamingTheIndex() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Interfaces.name(Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("index " + Integer.MAX_VALUE), e.getMessage());
    }

    @Test
    void emptyNameAndNonPositiveIndexAreRejectedBeforeCallingTheKernel() {
        assertThrows(IllegalArgumentException.class, () -> Interfaces.index(""));
        assertThrows(IllegalArgumentException.class, () -> Interfaces.name(0));
    }
}
