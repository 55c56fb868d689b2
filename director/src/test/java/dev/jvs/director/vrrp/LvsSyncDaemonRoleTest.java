package dev.jvs.director.vrrp;

import dev.jvs.director.sync.SyncDaemonControl;
import dev.jvs.director.vrrp.VrrpServiceTest.FakeInterfaces;
import dev.jvs.director.vrrp.VrrpServiceTest.SilentSocket;
import dev.jvs.director.vrrp.VrrpStateMachine.State;
import dev.jvs.healthcheck.config.ConfigException;
import dev.jvs.model.SyncDaemonConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.jvs.director.vrrp.VrrpServiceTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lvs_sync_daemon}: parsed from global_defs, and its VRRP instance's state picks the sync role. */
class LvsSyncDaemonRoleTest {

    /** Records start and stop requests as "start master 51" etc. */
    static final class FakeDaemons implements SyncDaemonControl {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<SyncDaemonConfig> started = new CopyOnWriteArrayList<>();

        @Override
        public void start(SyncDaemonConfig daemon) {
            calls.add("start " + daemon.state() + " " + daemon.syncId());
            started.add(daemon);
        }

        @Override
        public void stop(SyncDaemonConfig daemon) {
            calls.add("stop " + daemon.state() + " " + daemon.syncId());
        }
    }

    private static String conf(String syncDaemonLine) {
        return """
                global_defs {
                    %s
                }
                vrrp_instance VI_1 {
                    interface eth0
                    virtual_router_id 51
                    priority 255
                    track_interface {
                        eth1
                    }
                    virtual_ipaddress {
                        192.0.2.1
                    }
                }
                """.formatted(syncDaemonLine);
    }

    @Test
    void everyOptionOfTheGlobalDefsLineIsRead() throws Exception {
        LvsSyncDaemonConfig c = VrrpConfigParserTest.parse(
                conf("lvs_sync_daemon eth1 VI_1 id 7 maxlen 1400 port 8850 ttl 2 group 239.1.2.3"))
                .globals().lvsSyncDaemon();
        assertEquals(new LvsSyncDaemonConfig("eth1", "VI_1", 7, 1400, 8850, 2, "239.1.2.3", c.location()), c);
        assertEquals(new SyncDaemonConfig("master", "eth1", 7, 1400, "239.1.2.3", 8850, 2), c.daemon("master", 51));
    }

    @Test
    void withoutAnIdTheSyncIdIsTheInstancesVirtualRouterIdAndInstMayNameTheInstance() throws Exception {
        LvsSyncDaemonConfig c = VrrpConfigParserTest.parse(conf("lvs_sync_daemon eth0 inst VI_1"))
                .globals().lvsSyncDaemon();
        assertEquals("VI_1", c.instance());
        assertEquals(new SyncDaemonConfig("backup", "eth0", 51, 0, null, 0, 0), c.daemon("backup", 51));
        assertNull(VrrpConfigParserTest.parse(conf("")).globals().lvsSyncDaemon());
    }

    @Test
    void anUnknownInstanceOrOptionIsAnErrorNamingTheLine() {
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> VrrpConfigParserTest.parse(conf("lvs_sync_daemon eth0 VI_9")));
        assertTrue(unknown.getMessage().contains("no vrrp_instance named 'VI_9'"), unknown.getMessage());
        ConfigException option = assertThrows(ConfigException.class,
                () -> VrrpConfigParserTest.parse(conf("lvs_sync_daemon eth0 VI_1 ttl 0")));
        assertTrue(option.getMessage().contains("lvs_sync_daemon ttl 0 is out of range 1..255"), option.getMessage());
    }

    @Test
    void masterRunsTheMasterDaemonBackupAndFaultTheBackupOneAndStopNeither() throws Exception {
        FakeDaemons daemons = new FakeDaemons();
        LvsSyncDaemonRole role = new LvsSyncDaemonRole(
                VrrpConfigParserTest.parse(conf("lvs_sync_daemon eth0 VI_1")).globals().lvsSyncDaemon(), 51,
                daemons);
        role.stateChanged(State.INIT);
        role.stateChanged(State.BACKUP);
        role.stateChanged(State.MASTER);
        role.stateChanged(State.MASTER);
        role.stateChanged(State.FAULT);
        role.stateChanged(State.BACKUP);
        role.stateChanged(State.STOP);
        assertEquals(List.of("start backup 51", "stop backup 51", "start master 51", "stop master 51",
                "start backup 51", "stop backup 51"), daemons.calls);
    }

    @Test
    void aRunningVrrpInstanceDrivesTheSyncRoleThroughMasterFaultAndShutdown() throws Exception {
        FakeInterfaces nics = new FakeInterfaces();
        FakeDaemons daemons = new FakeDaemons();
        VrrpConfig config = VrrpConfigParserTest.parse(conf("lvs_sync_daemon eth0 VI_1"));
        VrrpService service = new VrrpService(config, (i, s, g, t) -> new SilentSocket(new CopyOnWriteArrayList<>()),
                nics, (i, a) -> { });
        try {
            LvsSyncDaemonRole.follow(service, config, daemons);
            service.start();
            await("sync master while MASTER", () -> daemons.calls.contains("start master 51"));
            nics.up.put("eth1", false);
            await("sync backup again in FAULT", () -> daemons.calls.lastIndexOf("start backup 51") > 0);
            assertEquals(State.FAULT, service.instances().get(0).state());
        } finally {
            service.close();
        }
        assertEquals("stop backup 51", daemons.calls.get(daemons.calls.size() - 1), daemons.calls.toString());
    }
}
