package dev.jvs.healthcheck.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConfigReaderTest {

    static final String TEXT = """
            $PORT=80
            ! comment
            virtual_server 10.0.0.1 $PORT {
                lb_algo \\
                    rr
                lb_kind NAT
                real_server 10.0.0.2 80 {
                }
            }
            """;

    @Test
    void textInMemoryIsReadExactlyLikeTheSameFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("keepalived.conf"), TEXT);
        ConfigReader.Result fromFile = ConfigReader.read(file);
        ConfigReader.Result fromText = ConfigReader.read(TEXT, file.toString());
        assertEquals(fromFile, fromText);
        ConfigNode vs = fromText.roots().get(0);
        assertEquals(List.of("10.0.0.1", "80"), vs.args());
        assertEquals(new Location(file, 3), vs.location());
        assertEquals(List.of("rr"), vs.child("lb_algo").orElseThrow().args());
        assertEquals(4, vs.child("lb_algo").orElseThrow().location().line(), "a continued line keeps its first line");
    }

    @Test
    void theLvsParserNamesTheTextInItsMessages() {
        List<ConfigProblem> problems = new ArrayList<>();
        new LvsConfigParser(problems).virtualServers(ConfigReader.read(TEXT, "memory.conf").roots());
        assertEquals(List.of("memory.conf:3: warning: Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP"),
                problems.stream().map(ConfigProblem::toString).toList());
    }
}
