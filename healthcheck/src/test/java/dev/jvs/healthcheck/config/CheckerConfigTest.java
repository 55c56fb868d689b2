package dev.jvs.healthcheck.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Each checker reads only the keywords its own config class declares; the shared ones are read for all. */
class CheckerConfigTest {

    private static KeepalivedConfig load(Path dir, String checker) throws IOException {
        Path file = Files.writeString(dir.resolve("k.conf"), """
                virtual_server 10.0.0.1 80 {
                    protocol TCP
                    lb_algo rr
                    lb_kind NAT
                    real_server 10.0.1.1 80 {
                %s
                    }
                }
                """.formatted(checker));
        return KeepalivedConfig.load(file);
    }

    private static List<String> messages(KeepalivedConfig config) {
        return config.problems().stream().map(p -> p.toString().replaceFirst("^.*k\\.conf:", "")).toList();
    }

    @Test
    void aKeywordOfAnotherCheckerIsUnknownHere(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        KeepalivedConfig config = load(dir, """
                        SMTP_CHECK {
                            connect_timeout 3
                            helo_name mail.example
                            url { path / }
                        }
                """);
        assertEquals(List.of("9: warning: unknown keyword 'url' in SMTP_CHECK; its { } block is skipped"), messages(config));
        CheckerDef checker = config.virtualServers().get(0).realServers().get(0).checkers().get(0);
        assertEquals("mail.example", assertInstanceOf(CheckSpec.Smtp.class, checker.spec()).heloName());
        assertEquals(3, checker.connectTimeout().toSeconds());
    }

    @Test
    void aCheckerRefusesTheSharedKeywordsItCannotUse(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        KeepalivedConfig config = load(dir, """
                        MISC_CHECK {
                            misc_path "/bin/true x"
                            connect_port 81
                            misc_timeout 2
                        }
                """);
        assertEquals(List.of("8: error: connect_port is not valid in MISC_CHECK"), messages(config));
        CheckSpec.Misc misc = assertInstanceOf(CheckSpec.Misc.class,
                config.virtualServers().get(0).realServers().get(0).checkers().get(0).spec());
        assertEquals(List.of("/bin/true", "x"), misc.script().command());
        assertEquals(2, misc.timeout().toSeconds());
    }

    @Test
    void smtpHostBlocksAreEachTheirOwnCheck(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        KeepalivedConfig config = load(dir, """
                        SMTP_CHECK {
                            retry 2
                            host {
                                connect_ip 10.0.2.1
                            }
                            host {
                                connect_ip 10.0.2.2
                                connect_port 587
                                connect_timeout 2
                            }
                        }
                """);
        assertEquals(List.of(
                "8: note: SMTP_CHECK host blocks are deprecated; this host is checked as its own SMTP_CHECK",
                "11: note: SMTP_CHECK host blocks are deprecated; this host is checked as its own SMTP_CHECK"),
                messages(config));
        List<CheckerDef> checks = config.virtualServers().get(0).realServers().get(0).checkers();
        // no connection setting outside the hosts: the block's own check takes the first host's
        assertEquals(List.of("/10.0.2.1:80", "/10.0.2.2:587"), checks.stream().map(c -> c.target().toString()).toList());
        assertEquals(List.of(5L, 2L), checks.stream().map(c -> c.connectTimeout().toSeconds()).toList());
        assertEquals(List.of(2, 2), checks.stream().map(CheckerDef::retry).toList());
    }

    @Test
    void withItsOwnConnectionSettingsTheBlockChecksTheRealServerToo(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        KeepalivedConfig config = load(dir, """
                        SMTP_CHECK {
                            connect_timeout 10
                            host {
                                connect_ip 10.0.2.1
                            }
                        }
                """);
        List<CheckerDef> checks = config.virtualServers().get(0).realServers().get(0).checkers();
        assertEquals(List.of("/10.0.1.1:80", "/10.0.2.1:80"), checks.stream().map(c -> c.target().toString()).toList());
        assertEquals(List.of(10L, 5L), checks.stream().map(c -> c.connectTimeout().toSeconds()).toList());
    }

    @Test
    void aMiscCheckWhoseScriptIsMissingIsDisabledAsKeepalivedDoes(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        KeepalivedConfig config = load(dir, """
                        MISC_CHECK {
                            misc_path "/nonexistent/check.sh arg"
                        }
                """);
        assertEquals(List.of("7: note: MISC_CHECK script /nonexistent/check.sh not found or not executable; "
                + "checker disabled, as keepalived does"), messages(config));
        assertEquals(List.of(), config.virtualServers().get(0).realServers().get(0).checkers());
        assertEquals(false, config.scriptSecurityViolation());
    }
}
