package dev.jvs.director.rules;

/** The exact texts ipvsadm prints for the errors the kernel returns (ipvsadm.md §9.3), plus JVS's own rule. */
public final class KernelMessages {

    public static final String SERVICE_EXISTS = "Service already exists";
    public static final String SCHEDULER_NOT_FOUND = "Scheduler or persistence engine not found";
    public static final String NO_SUCH_SERVICE = "No such service";
    public static final String SERVICE_NOT_DEFINED = "Service not defined";
    public static final String DEST_EXISTS = "Destination already exists";
    public static final String NO_SUCH_DEST = "No such destination";
    /** ERANGE: negative weight, or lower threshold above upper threshold. */
    public static final String OUT_OF_RANGE = "Numerical result out of range";
    /** EINVAL (two spaces after the first period). */
    public static final String INVALID_OPERATION =
            "Invalid operation.  Possibly wrong module version, address not unicast, ...";
    /** JVS: a service proxies (NAT) or forwards packets (DR/TUN), never both. */
    public static final String MIXED_FORWARDING = "Mixing masquerading (-m) and direct routing/tunneling (-g/-i)"
            + " real servers in one service is not supported by JVS";

    private KernelMessages() {
    }
}
