package io.keel.core;

/** The server could not start; the message is one line meant for a person (port in use, bad address...). */
public final class ServerStartException extends Exception {
    public ServerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
