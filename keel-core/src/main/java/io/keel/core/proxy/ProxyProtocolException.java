package io.keel.core.proxy;

/**
 * A PROXY protocol header that is malformed, oversized or of an unsupported version. The server closes such a
 * connection without a reply (HAProxy's {@code proxy-protocol.txt}, section 2: a receiver must not guess, and
 * must drop a connection whose header is invalid). The message says why, in one line, for logs.
 */
public final class ProxyProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * @param reason what is wrong with the header, in one line
     */
    public ProxyProtocolException(String reason) {
        super(reason, null, false, false); // no stack trace: a bad header is the client's fault, not ours
    }
}
