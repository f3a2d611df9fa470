package io.keel.echo;

/** A bad command line: the launcher prints the message and the usage hint, and exits 2. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
