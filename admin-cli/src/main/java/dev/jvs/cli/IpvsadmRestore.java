package dev.jvs.cli;

import dev.jvs.model.IpvsadmException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code ipvsadm-restore}: replaces the whole table with ipvsadm-save output from stdin. Lines starting with
 * {@code #} are skipped, as the classic script does; unlike it, clearing and restoring are one atomic batch,
 * so a bad file is reported with its line number and leaves the table exactly as it was.
 */
public final class IpvsadmRestore {

    private IpvsadmRestore() {}

    public static void main(String[] args) {
        StartUp.nameSelectorProvider();
        StartUp.loadSecurityProviders(); // all input goes to the director
        try {
            String input = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            // Blank (not drop) comment lines so line numbers in errors match the file.
            String withoutComments = input.replaceAll("(?m)^#.*$", "");
            System.exit(Ipvsadm.exchange(Ipvsadm.restoreRequest("ipvsadm", withoutComments, true), System.out, System.err));
        } catch (IpvsadmException e) {
            System.err.println(e.getMessage());
            System.exit(e.exitStatus());
        } catch (IOException e) {
            System.exit(Ipvsadm.cannotReach(e, System.err));
        }
    }
}
