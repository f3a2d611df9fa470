package io.keel.echo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real HAProxy (Debian package {@code haproxy}) on a loopback port in front of N {@code keel-echo} processes that
 * read the PROXY protocol from it, each with its own access log file; {@link #close()} stops them all. Reusable by
 * any test of Keel behind a load balancer: the {@link Mode} picks the deployment (HTTP mode with {@code send-proxy}
 * for ws://, TCP passthrough with {@code send-proxy-v2} for wss://), HAProxy health-checks every instance on
 * {@code /healthz} (with the PROXY header, as the real configuration does), and the instances, the HAProxy
 * configuration and its output are there for tests that do more (stop an instance, watch it drain): a server
 * goes down after 2 failed checks and comes back after 1 good one ({@code fall 2 rise 1}), and
 * {@link #serverUp(int)} asks HAProxy's stats socket what it thinks of an instance.
 */
public final class HaproxyHarness implements AutoCloseable {
    /** How HAProxy fronts the instances. */
    public enum Mode {
        /** ws://: HTTP mode (HAProxy parses the upgrade, then tunnels), PROXY v1 ({@code send-proxy}). */
        WS_HTTP("ws", "http", "send-proxy", ""),
        /** wss://: TCP mode, TLS passed through to Keel, PROXY v2 ({@code send-proxy-v2}). */
        WSS_TCP("wss", "tcp", "send-proxy-v2", " check-ssl verify none");

        final String echoMode;
        final String haproxyMode;
        final String sendProxy;
        final String checkOptions;

        Mode(String echoMode, String haproxyMode, String sendProxy, String checkOptions) {
            this.echoMode = echoMode;
            this.haproxyMode = haproxyMode;
            this.sendProxy = sendProxy;
            this.checkOptions = checkOptions;
        }
    }

    /** True when {@code haproxy} is on the PATH. */
    public static boolean haproxyAvailable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "haproxy"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * For a test class's {@code @BeforeAll}: skips the tests (a JUnit assumption) when {@code haproxy} is not
     * installed, or fails them when the system property {@code keel.requireTools} is true ({@code ./run-tests}).
     */
    public static void assumeInstalled() {
        boolean available = haproxyAvailable();
        if (Boolean.getBoolean("keel.requireTools")) {
            org.assertj.core.api.Assertions.assertThat(available)
                .as("keel.requireTools=true but haproxy is not on the PATH").isTrue();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(available,
            "haproxy is not installed (apt-get install haproxy): test skipped");
    }

    private final Mode mode;
    private final Path dir;
    private final List<EchoProcess> instances = new ArrayList<>();
    private final List<String> haproxyOutput = Collections.synchronizedList(new ArrayList<>());
    private Process haproxy;
    private int frontendPort;
    private String config;

    private HaproxyHarness(Mode mode, Path dir) {
        this.mode = mode;
        this.dir = dir;
    }

    /**
     * Starts {@code n} keel-echo instances (in parallel) with {@code --proxy-protocol --trusted-proxies
     * 127.0.0.1/32}, an access log each ({@link #accessLog(int)}), {@code --drain-delay 0} unless
     * {@code extraArgs} has one, and {@code extraArgs}, then HAProxy in front of them, and waits until HAProxy
     * accepts connections.
     *
     * @param dir a directory of the test's for the access logs and the HAProxy configuration
     * @param checkIntervalMillis HAProxy's health-check interval ({@code inter}); with {@code fall 2}, an instance
     *     whose {@code /healthz} fails is taken out of the rotation after about twice this
     */
    public static HaproxyHarness start(Mode mode, int n, Path dir, int checkIntervalMillis, String... extraArgs)
        throws Exception {
        HaproxyHarness h = new HaproxyHarness(mode, dir);
        try {
            for (int i = 0; i < n; i++) {
                List<String> args = new ArrayList<>(List.of("--mode", mode.echoMode, "--bind", "127.0.0.1", "--port",
                    "0", "--io-threads", "1", "--proxy-protocol", "--trusted-proxies", "127.0.0.1/32",
                    "--access-log", h.accessLog(i).toString()));
                if (!List.of(extraArgs).contains("--drain-delay")) {
                    args.addAll(List.of("--drain-delay", "0")); // as EchoProcess.start: no wait unless a test asks
                }
                args.addAll(List.of(extraArgs));
                h.instances.add(EchoProcess.launch(args.toArray(String[]::new)));
            }
            for (EchoProcess p : h.instances) {
                p.awaitListening();
            }
            h.startHaproxy(checkIntervalMillis);
            return h;
        } catch (Exception | AssertionError e) {
            h.close();
            throw e;
        }
    }

    private void startHaproxy(int checkIntervalMillis) throws Exception {
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            frontendPort = free.getLocalPort();
        }
        StringBuilder c = new StringBuilder()
            .append("global\n  maxconn 2000\n  nbthread 1\n")
            .append("  stats socket ").append(statsSocket()).append(" level user\n")
            .append("defaults\n  mode ").append(mode.haproxyMode).append('\n')
            .append("  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n  timeout tunnel 1h\n")
            .append("frontend in\n  bind 127.0.0.1:").append(frontendPort).append('\n')
            .append("  default_backend keel\n")
            .append("backend keel\n  balance roundrobin\n  option httpchk GET /healthz\n");
        for (int i = 0; i < instances.size(); i++) {
            c.append("  server k").append(i).append(" 127.0.0.1:").append(instances.get(i).port).append(' ')
                .append(mode.sendProxy).append(" check check-send-proxy inter ").append(checkIntervalMillis)
                .append("ms fall 2 rise 1").append(mode.checkOptions).append('\n');
        }
        config = c.toString();
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config);
        haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true).start();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                new InputStreamReader(haproxy.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    haproxyOutput.add(line);
                }
            } catch (IOException ignored) {
                // haproxy ended
            }
        }, "haproxy-output");
        pump.setDaemon(true);
        pump.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", frontendPort), 1000);
                return;
            } catch (IOException notYet) {
                if (!haproxy.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("haproxy did not start: " + haproxyOutput + "\nconfig:\n" + config);
                }
                Thread.sleep(20); // polling for the port with a deadline
            }
        }
    }

    /** HAProxy's frontend, where clients connect. */
    public InetSocketAddress frontend() {
        return new InetSocketAddress("127.0.0.1", frontendPort);
    }

    /** The keel-echo instances, in the order of the HAProxy servers k0, k1, ... */
    public List<EchoProcess> instances() {
        return instances;
    }

    /** Instance {@code i}'s access log file. */
    public Path accessLog(int i) {
        return dir.resolve("access-" + i + ".log");
    }

    /** The lines of instance {@code i}'s access log so far (none when it has not been created yet). */
    public List<String> accessLogLines(int i) throws IOException {
        Path p = accessLog(i);
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    private Path statsSocket() {
        return dir.resolve("haproxy.sock");
    }

    /**
     * Whether HAProxy sends new clients to instance {@code i} (server {@code k<i>}) at the moment: its
     * {@code srv_op_state} in {@code show servers state} on the stats socket is 2 (running), not 0 (stopped by
     * its health checks).
     *
     * @throws IOException when the stats socket cannot be read
     */
    public boolean serverUp(int i) throws IOException {
        String state;
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
            java.net.UnixDomainSocketAddress.of(statsSocket()))) {
            ch.write(java.nio.ByteBuffer.wrap("show servers state keel\n".getBytes(StandardCharsets.US_ASCII)));
            state = new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
        // "be_id be_name srv_id srv_name srv_addr srv_op_state ..."
        for (String line : state.split("\n")) {
            String[] f = line.split(" ");
            if (f.length > 5 && f[1].equals("keel") && f[3].equals("k" + i)) {
                return f[5].equals("2");
            }
        }
        throw new IOException("no server k" + i + " in HAProxy's state: " + state);
    }

    /** The HAProxy configuration in use, for messages. */
    public String config() {
        return config;
    }

    /** What HAProxy printed so far (warnings, server state changes). */
    public List<String> haproxyOutput() {
        synchronized (haproxyOutput) {
            return List.copyOf(haproxyOutput);
        }
    }

    /** Stops HAProxy, then every instance (SIGTERM, then forcibly); keeps an interrupt for the caller. */
    @Override
    public void close() {
        try {
            if (haproxy != null) {
                haproxy.destroy();
                if (!haproxy.waitFor(5, TimeUnit.SECONDS)) {
                    haproxy.destroyForcibly();
                }
            }
            for (EchoProcess p : instances) {
                p.sigterm();
            }
            for (EchoProcess p : instances) {
                try {
                    p.awaitExit(20);
                } catch (AssertionError e) {
                    p.close();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            haproxy.destroyForcibly();
            instances.forEach(EchoProcess::close);
        }
    }
}
