package dev.jvs.director.conn;

/** Which way a TCP segment travelled, selecting one of the kernel's three transition tables. */
public enum Direction {
    /** Client to real server. */
    INPUT,
    /** Real server to client (seen only when replies pass the director, i.e. NAT). */
    OUTPUT,
    /** Client to real server while no reply was ever seen (DR/TUN). */
    INPUT_ONLY
}
