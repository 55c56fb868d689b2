package dev.jvs.model;

/**
 * An error with ipvsadm's exact message and exit status. Thrown by the grammar (status 2 or 255), by the
 * rule table (the kernel's messages, status 255) and by listings (status 1).
 */
public final class IpvsadmException extends Exception {

    /** Local validation failure (ipvsadm.c). */
    public static final int VALIDATION = 2;
    /** Usage errors and kernel errors on modifying commands. */
    public static final int FAILURE = 255;
    /** Errors while listing. */
    public static final int LIST_FAILURE = 1;

    private final int exitStatus;

    public IpvsadmException(String message, int exitStatus) {
        super(message, null, false, false);
        this.exitStatus = exitStatus;
    }

    /** A local validation error: exit status 2. */
    public static IpvsadmException invalid(String message) { return new IpvsadmException(message, VALIDATION); }

    /** An error the kernel would return for a modifying command: exit status 255. */
    public static IpvsadmException kernel(String message) { return new IpvsadmException(message, FAILURE); }

    public int exitStatus() { return exitStatus; }

    /** The same error with a prefix naming where it happened (e.g. {@code line 3: }). */
    public IpvsadmException prefixed(String prefix) { return new IpvsadmException(prefix + getMessage(), exitStatus); }
}
