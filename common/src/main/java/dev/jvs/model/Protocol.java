package dev.jvs.model;

/** Transport protocol of a virtual service, with the names ipvsadm prints and the services-database name. */
public enum Protocol {
    TCP(6, "TCP", "tcp", "-t"),
    UDP(17, "UDP", "udp", "-u"),
    SCTP(132, "SCTP", "sctp", "--sctp-service");

    private final int number;
    private final String label;
    private final String servicesName;
    private final String saveOption;

    Protocol(int number, String label, String servicesName, String saveOption) {
        this.number = number;
        this.label = label;
        this.servicesName = servicesName;
        this.saveOption = saveOption;
    }

    /** IANA protocol number; also the sort key ipvsadm uses (TCP < UDP < SCTP). */
    public int number() { return number; }

    /** Upper-case name as in listings ({@code TCP}, {@code UDP}, {@code SCTP}). */
    public String label() { return label; }

    /** Protocol name in /etc/services ({@code tcp}, {@code udp}, {@code sctp}). */
    public String servicesName() { return servicesName; }

    /** The option ipvsadm-save writes for a service of this protocol. */
    public String saveOption() { return saveOption; }
}
