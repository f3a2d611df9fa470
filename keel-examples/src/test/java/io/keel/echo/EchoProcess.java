package io.keel.echo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real keel-echo program (or another example program, such as keel-chat) in a child JVM, as a user starts it;
 * stops it with SIGTERM like a user would. Its {@code XDG_CACHE_HOME} is a temporary directory of this test JVM
 * ({@link #TEST_CACHE_HOME}), so that a wss program keeps its generated certificate there rather than in the real
 * {@code ~/.cache/keel} of whoever runs the tests (root's on CI, whatever {@code $HOME} says).
 */
public final class EchoProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on \\S*?:(\\d+)");

    /** The child programs' {@code XDG_CACHE_HOME}: made once per test JVM, deleted when it exits. */
    public static final Path TEST_CACHE_HOME = testCacheHome();

    private static Path testCacheHome() {
        try {
            Path dir = Files.createTempDirectory("keel-test-cache-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "keel-test-cache-cleanup"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code dir} and everything in it, as far as it can. */
    public static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: a temporary directory
        }
    }

    public final Process process;
    public final List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final String name;
    public int port;

    private EchoProcess(Process process, String name) {
        this.process = process;
        this.name = name;
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

    /**
     * Starts keel-echo with {@code args} and waits for its "listening on" line. Without a {@code --drain-delay} in
     * {@code args}, it gets {@code --drain-delay 0}: a test that does not test the drain does not wait for it.
     */
    public static EchoProcess start(String... args) throws Exception {
        if (!java.util.Arrays.asList(args).contains("--drain-delay")) {
            String[] withoutDrain = new String[args.length + 2];
            withoutDrain[0] = "--drain-delay";
            withoutDrain[1] = "0";
            System.arraycopy(args, 0, withoutDrain, 2, args.length);
            args = withoutDrain;
        }
        String transport = System.getProperty("keel.transport");
        if (transport != null && !java.util.Arrays.asList(args).contains("--transport")) {
            // a test pass on one transport (-Dkeel.transport=nio): the program runs on it too (its default is auto)
            String[] withTransport = java.util.Arrays.copyOf(args, args.length + 2);
            withTransport[args.length] = "--transport";
            withTransport[args.length + 1] = transport;
            args = withTransport;
        }
        return startProgram(EchoMain.class, args);
    }

    /**
     * Starts the program whose {@code main} is in {@code mainClass} with {@code args} and waits for its "listening
     * on ...:PORT" line, which sets {@link #port}.
     */
    public static EchoProcess startProgram(Class<?> mainClass, String... args) throws Exception {
        return startProgram(mainClass, Map.of(), args);
    }

    /** As {@link #startProgram(Class, String...)} with {@code env} added to the child's environment. */
    public static EchoProcess startProgram(Class<?> mainClass, Map<String, String> env, String... args)
        throws Exception {
        return launchProgram(mainClass, env, args).awaitListening();
    }

    /**
     * As {@link #startProgram(Class, String...)} with {@code classPath} as the child's class path instead of this
     * JVM's (for example without an optional library, to see the program do without it).
     */
    public static EchoProcess startProgramWithClassPath(Class<?> mainClass, String classPath, String... args)
        throws Exception {
        return launch(mainClass, classPath, Map.of(), args).awaitListening();
    }

    /**
     * Waits for the "listening on ...:PORT" line of a program started with {@code launch...}, which sets
     * {@link #port} (several programs can be launched first and awaited after, to start in parallel).
     *
     * @return this
     */
    public EchoProcess awaitListening() throws Exception {
        String line;
        while (!(line = nextLine(60)).equals("<eof>")) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                return this;
            }
        }
        process.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(name + " did not start: " + output);
    }

    /** As {@link #startProgramWithClassPath} without waiting for anything (for failures at start-up). */
    public static EchoProcess launchProgramWithClassPath(Class<?> mainClass, String classPath, String... args)
        throws IOException {
        return launch(mainClass, classPath, Map.of(), args);
    }

    /** Starts keel-echo without waiting for anything (for failures at start-up). */
    public static EchoProcess launch(String... args) throws IOException {
        return launchProgram(EchoMain.class, args);
    }

    /** Starts the program whose {@code main} is in {@code mainClass} without waiting for anything. */
    public static EchoProcess launchProgram(Class<?> mainClass, String... args) throws IOException {
        return launchProgram(mainClass, Map.of(), args);
    }

    /**
     * As {@link #launchProgram(Class, String...)} with {@code env} added to the child's environment (over the
     * test {@code XDG_CACHE_HOME}).
     */
    public static EchoProcess launchProgram(Class<?> mainClass, Map<String, String> env, String... args)
        throws IOException {
        return launch(mainClass, System.getProperty("java.class.path"), env, args);
    }

    private static EchoProcess launch(Class<?> mainClass, String classPath, Map<String, String> env, String... args)
        throws IOException {
        return launch(List.of(), mainClass, classPath, env, args);
    }

    /**
     * Starts keel-echo under {@code wrapper} (a command that runs the JVM's command line it is given, such as a
     * seccomp filter) without waiting for anything.
     */
    public static EchoProcess launchWrapped(List<String> wrapper, String... args) throws IOException {
        return launch(wrapper, EchoMain.class, System.getProperty("java.class.path"), Map.of(), args);
    }

    private static EchoProcess launch(List<String> wrapper, Class<?> mainClass, String classPath,
        Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add("-Xmx256m");
        // netty-tcnative (--tls-provider openssl) loads a native library; the io_uring transport calls the kernel
        cmd.add("--enable-native-access=ALL-UNNAMED");
        if (System.getProperty("keel.transport") != null) {
            cmd.add("-Dkeel.transport=" + System.getProperty("keel.transport")); // the library's default, in the child
        }
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));

        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("XDG_CACHE_HOME", TEST_CACHE_HOME.toString());
        pb.environment().putAll(env);
        return new EchoProcess(pb.start(), mainClass.getSimpleName());
    }

    public String nextLine(int seconds) throws InterruptedException {
        String l = lines.poll(seconds, TimeUnit.SECONDS);
        if (l == null) {
            throw new AssertionError("no output from " + name + " within " + seconds + " s: " + output);
        }
        return l;
    }

    /**
     * The next line of output that contains {@code text} (lines before it are passed over); fails after
     * {@code seconds} without one, or when the program's output ends.
     */
    public String awaitLine(String text, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime());
            String l = nextLine((int) Math.max(1, left));
            if (l.contains(text)) {
                return l;
            }
            if (l.equals("<eof>") || System.nanoTime() > deadline) {
                throw new AssertionError("no line with '" + text + "' from " + name + ": " + output);
            }
        }
    }

    /** SIGTERM, then the exit code. */
    public int terminate() throws InterruptedException {
        sigterm();
        return awaitExit();
    }

    /** SIGHUP (as {@code systemctl reload} or logrotate send it), without waiting. */
    public void sighup() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new AssertionError("kill -HUP " + process.pid() + " failed");
        }
    }

    /** SIGTERM without waiting. */
    public void sigterm() {
        process.toHandle().destroy(); // Process.destroy() would also close our end of its output
    }

    public int awaitExit() throws InterruptedException {
        return awaitExit(60);
    }

    /** Waits for the exit (failing after {@code seconds}) and for the rest of its output. */
    public int awaitExit(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " did not exit: " + output);
        }
        // let the output pump drain
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!lines.contains("<eof>") && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        return process.exitValue();
    }

    public String allOutput() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
