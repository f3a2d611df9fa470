package io.keel.echo.hardening;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real keel-echo program in a child JVM (after io.keel.echo.EchoProcess); SIGTERM stops it as a user would. */
final class Program implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on \\S*?:(\\d+)");

    final Process process;
    final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    int port;

    private Program(Process process) {
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
        }, "keel-echo-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts keel-echo with {@code args} and waits for its "listening on" line. */
    static Program start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Xmx256m");
        cmd.add("io.keel.echo.EchoMain");
        cmd.addAll(List.of(args));
        Program p = new Program(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        String line;
        while (!(line = p.nextLine(60)).equals("<eof>")) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                p.port = Integer.parseInt(m.group(1));
                return p;
            }
        }
        throw new AssertionError("keel-echo did not start: " + p.output);
    }

    String nextLine(int seconds) throws InterruptedException {
        String l = lines.poll(seconds, TimeUnit.SECONDS);
        if (l == null) {
            throw new AssertionError("no output from keel-echo within " + seconds + " s: " + output);
        }
        return l;
    }

    /** Sends SIGTERM (Process.destroy() would also close our end of its output). */
    void sigterm() {
        process.toHandle().destroy();
    }

    int awaitExit(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("keel-echo did not exit within " + seconds + " s: " + output);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
