package dev.jvs.ipvsadm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HelpTest {

    @Test
    void versionLineNamesIpvsadmAndJvs() {
        assertEquals("ipvsadm v1.31 2019/12/24 (JVS 0.1.0, IPVS v1.2.1 compatible)", Help.version());
    }

    @Test
    void helpListsEveryLongOptionTheParserAccepts() {
        String text = Help.text("/sbin/ipvsadm");
        assertTrue(text.contains("/sbin/ipvsadm -A|-E"));
        for (PoptOption option : PoptOption.values()) {
            assertTrue(text.contains("--" + option.longName), "help lacks --" + option.longName);
            for (char letter : option.shortLetters.toCharArray()) {
                assertTrue(text.contains("-" + letter), "help lacks -" + letter);
            }
        }
        assertTrue(text.endsWith("\n"));
    }
}
