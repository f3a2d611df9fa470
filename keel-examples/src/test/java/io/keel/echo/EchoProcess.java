package io.keel.echo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real keel-echo program in a child JVM, as a user starts it; stops it with SIGTERM like a user would. */
final class EchoProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on \\S*?:(\\d+)");

    final Process process;
    final List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    int port;

    private EchoProcess(Process process) {
        this.process = process;
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
            lines.add("<eof>");
        }, "echo-process-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts keel-echo with {@code args} and waits for its "listening on" line. */
    static EchoProcess start(String... args) throws Exception {
        EchoProcess p = launch(args);
        String line;
        while (!(line = p.nextLine(60)).equals("<eof>")) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                p.port = Integer.parseInt(m.group(1));
                return p;
            }
        }
        p.process.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("keel-echo did not start: " + p.output);
    }

    /** Starts keel-echo without waiting for anything (for failures at start-up). */
    static EchoProcess launch(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Xmx256m");
        cmd.add(EchoMain.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        return new EchoProcess(pb.start());
    }

    String nextLine(int seconds) throws InterruptedException {
        String l = lines.poll(seconds, TimeUnit.SECONDS);
        if (l == null) {
            throw new AssertionError("no output from keel-echo within " + seconds + " s: " + output);
        }
        return l;
    }

    /** SIGTERM, then the exit code. */
    int terminate() throws InterruptedException {
        process.toHandle().destroy(); // Process.destroy() would also close our end of its output
        return awaitExit();
    }

    int awaitExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("keel-echo did not exit: " + output);
        }
        // let the output pump drain
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!lines.contains("<eof>") && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        return process.exitValue();
    }

    String allOutput() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
