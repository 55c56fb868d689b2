package dev.jvs.model;

/** A real server as a listing shows it: its settings and live counters. */
public record RealServerView(RealServerConfig config, int activeConns, int inactiveConns, int persistConns,
                             Stats stats, Rates rates) {
}
