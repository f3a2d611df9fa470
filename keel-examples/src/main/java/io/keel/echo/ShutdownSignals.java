package io.keel.echo;

/**
 * SIGINT and SIGTERM start a graceful shutdown that ends with exit code 0. A JVM shutdown hook would exit
 * with 130/143 once it returns, so the signals are taken directly when the JDK allows it.
 */
final class ShutdownSignals {
    private ShutdownSignals() {
    }

    @SuppressWarnings("removal")
    static void onTerminate(Runnable action) {
        boolean handled = true;
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.run());
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                handled = false;
            }
        }
        if (!handled) {
            Runtime.getRuntime().addShutdownHook(new Thread(action, "keel-shutdown-hook"));
        }
    }

    /** SIGHUP runs {@code action} (the wss server reloads its certificate); false when the JDK refuses. */
    @SuppressWarnings("removal")
    static boolean onHangup(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> action.run());
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            return false;
        }
    }
}
