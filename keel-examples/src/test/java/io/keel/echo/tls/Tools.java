package io.keel.echo.tls;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** External tools the interop tests drive: skipped when missing, unless -Dkeel.requireTools=true. */
final class Tools {
    private Tools() {
    }

    static boolean required() {
        return Boolean.getBoolean("keel.requireTools");
    }

    /** Skips the test (or fails it under keel.requireTools=true) when {@code present} is false. */
    static void assume(boolean present, String what) {
        if (present) {
            return;
        }
        String msg = what + " is missing (bin/install-test-tools installs it)";
        if (required()) {
            fail(msg + " and keel.requireTools=true");
        }
        Assumptions.abort(msg);
    }

    /** The first executable among {@code candidates}, or null. */
    static Path find(String... candidates) {
        for (String c : candidates) {
            Path p = Path.of(c);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    record Result(int exitCode, String output) {
    }

    /** Runs {@code cmd} (stderr merged into stdout) with {@code stdin} as its input; kills it after {@code timeout}. */
    static Result run(List<String> cmd, byte[] stdin, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = p.getInputStream()) {
                return in.readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin);
        } catch (IOException ignored) {
            // the tool exited before reading its input
        }
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(cmd + " did not finish within " + timeout + ":\n" + text(out));
        }
        return new Result(p.exitValue(), text(out));
    }

    private static String text(CompletableFuture<byte[]> out) {
        try {
            return new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        } catch (Exception e) {
            return "(output unavailable: " + e + ")";
        }
    }
}
