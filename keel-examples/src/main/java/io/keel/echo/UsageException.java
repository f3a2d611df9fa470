package io.keel.echo;

/** A bad command line: the launcher prints the message and a hint to {@code --help}, and exits 2. */
public final class UsageException extends Exception {
    /** @param message what is wrong, in one sentence without a final period */
    public UsageException(String message) {
        super(message);
    }
}
