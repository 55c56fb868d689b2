package dev.jvs.model;

import java.util.List;

/** A virtual service as a listing shows it; {@code servers} are in the kernel's list order (newest first). */
public record ServiceView(ServiceConfig config, Stats stats, Rates rates, List<RealServerView> servers) {
    public ServiceView {
        servers = List.copyOf(servers);
    }
}
