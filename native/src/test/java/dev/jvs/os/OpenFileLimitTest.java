package dev.jvs.os;

import com.sun.management.UnixOperatingSystemMXBean;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The open-file limit is read, and its soft value raised to the hard one, as the director does at start. */
class OpenFileLimitTest {

    private static final int RLIMIT_NOFILE = 7;

    @Test
    void aLoweredSoftLimitIsRaisedToTheHardOne() throws Exception {
        OpenFileLimit.Limits now = OpenFileLimit.raiseSoftToHard();
        assertEquals(now.hard(), now.soft());
        assertFalse(OpenFileLimit.raiseSoftToHard().raised(), "nothing to raise a second time");
        long lower = Math.min(1024, now.hard() - 1);
        assumeTrue(lower > 256 && now.hard() != Long.MAX_VALUE, "the hard limit leaves no room to lower the soft one");

        long[] lowered = {lower, now.hard()};
        assertEquals(0, Libc.functions().setrlimit(RLIMIT_NOFILE, lowered));
        OpenFileLimit.Limits raised = OpenFileLimit.raiseSoftToHard();

        assertTrue(raised.raised());
        assertEquals(lower, raised.before());
        assertEquals(now.hard(), raised.soft());
        UnixOperatingSystemMXBean os = (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        assertEquals(now.hard(), os.getMaxFileDescriptorCount(), "the JVM sees the raised limit");
    }
}
