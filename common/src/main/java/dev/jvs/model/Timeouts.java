package dev.jvs.model;

/**
 * The three timeouts ipvsadm can set ({@code --set tcp tcpfin udp}), in seconds:
 * TCP ESTABLISHED, TCP FIN_WAIT and UDP. In a {@code --set} request 0 means "leave unchanged".
 */
public record Timeouts(int tcp, int tcpFin, int udp) {

    public static final Timeouts KERNEL_DEFAULTS = new Timeouts(900, 120, 300);

    /** This value with the non-zero fields of {@code update} applied, as the kernel does. */
    public Timeouts merge(Timeouts update) {
        return new Timeouts(update.tcp != 0 ? update.tcp : tcp,
                update.tcpFin != 0 ? update.tcpFin : tcpFin,
                update.udp != 0 ? update.udp : udp);
    }
}
