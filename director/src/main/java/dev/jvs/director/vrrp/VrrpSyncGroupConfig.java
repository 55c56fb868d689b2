package dev.jvs.director.vrrp;

import java.util.List;

/** A {@code vrrp_sync_group}: member instances that move between states together. */
public record VrrpSyncGroupConfig(String name, List<String> members, List<TrackedInterface> trackInterfaces,
                                  List<TrackedScript> trackScripts, String notifyMaster, String notifyBackup,
                                  String notifyFault, String notifyStop, String notifyAny) {
    public VrrpSyncGroupConfig {
        members = List.copyOf(members);
        trackInterfaces = List.copyOf(trackInterfaces);
        trackScripts = List.copyOf(trackScripts);
    }
}
