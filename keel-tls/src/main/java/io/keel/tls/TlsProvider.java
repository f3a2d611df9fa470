package io.keel.tls;

import java.security.Provider;

/** The TLS implementation behind the {@link javax.net.ssl.SSLEngine}. */
public enum TlsProvider {
    /** The JDK's own SSLEngine (SunJSSE). The default: no native code. */
    JDK,
    /** Conscrypt: BoringSSL through JNI ({@code org.conscrypt:conscrypt-openjdk-uber}, optional dependency). */
    OPENSSL;

    private static volatile Provider conscrypt;

    /** The JCA provider to pass to {@code SSLContext.getInstance}, null for the JDK default. */
    Provider jcaProvider() {
        if (this == JDK) {
            return null;
        }
        Provider p = conscrypt;
        if (p == null) {
            synchronized (TlsProvider.class) {
                p = conscrypt;
                if (p == null) {
                    p = conscrypt = loadConscrypt();
                }
            }
        }
        return p;
    }

    /** True when this provider can be used on this machine (for OPENSSL: Conscrypt and its native library load). */
    public boolean isAvailable() {
        try {
            jcaProvider();
            return true;
        } catch (TlsConfigException e) {
            return false;
        }
    }

    private static Provider loadConscrypt() {
        try {
            Class<?> c = Class.forName("org.conscrypt.Conscrypt");
            // isAvailable() is false when the native library failed to load; newProvider() would then throw
            Object available = c.getMethod("isAvailable").invoke(null);
            if (!Boolean.TRUE.equals(available)) {
                Throwable cause = null;
                try {
                    c.getMethod("checkAvailability").invoke(null);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    cause = e.getCause();
                }
                throw new TlsConfigException("The OpenSSL (Conscrypt/BoringSSL) TLS provider cannot load its native library"
                        + " on " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
                        + (cause != null ? ": " + cause : "") + "; use the JDK provider instead", cause);
            }
            return (Provider) c.getMethod("newProvider").invoke(null);
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            throw new TlsConfigException("The OpenSSL TLS provider needs Conscrypt (org.conscrypt:conscrypt-openjdk-uber)"
                    + " on the class path; it is missing. Add it, or use the JDK provider", e);
        } catch (ReflectiveOperationException | LinkageError e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
            throw new TlsConfigException("The OpenSSL (Conscrypt/BoringSSL) TLS provider failed to load: " + cause
                    + "; use the JDK provider instead", cause);
        }
    }
}
