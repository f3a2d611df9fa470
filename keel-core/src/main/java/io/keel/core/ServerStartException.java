package io.keel.core;

/** The server could not start; the message is one line meant for a person (port in use, bad address...). */
public final class ServerStartException extends Exception {
    /**
     * @param message one line meant for a person, naming the address and what went wrong
     * @param cause the underlying failure (a {@code BindException}, a {@code SecurityException}...), or null when
     *     there is none (a bind address that does not resolve)
     */
    public ServerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
