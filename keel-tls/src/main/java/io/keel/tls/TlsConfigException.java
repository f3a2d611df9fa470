package io.keel.tls;

/**
 * A TLS configuration that cannot be used: a missing or unreadable file, a key that does not match its
 * certificate, an expired certificate, a provider that cannot load. The message is one human-readable sentence
 * meant to be printed as is (the launcher prints it and exits with status 1).
 */
public final class TlsConfigException extends RuntimeException {
    /** @param message one human-readable sentence, printed as is */
    public TlsConfigException(String message) {
        super(message);
    }

    /**
     * @param message one human-readable sentence, printed as is
     * @param cause the underlying failure (an {@code IOException}, a {@code GeneralSecurityException}...)
     */
    public TlsConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
