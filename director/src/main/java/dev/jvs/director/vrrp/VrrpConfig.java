package dev.jvs.director.vrrp;

import java.util.List;

/** Everything VRRP in one keepalived.conf, plus what the parser had to say about it. */
public record VrrpConfig(VrrpGlobals globals, List<VrrpScriptConfig> scripts, List<VrrpSyncGroupConfig> syncGroups,
                         List<VrrpInstanceConfig> instances, List<String> warnings) {
    public VrrpConfig {
        scripts = List.copyOf(scripts);
        syncGroups = List.copyOf(syncGroups);
        instances = List.copyOf(instances);
        warnings = List.copyOf(warnings);
    }

    public VrrpScriptConfig script(String name) {
        return scripts.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }
}
