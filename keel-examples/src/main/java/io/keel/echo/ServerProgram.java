package io.keel.echo;

import io.keel.tls.TlsConfigException;
import io.keel.tls.TlsContext;
import io.keel.tls.TlsProvider;
import io.keel.tls.TlsWarmUp;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.UnaryOperator;

/**
 * What the example server programs ({@code keel-echo}, {@code keel-chat}) share besides their command line
 * ({@link CommandLine}) and their shutdown ({@link ShutdownSignals}): log format, TLS set-up, the host in the
 * printed URLs, and pages bundled in the jar.
 */
public final class ServerProgram {
    private ServerProgram() {
    }

    /**
     * Makes the JDK's logging print one line per record (its default takes two), unless the user chose a format
     * with {@code -Djava.util.logging.SimpleFormatter.format}. Call first in {@code main}.
     */
    public static void oneLineLogRecords() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        }
    }

    /**
     * The TLS context of a wss server.
     *
     * @param provider the {@code --tls-provider} value: {@code "openssl"} (BoringSSL), {@code "auto"} (OpenSSL
     *     where it loads, else the JDK's: {@link TlsProvider#auto()}), anything else the JDK's
     * @param keys adds the key material to the builder it is given (a certificate, a PKCS#12 store, or
     *     {@link TlsContext.Builder#selfSigned()}) and any peer verification, and returns it
     * @return the context, loaded and checked; {@link TlsContext#provider()} says which provider runs
     * @throws StartupException with the TLS layer's one-sentence message when a file is missing or wrong, or the
     *     provider cannot load here
     */
    public static TlsContext tlsContext(String provider, UnaryOperator<TlsContext.Builder> keys)
        throws StartupException {
        try {
            TlsContext.Builder b = TlsContext.builder().provider(switch (provider) {
                case "openssl" -> TlsProvider.OPENSSL;
                case "auto" -> TlsProvider.auto();
                default -> TlsProvider.JDK;
            });
            return keys.apply(b).build();
        } catch (TlsConfigException e) {
            throw new StartupException(e.getMessage(), e);
        }
    }

    /**
     * The start line that says why {@code --tls-provider auto} runs the JDK's TLS (OpenSSL does not load here), or
     * null when nothing needs saying (OpenSSL runs, or a provider was named).
     *
     * @param asked the {@code --tls-provider} value
     * @param running the provider of the context made
     */
    public static String autoFallbackLine(String asked, TlsProvider running) {
        if (!asked.equals("auto") || running != TlsProvider.JDK) {
            return null;
        }
        return "  TLS provider: jdk (auto: " + TlsProvider.OPENSSL.unavailabilityReason() + ")";
    }

    /**
     * The start line that names the transport the event loops run on and, when {@code --transport auto} fell back to
     * NIO, why (io_uring cannot run here). Which one runs is also in /metrics.
     *
     * @param choice the server's transport
     * @return the line, indented like the other detail lines
     */
    public static String transportLine(io.keel.core.Transports.Choice choice) {
        return "  transport:    " + choice.provider().name()
            + (choice.fallbackReason() == null ? "" : " (auto: " + choice.fallbackReason() + ")");
    }

    /**
     * The core logs its own line when {@code auto} falls back to NIO, for programs that print none; a program that
     * prints {@link #transportLine} keeps the core's line out, so that the reason is said once. Held here: the
     * logging framework keeps loggers weakly, and a collected logger would forget its level.
     */
    private static final java.util.logging.Logger SERVER_LOG = java.util.logging.Logger.getLogger("io.keel.core.Server");

    /** Leaves the core's fallback line ({@code INFO}) out; its warnings and errors still print. */
    public static void startLineSaysTheTransport() {
        SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    /**
     * What went wrong, in words for a one-line message: the message of {@code e} (or of its first cause that has
     * one) without Java class names ("java.io.IOException: Is a directory" becomes "Is a directory"), an I/O
     * error's reason alone, "unexpected error" when nothing in the chain says anything.
     *
     * @param e the failure
     * @return a phrase without a final period
     */
    public static String describe(Throwable e) {
        return io.keel.core.ErrorMessages.reason(e);
    }

    /**
     * The host to print in a URL for a server bound to {@code bound}: a wildcard bind is reached as
     * {@code localhost} (which the generated certificate names), and an IPv6 address gets its brackets.
     *
     * @param bound the server's local address
     * @return a host ready to put between {@code ://} and {@code :port}
     */
    public static String urlHost(InetSocketAddress bound) {
        InetAddress addr = bound.getAddress();
        if (addr.isAnyLocalAddress()) {
            return "localhost";
        }
        return addr instanceof java.net.Inet6Address v6 ? "[" + ipv6Text(v6.getAddress()) + "]" : addr.getHostAddress();
    }

    /**
     * An IPv6 address as RFC 5952 section 4 writes it: lower-case hex without leading zeros, the longest run of two
     * or more zero groups (the first of equal runs) as {@code ::}; the JDK writes every group
     * ({@code 2001:db8:0:0:0:0:0:9}).
     *
     * @param a the 16 bytes
     * @return for example {@code 2001:db8::9}
     */
    static String ipv6Text(byte[] a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (a[2 * i] & 0xFF) << 8 | a[2 * i + 1] & 0xFF;
        }
        int bestStart = -1, bestLen = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder b = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLen - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(g[i]));
        }
        return b.toString();
    }

    /**
     * A file bundled in the jar next to {@code owner}'s class file (a demo page).
     *
     * @param owner the class whose package holds the file
     * @param name the file name
     * @return its bytes
     * @throws UncheckedIOException when the file is missing or unreadable: the jar is broken
     */
    public static byte[] resource(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException(name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@link TlsWarmUp} on a daemon thread named {@code keel-tls-warm-up} and prints one line when it ends:
     * how many handshakes in how long, or why it stopped. The server serves meanwhile.
     *
     * @param tls the context whose handshake is warmed
     * @param handshakes how many in-memory handshakes; nothing happens for 0, or when {@code tls} verifies peers
     * @param out where the line goes (a failure too: it is not fatal)
     * @return the thread, started, or null when there is nothing to do
     */
    public static Thread warmUpInBackground(TlsContext tls, int handshakes, java.io.PrintStream out) {
        if (handshakes <= 0 || tls.verifiesPeer()) {
            return null;
        }
        Thread t = new Thread(() -> {
            long start = System.nanoTime();
            String line;
            try {
                int n = TlsWarmUp.run(tls, handshakes, WARM_UP_BUDGET);
                line = "TLS warm-up: " + n + " handshakes in " + (System.nanoTime() - start) / 1_000_000 + " ms";
            } catch (Exception e) {
                line = "TLS warm-up stopped: " + describe(e);
            }
            out.println("keel-echo: " + line);
            out.flush();
        }, "keel-tls-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** A warm-up that has not finished in this time is on a machine too busy for it to matter: stop. */
    private static final java.time.Duration WARM_UP_BUDGET = java.time.Duration.ofSeconds(30);
}
