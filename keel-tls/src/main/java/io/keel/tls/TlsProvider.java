package io.keel.tls;

/**
 * The TLS implementation behind the {@link javax.net.ssl.SSLEngine}. {@link #auto()} picks the faster one that
 * works on this machine (what {@code keel-echo --tls-provider auto}, its default, runs).
 */
public enum TlsProvider {
    /** The JDK's own SSLEngine (SunJSSE). The default of {@link TlsContext.Builder}: no native code. */
    JDK,
    /**
     * BoringSSL through netty-tcnative, driven by Netty's OpenSSL SSLEngine (optional dependencies
     * {@code io.netty:netty-handler} and {@code io.netty:netty-tcnative-boringssl-static}).
     */
    OPENSSL;

    /** Checked once, on first use: null when BoringSSL loaded, otherwise why it did not. */
    private static final class OpenSslCheck {
        static final TlsConfigException FAILURE = check();

        private static TlsConfigException check() {
            Throwable cause;
            try {
                cause = TcnativeSupport.unavailabilityCause();
            } catch (LinkageError e) {
                cause = e; // Netty's handler classes are missing: TcnativeSupport cannot link
            }
            return cause == null ? null : unavailable(cause);
        }
    }

    /** Throws a {@link TlsConfigException} saying why when this provider cannot be used here. */
    void ensureAvailable() {
        TlsConfigException failure = this == OPENSSL ? OpenSslCheck.FAILURE : null;
        if (failure != null) {
            throw new TlsConfigException(failure.getMessage(), failure.getCause());
        }
    }

    /**
     * The provider "auto" stands for: {@link #OPENSSL} where it loads on this machine (Netty's handler and
     * netty-tcnative are on the class path and BoringSSL's native library loads; it is faster, see
     * {@code bench/README.md}), the {@link #JDK} otherwise, so a program without Netty still runs. Netty's own
     * default provider is chosen the same way. The first call checks OpenSSL (and loads it), once per JVM.
     *
     * @return OPENSSL or JDK, never null; {@link #unavailabilityReason()} of OPENSSL says why it was not chosen
     */
    public static TlsProvider auto() {
        return choose(OpenSslCheck.FAILURE);
    }

    /** The choice {@link #auto()} makes, given why OpenSSL does not load ({@code null}: it loads). */
    static TlsProvider choose(TlsConfigException openSslFailure) {
        return openSslFailure == null ? OPENSSL : JDK;
    }

    /**
     * Why this provider cannot be used on this machine, as one sentence for a log line (what
     * {@link TlsContext.Builder#build()} would throw), or null when it can. Always null for {@link #JDK}.
     */
    public String unavailabilityReason() {
        TlsConfigException failure = this == OPENSSL ? OpenSslCheck.FAILURE : null;
        return failure == null ? null : failure.getMessage();
    }

    /** True when this provider can be used on this machine (for OPENSSL: Netty and netty-tcnative's native library load). */
    public boolean isAvailable() {
        try {
            ensureAvailable();
            return true;
        } catch (TlsConfigException e) {
            return false;
        }
    }

    /** The one-sentence message for a provider that failed to load because of {@code cause}. */
    static TlsConfigException unavailable(Throwable cause) {
        String missing = missingClass(cause);
        if (missing != null && missing.startsWith("io.netty.internal.tcnative")) {
            return new TlsConfigException("The OpenSSL TLS provider needs netty-tcnative"
                    + " (io.netty:netty-tcnative-boringssl-static) on the class path; it is missing ("
                    + missing + "). Add it, or use the JDK provider", cause);
        }
        if (missing != null) {
            return new TlsConfigException("The OpenSSL TLS provider needs Netty's SSL engine (io.netty:netty-handler)"
                    + " and netty-tcnative (io.netty:netty-tcnative-boringssl-static) on the class path; " + missing
                    + " is missing. Add them, or use the JDK provider", cause);
        }
        return new TlsConfigException("The OpenSSL TLS provider (BoringSSL through netty-tcnative) cannot load its"
                + " native library on " + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ": "
                + cause + "; use the JDK provider instead", cause);
    }

    /** The dotted name of the class whose absence caused this, or null. */
    private static String missingClass(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof ClassNotFoundException || t instanceof NoClassDefFoundError) {
                String m = t.getMessage();
                return m == null ? "a class" : m.replace('/', '.');
            }
        }
        return null;
    }
}
