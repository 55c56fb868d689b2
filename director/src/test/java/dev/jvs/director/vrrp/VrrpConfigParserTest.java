package dev.jvs.director.vrrp;

import dev.jvs.director.vrrp.VrrpPacket.AuthType;
import dev.jvs.healthcheck.config.ConfigException;
import dev.jvs.healthcheck.config.ConfigProblem;
import dev.jvs.healthcheck.config.KeepalivedConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.jvs.director.vrrp.VrrpPacketTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VrrpConfigParserTest {

    static final String CONF = """
            ! Configuration File for keepalived
            global_defs {
               router_id LVS_DEVEL
               vrrp_garp_master_delay 2
               smtp_server 192.168.200.1
            }
            vrrp_script chk_haproxy {
                script "/usr/bin/killall -0 haproxy"   # cheap check
                interval 2
                weight -20
                fall 3
                rise 2
            }
            vrrp_sync_group VG1 {
                group {
                    VI_1
                }
            }
            vrrp_instance VI_1 {
                state BACKUP
                interface eth0
                virtual_router_id 51
                priority 150
                advert_int 1
                nopreempt
                authentication {
                    auth_type PASS
                    auth_pass 1111222233
                }
                virtual_ipaddress {
                    192.168.200.16/24 dev eth1 label eth1:vip
                    192.168.200.17
                }
                track_interface {
                    eth1 weight -10
                    eth2
                }
                track_script {
                    chk_haproxy
                }
                notify_master "/etc/keepalived/to_master.sh arg"
                notify /etc/keepalived/notify.sh
                unicast_src_ip 10.0.0.1
                unicast_peer {
                    10.0.0.2
                }
            }
            virtual_server 192.168.200.16 80 {
                lb_algo rr
            }
            """;

    /** Text in memory, read by the shared keepalived.conf reader as if it were the file test.conf. */
    static VrrpConfig parse(String text) throws ConfigException {
        return VrrpConfigParser.parse(text, "test.conf");
    }

    @Test
    void readsEveryVrrpKeywordOfAnInstance() throws Exception {
        VrrpConfig c = parse(CONF);
        VrrpInstanceConfig i = c.instances().get(0);
        assertEquals("VI_1", i.name());
        assertEquals("eth0", i.interfaceName());
        assertEquals(51, i.virtualRouterId());
        assertEquals(150, i.priority());
        assertFalse(i.wantsMaster());
        assertTrue(i.nopreempt());
        assertEquals(AuthType.PASS, i.authType());
        assertEquals("11112222", i.authPass(), "truncated to 8 characters");
        assertEquals(2, i.virtualIpAddresses().size());
        assertEquals(new VirtualIpAddress(ip("192.168.200.16"), 24, "eth1", "eth1:vip", false), i.virtualIpAddresses().get(0));
        assertEquals(32, i.virtualIpAddresses().get(1).prefixLength());
        assertEquals(List.of(new TrackedInterface("eth1", -10, false), new TrackedInterface("eth2", 0, false)), i.trackInterfaces());
        assertEquals(List.of(new TrackedScript("chk_haproxy", null, false)), i.trackScripts());
        assertEquals("/etc/keepalived/to_master.sh arg", i.notifyMaster());
        assertEquals("/etc/keepalived/notify.sh", i.notifyAny());
        assertEquals(ip("10.0.0.1"), i.unicastSource());
        assertEquals(List.of(ip("10.0.0.2")), i.unicastPeers());
        assertEquals(2000, i.garpMasterDelayMillis(), "from global_defs");
        assertEquals(5, i.garpMasterRepeat());
    }

    @Test
    void appliesKeepalivedDefaults() throws Exception {
        VrrpConfig c = parse("vrrp_instance X { \n interface eth0\n virtual_router_id 9\n}\n");
        VrrpInstanceConfig i = c.instances().get(0);
        assertEquals(100, i.priority());
        assertEquals(2, i.version());
        assertEquals(100, i.advertIntervalCentis());
        assertEquals(ip("224.0.0.18"), i.multicastGroup());
        assertEquals(AuthType.NONE, i.authType());
        assertEquals(3, i.downTimerAdverts());
        assertEquals(5000, i.garpMasterDelayMillis());
        assertEquals(0, i.garpMasterRefreshMillis());
        assertFalse(i.wantsMaster());
    }

    @Test
    void stateMasterWithoutPriorityMeansTheOwner() throws Exception {
        VrrpInstanceConfig i = parse(
                "vrrp_instance X {\n state MASTER\n interface eth0\n virtual_router_id 9\n}\n").instances().get(0);
        assertEquals(255, i.priority());
        assertTrue(i.wantsMaster());
    }

    @Test
    void nopreemptIsClearedForStateMaster() throws Exception {
        VrrpConfig c = parse(
                "vrrp_instance X {\n state MASTER\n priority 100\n nopreempt\n interface eth0\n virtual_router_id 9\n}\n");
        assertFalse(c.instances().get(0).nopreempt());
        assertTrue(c.warnings().stream().anyMatch(w -> w.message().contains("nopreempt")));
    }

    @Test
    void ipv6AddressesForceVersion3AndTheIpv6Group() throws Exception {
        VrrpInstanceConfig i = parse("""
                vrrp_instance V6 {
                    interface eth0
                    virtual_router_id 7
                    advert_int 0.5
                    virtual_ipaddress {
                        2001:db8::100/64
                    }
                }
                """).instances().get(0);
        assertEquals(3, i.version());
        assertEquals(50, i.advertIntervalCentis());
        assertEquals(ip("ff02::12"), i.multicastGroup());
    }

    @Test
    void version2RoundsAdvertIntervalToWholeSeconds() throws Exception {
        VrrpInstanceConfig i = parse(
                "vrrp_instance X {\n interface eth0\n virtual_router_id 9\n advert_int 2.4\n}\n").instances().get(0);
        assertEquals(200, i.advertIntervalCentis());
    }

    @Test
    void readsScriptsGroupsAndGlobals() throws Exception {
        VrrpConfig c = parse(CONF);
        VrrpScriptConfig s = c.script("chk_haproxy");
        assertEquals("/usr/bin/killall -0 haproxy", s.script());
        assertEquals(2000, s.intervalMillis());
        assertEquals(2000, s.timeoutMillis(), "timeout defaults to the interval");
        assertEquals(-20, s.weight());
        assertEquals(3, s.fall());
        assertEquals(2, s.rise());
        assertEquals(List.of("VI_1"), c.syncGroups().get(0).members());
        assertEquals("LVS_DEVEL", c.globals().routerId());
        assertTrue(c.warnings().stream().noneMatch(w -> w.message().contains("virtual_server")),
                "LVS blocks are the health checks' business: " + c.warnings());
    }

    @Test
    void scriptDefaultsMatchKeepalived() throws Exception {
        VrrpScriptConfig s = parse("vrrp_script c {\n script /bin/true\n}\n").script("c");
        assertEquals(1000, s.intervalMillis());
        assertEquals(0, s.weight());
        assertEquals(1, s.rise());
        assertEquals(1, s.fall());
        assertNull(s.user());
    }

    @Test
    void missingVirtualRouterIdIsAnError() {
        assertThrows(ConfigException.class,
                () -> parse("vrrp_instance X {\n interface eth0\n}\n"));
    }

    @Test
    void anIncludedFileContributesItsVrrpInstance(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vrrp-vi1.conf"), "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n}\n");
        Path main = Files.writeString(dir.resolve("keepalived.conf"), """
                virtual_server 192.168.200.16 80 {
                    lb_algo rr
                    protocol TCP
                    real_server 10.0.0.2 80 {
                    }
                }
                include vrrp-*.conf
                """);
        KeepalivedConfig whole = KeepalivedConfig.load(main);
        VrrpConfig vrrp = VrrpConfigParser.parse(whole).orElseThrow();
        assertEquals(List.of("VI_1"), vrrp.instances().stream().map(VrrpInstanceConfig::name).toList());
        assertEquals(51, vrrp.instances().get(0).virtualRouterId());
        assertEquals(vrrp, VrrpConfigParser.load(main), "--vrrp-conf reads the same instance through the same reader");
    }

    @Test
    void aFileWithoutVrrpInstancesRunsNoVrrp(@TempDir Path dir) throws Exception {
        Path main = Files.writeString(dir.resolve("keepalived.conf"), "vrrp_script chk {\n script /bin/true\n}\n");
        assertTrue(VrrpConfigParser.parse(KeepalivedConfig.load(main)).isEmpty());
    }

    @Test
    void errorsNameTheFileAndLineOfTheIncludedBlock(@TempDir Path dir) throws Exception {
        Path included = Files.writeString(dir.resolve("vrrp.conf"), """
                vrrp_instance VI_1 {
                    interface eth0
                    virtual_router_id 51
                    priority 300
                }
                vrrp_instance VI_2 {
                    interface eth0
                }
                """);
        Path main = Files.writeString(dir.resolve("keepalived.conf"), "include vrrp.conf\n");
        ConfigException e = assertThrows(ConfigException.class, () -> VrrpConfigParser.parse(KeepalivedConfig.load(main)));
        assertTrue(e.getMessage().contains(included + ":4: error: priority 300 is out of range 1..255"), e.getMessage());
        assertTrue(e.getMessage().contains(included + ":6: error: vrrp_instance VI_2: virtual_router_id is required"),
                "every bad block is reported, not only the first: " + e.getMessage());
    }

    @Test
    void warningsNameTheFileAndLine() throws Exception {
        VrrpConfig c = parse("vrrp_instance X {\n interface lo\n virtual_router_id 9\n smtp_alert\n}\nstatic_routes {\n}\n");
        assertEquals(List.of("test.conf:4: warning: vrrp_instance X: keyword 'smtp_alert' is not supported by JVS yet, ignored",
                "test.conf:6: warning: skipping 'static_routes' (not a VRRP block)"),
                c.warnings().stream().map(ConfigProblem::toString).toList());
    }

    @Test
    void aLineTheLvsSideAlreadyWarnedAboutIsNotWarnedTwice(@TempDir Path dir) throws Exception {
        Path main = Files.writeString(dir.resolve("keepalived.conf"),
                "vrrp_instance X {\n interface lo\n virtual_router_id 9\n}\nno_such_block {\n}\n");
        KeepalivedConfig whole = KeepalivedConfig.load(main);
        assertEquals(1, whole.problems().size(), whole.problems().toString());
        assertTrue(VrrpConfigParser.parse(whole).orElseThrow().warnings().isEmpty());
    }

    @Test
    void aVrrpScriptWithoutScriptIsDroppedAndTrackingItIgnoredAsKeepalivedDoes() throws Exception {
        VrrpConfig c = parse("""
                vrrp_script chk {
                    interval 2
                }
                vrrp_instance X {
                    interface lo
                    virtual_router_id 9
                    track_script {
                        chk
                    }
                }
                """);
        assertEquals(List.of("test.conf:1: warning: no script set for vrrp_script chk; vrrp_script removed",
                "test.conf:8: warning: track script chk not found, ignoring"),
                c.warnings().stream().map(ConfigProblem::toString).toList());
        assertTrue(c.scripts().isEmpty());
        assertTrue(c.instances().get(0).trackScripts().isEmpty());
    }

    @Test
    void interfacesThisHostLacksAreWarnedAboutAsKeepalivedDoes() throws Exception {
        VrrpConfig c = parse("""
                vrrp_instance X {
                    interface jvsnosuch0
                    virtual_router_id 9
                    track_interface {
                        jvsnosuch1
                        lo
                    }
                }
                """);
        assertEquals(List.of("test.conf:2: warning: interface jvsnosuch0 for vrrp_instance X doesn't exist",
                "test.conf:5: warning: tracked interface jvsnosuch1 doesn't exist"),
                c.warnings().stream().map(ConfigProblem::toString).toList());
        assertEquals(2, c.instances().get(0).trackInterfaces().size());
    }

    @Test
    void lexicalErrorsOfTheTextRefuseIt() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("vrrp_instance X {\n interface eth0\n"));
        assertTrue(e.getMessage().startsWith("test.conf:1: error: missing '}'"), e.getMessage());
    }

    @Test
    void trackerWeightsFollowKeepalivedDirection() {
        assertEquals(10, VrrpInstance.adjustment(10, false, true));
        assertEquals(0, VrrpInstance.adjustment(10, false, false));
        assertEquals(-10, VrrpInstance.adjustment(-10, false, false));
        assertEquals(0, VrrpInstance.adjustment(-10, false, true));
        assertEquals(-10, VrrpInstance.adjustment(-10, true, true), "reverse: penalised while OK");
    }
}
