package io.keel.echo;

/** The server cannot start (bad certificate, missing provider...): one line on stderr and exit 1. */
final class StartupException extends Exception {
    StartupException(String message) {
        super(message);
    }

    StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
