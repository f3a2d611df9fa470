package io.keel.echo;

/** The server cannot start (bad certificate, missing provider...): one line on stderr and exit 1. */
public final class StartupException extends Exception {
    /** @param message why, in one sentence */
    public StartupException(String message) {
        super(message);
    }

    /**
     * @param message why, in one sentence
     * @param cause the failure underneath, kept for a debugger (the programs print only the message)
     */
    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
