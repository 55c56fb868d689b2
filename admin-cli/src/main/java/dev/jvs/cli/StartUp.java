package dev.jvs.cli;

import java.security.Security;

/**
 * The start of a CLI call, which starts a JVM every time: two things JDK 17 does on the way to the first
 * Unix-domain channel, one skipped and one moved off the main thread. Neither changes what the call does.
 */
final class StartUp {

    /** The selector provider the JDK itself picks on Linux (sun.nio.ch.DefaultSelectorProvider's choice). */
    private static final String LINUX_SELECTOR_PROVIDER = "sun.nio.ch.EPollSelectorProvider";

    private StartUp() {}

    /**
     * Names the JDK's own selector provider before the first channel is opened (first thing in main): unnamed, the
     * JDK first searches every module and jar for another one (a service lookup), about a tenth of a short call's
     * start-up. On a JDK without that class nothing is named and the search runs as usual.
     */
    static void nameSelectorProvider() {
        String property = "java.nio.channels.spi.SelectorProvider";
        if (System.getProperty(property) != null) return;
        try {
            Class.forName(LINUX_SELECTOR_PROVIDER, false, null);
            System.setProperty(property, LINUX_SELECTOR_PROVIDER);
        } catch (ClassNotFoundException e) {
            // not this JDK's (or platform's) provider: leave the choice to the JDK
        }
    }

    /**
     * JDK 17's Unix-domain channel creates a SecureRandom the first time one is opened (for names of sockets it
     * binds itself), which loads the SUN security provider: the largest single step of a call's start-up. Called
     * once the command is known to go to the director, a second thread loads it while the main thread sets up the
     * channel, which then finds it loaded (or waits for the rest). Not earlier: a call that ends before any
     * channel (help, a usage error) would pay for it at exit, which waits for a thread inside a native call. A
     * daemon; an anonymous class, not a lambda, whose bootstrap would cost the main thread what is saved.
     */
    static void loadSecurityProviders() {
        Thread loader = new Thread("jvs-cli-providers") {
            @Override
            public void run() {
                Security.getProvider("SUN");
            }
        };
        loader.setDaemon(true);
        loader.start();
    }
}
