package dev.jvs.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's headless Chromium, one fresh profile per call, nothing fetched from the network but the page itself. */
final class Chromium {

    private Chromium() {
    }

    /** The browser's command, or null when it is not installed. */
    static String binary() {
        for (String name : List.of("chromium", "chromium-browser")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, name))) return Path.of(dir, name).toString();
            }
        }
        return null;
    }

    /** The DOM after the page loaded. */
    static String dumpDom(Path workDir, String url) throws IOException, InterruptedException {
        return run(workDir, List.of("--dump-dom", url));
    }

    /** A PNG of the page at a phone's width. */
    static void screenshot(Path workDir, String url, Path png, int width, int height) throws IOException, InterruptedException {
        run(workDir, List.of("--screenshot=" + png, "--window-size=" + width + "," + height, "--hide-scrollbars", url));
        if (!Files.exists(png)) throw new IOException("chromium wrote no screenshot");
    }

    private static String run(Path workDir, List<String> args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(workDir, "chromium-profile");
        List<String> command = new ArrayList<>(List.of(binary(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile));
        command.addAll(args);
        Path out = Files.createTempFile(workDir, "chromium", ".out");
        Path err = Files.createTempFile(workDir, "chromium", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IOException("chromium did not finish: " + Files.readString(err));
        }
        if (p.exitValue() != 0) throw new IOException("chromium failed (" + p.exitValue() + "): " + Files.readString(err));
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
