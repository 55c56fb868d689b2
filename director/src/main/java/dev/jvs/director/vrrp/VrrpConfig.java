package dev.jvs.director.vrrp;

import dev.jvs.healthcheck.config.ConfigProblem;

import java.util.List;

/** Everything VRRP in one keepalived.conf, plus what the parser had to say about it. */
public record VrrpConfig(VrrpGlobals globals, List<VrrpScriptConfig> scripts, List<VrrpSyncGroupConfig> syncGroups,
                         List<VrrpInstanceConfig> instances, List<ConfigProblem> warnings) {
    public VrrpConfig {
        scripts = List.copyOf(scripts);
        syncGroups = List.copyOf(syncGroups);
        instances = List.copyOf(instances);
        warnings = List.copyOf(warnings);
    }

    public VrrpConfig withWarnings(List<ConfigProblem> replaced) {
        return new VrrpConfig(globals, scripts, syncGroups, instances, replaced);
    }

    public VrrpScriptConfig script(String name) {
        return scripts.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }
}
