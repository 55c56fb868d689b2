package dev.jvs.ipvsadm;

import dev.jvs.control.ControlRequest.Line;
import dev.jvs.model.Command;
import dev.jvs.model.CommandKind;
import dev.jvs.model.IpvsadmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RestoreInputTest {

    private static final String SAMPLE = "-A -t 207.175.44.110:80 -s rr\n"
            + "ipvsadm -a -t 207.175.44.110:80 -r 192.168.10.1:80 -m\n"
            + "-a\t-t 207.175.44.110:80 -r 192.168.10.2:80 -m -w 3\r\n"
            + "   \t\n"
            + "\n"
            + "-A -f 1 -6 -s wlc -p 360 -M 64";

    @Test
    void splitsOnBlanksDropsIpvsadmAndKeepsLineNumbers() {
        List<Line> lines = RestoreInput.split(SAMPLE);
        assertEquals(List.of(
                new Line(1, List.of("-A", "-t", "207.175.44.110:80", "-s", "rr")),
                new Line(2, List.of("-a", "-t", "207.175.44.110:80", "-r", "192.168.10.1:80", "-m")),
                new Line(3, List.of("-a", "-t", "207.175.44.110:80", "-r", "192.168.10.2:80", "-m", "-w", "3")),
                new Line(6, List.of("-A", "-f", "1", "-6", "-s", "wlc", "-p", "360", "-M", "64"))), lines);
    }

    @Test
    void parsesEveryLine() throws IpvsadmException {
        List<Command> commands = RestoreInput.parseAll("ipvsadm", RestoreInput.split(SAMPLE), TestData.SERVICES);
        assertEquals(List.of(CommandKind.ADD_SERVICE, CommandKind.ADD_SERVER, CommandKind.ADD_SERVER,
                CommandKind.ADD_SERVICE), commands.stream().map(Command::kind).toList());
        assertEquals(3, ((Command.AddServer) commands.get(2)).server().weight());
        assertEquals(64, ((Command.AddService) commands.get(3)).service().netmask());
    }

    @Test
    void errorOnLineThreeNamesTheLine() {
        String input = "-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 192.168.0.1\n-a -t 10.0.0.1:80 -r 192.168.0.2 -w x\n-C\n";
        IpvsadmException e = assertThrows(IpvsadmException.class,
                () -> RestoreInput.parseAll("ipvsadm", RestoreInput.split(input), TestData.SERVICES));
        assertEquals("line 3: illegal weight specified", e.getMessage());
        assertEquals(2, e.exitStatus());
    }

    @Test
    void trailingCommentIsAnUnexpectedArgument() {
        IpvsadmException e = assertThrows(IpvsadmException.class,
                () -> RestoreInput.parseAll("ipvsadm", RestoreInput.split("-C\n-C # clear\n"), TestData.SERVICES));
        assertEquals("line 2: unexpected argument #", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"# a comment", "#-C", "-R", "-h", "-v", "-t 1.2.3.4:80 -A"})
    void commentsNestedRestoreHelpAndVersionGiveTheUsageHint(String line) {
        IpvsadmException e = assertThrows(IpvsadmException.class,
                () -> RestoreInput.parseAll("ipvsadm", RestoreInput.split("-C\n\n" + line + "\n-C"), TestData.SERVICES));
        assertEquals("line 3: Try `ipvsadm -h' or 'ipvsadm --help' for more information.", e.getMessage());
        assertEquals(255, e.exitStatus());
    }
}
