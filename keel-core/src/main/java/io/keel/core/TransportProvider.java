package io.keel.core;

import java.io.IOException;

/**
 * A kind of {@link Transport}, found by name: {@code "nio"} (in the core, always there) or another one on the class
 * path, registered for {@link java.util.ServiceLoader} under this interface's name (the {@code io_uring} transport
 * of the {@code keel-transport-io_uring} module). Choose one with {@link Server.Builder#transport(String)}; see
 * {@link Transports}.
 */
public interface TransportProvider {

    /**
     * The name to choose it by.
     *
     * @return a short lower-case name, such as {@code "nio"} or {@code "io_uring"}
     */
    String name();

    /**
     * Whether it can run here: kernel, JDK and the process's restrictions. Checked once and cached; never throws.
     *
     * @return null when it can run, else one line saying why not (for the start line and the error of an explicit
     *     choice)
     */
    String unavailableReason();

    /**
     * A new transport for one event loop, called once per loop before the loop's thread starts.
     *
     * @param loop the loop it serves
     * @return the transport, which the loop then owns and releases
     * @throws IOException when the kernel refuses (too many open files, memory limits...)
     */
    Transport open(TransportLoop loop) throws IOException;
}
