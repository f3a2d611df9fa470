package io.keel.core;

import java.util.ServiceLoader;

/**
 * Finds a {@link TransportProvider} by name: {@code "nio"} (the core's, always there), {@code "io_uring"} (module
 * {@code keel-transport-io_uring} on the class path, JDK 22+, Linux 6.0+, the JVM started with
 * {@code --enable-native-access=ALL-UNNAMED}), or {@code "auto"}: io_uring where it can run, else NIO.
 */
public final class Transports {
    /** The names {@link #choose} takes. */
    public static final String NAMES = "auto, nio, io_uring";
    /** The system property that sets the default of {@link Server.Builder#transport(String)}: {@code keel.transport}. */
    public static final String DEFAULT_PROPERTY = "keel.transport";

    private Transports() {
    }

    /**
     * The transport of the given name, as {@link #choose} finds it, with why {@code auto} did not pick io_uring.
     *
     * @param provider what runs
     * @param fallbackReason null unless {@code auto} fell back to NIO: then one line saying why
     */
    public record Choice(TransportProvider provider, String fallbackReason) {
    }

    /**
     * The NIO transport: a JDK {@code Selector} (epoll on Linux) per loop.
     *
     * @return its provider, always available
     */
    public static TransportProvider nio() {
        return NioTransport.PROVIDER;
    }

    /**
     * Chooses a transport.
     *
     * @param name {@code "auto"}, {@code "nio"} or {@code "io_uring"} (or the name of another provider on the class
     *     path)
     * @return the provider, and why {@code auto} fell back to NIO when it did
     * @throws IllegalArgumentException when the name is unknown, or names a transport that cannot run here (the
     *     message says why: not on the class path, kernel, JDK, disabled by policy)
     */
    public static Choice choose(String name) {
        if (name.equals("nio")) {
            return new Choice(nio(), null);
        }
        boolean auto = name.equals("auto");
        String wanted = auto ? "io_uring" : name;
        TransportProvider found = find(wanted);
        String reason;
        if (found == null) {
            if (!auto && !wanted.equals("io_uring")) {
                throw new IllegalArgumentException("unknown transport '" + name + "' (one of " + NAMES + ")");
            }
            reason = "the keel-transport-io_uring module is not on the class path (it needs JDK 22 or newer)";
        } else {
            reason = found.unavailableReason();
            if (reason == null) {
                return new Choice(found, null);
            }
        }
        if (!auto) {
            throw new IllegalArgumentException("transport " + wanted + " cannot run here: " + reason);
        }
        return new Choice(nio(), "io_uring cannot run here: " + reason);
    }

    private static TransportProvider find(String name) {
        try {
            for (TransportProvider p : ServiceLoader.load(TransportProvider.class, Transports.class.getClassLoader())) {
                if (p.name().equals(name)) {
                    return p;
                }
            }
        } catch (java.util.ServiceConfigurationError | LinkageError e) {
            // a provider that does not load on this JDK (class files too new) is one that cannot run here
            return null;
        }
        return null;
    }
}
