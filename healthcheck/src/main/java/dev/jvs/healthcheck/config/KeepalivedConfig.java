package dev.jvs.healthcheck.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole keepalived.conf: the generic block tree of every section (for VRRP and anything else built on it
 * later), the virtual servers JVS runs, and every warning and error, each with its file and line.
 */
public final class KeepalivedConfig {

    private final Path file;
    private final List<ConfigNode> roots;
    private final GlobalSettings globals;
    private final List<VirtualServerDef> virtualServers;
    private final List<ConfigProblem> problems;

    KeepalivedConfig(Path file, List<ConfigNode> roots, GlobalSettings globals,
                     List<VirtualServerDef> virtualServers, List<ConfigProblem> problems) {
        this.file = file;
        this.roots = List.copyOf(roots);
        this.globals = globals;
        this.virtualServers = List.copyOf(virtualServers);
        this.problems = List.copyOf(problems);
    }

    /** Reads and interprets {@code file}; never throws for a bad config, see {@link #problems()}. */
    public static KeepalivedConfig load(Path file) {
        ConfigReader.Result tree = ConfigReader.read(file);
        List<ConfigProblem> problems = new ArrayList<>(tree.problems());
        LvsConfigParser lvs = new LvsConfigParser(problems);
        GlobalSettings globals = lvs.globals(tree.roots());
        List<VirtualServerDef> services = lvs.virtualServers(tree.roots());
        return new KeepalivedConfig(file, tree.roots(), globals, services, problems);
    }

    /** As {@link #load}, but a config with errors is refused with all of them. */
    public static KeepalivedConfig loadValid(Path file) throws ConfigException {
        KeepalivedConfig config = load(file);
        if (config.hasErrors()) throw new ConfigException(config.problems());
        return config;
    }

    public Path file() {
        return file;
    }

    /** Every top-level block and line, in file order (includes expanded). */
    public List<ConfigNode> roots() {
        return roots;
    }

    /** Top-level blocks named {@code name} (e.g. {@code vrrp_instance}), each with its file:line. */
    public List<ConfigNode> blocks(String name) {
        return roots.stream().filter(n -> n.keyword().equals(name)).toList();
    }

    public GlobalSettings globals() {
        return globals;
    }

    public List<VirtualServerDef> virtualServers() {
        return virtualServers;
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    /** Scripts are configured but {@code enable_script_security} is off: keepalived -t reports it (exit 6). */
    public boolean scriptSecurityViolation() {
        if (globals.enableScriptSecurity()) return false;
        // A script keepalived cannot find is disabled, not a violation (MISC_CHECKs without one are already gone).
        return virtualServers.stream().anyMatch(vs -> runs(vs.quorumUp()) || runs(vs.quorumDown())
                || vs.realServers().stream().anyMatch(rs -> runs(rs.notifyUp()) || runs(rs.notifyDown())
                || rs.checkers().stream().anyMatch(c -> c.spec() instanceof CheckSpec.Misc)));
    }

    private static boolean runs(java.util.Optional<ScriptDef> script) {
        return script.isPresent() && ConfigValues.runnable(script.get().command());
    }

    public boolean hasErrors() {
        return problems.stream().anyMatch(ConfigProblem::isError);
    }
}
