package dev.jvs.director.vrrp;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ScriptCommandTest {

    @Test
    void splitsOnWhitespaceWithoutAShell() {
        assertEquals(List.of("/usr/bin/killall", "-0", "haproxy"), ScriptCommand.argv("/usr/bin/killall  -0 haproxy"));
    }

    @Test
    void quotesGroupWordsAndAreRemoved() {
        assertEquals(List.of("/bin/sh", "-c", "exit 3"), ScriptCommand.argv("/bin/sh -c 'exit 3'"));
        assertEquals(List.of("/bin/echo", "a b", "c"), ScriptCommand.argv("/bin/echo \"a b\" c"));
    }
}
