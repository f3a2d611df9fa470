/**
 * Linux io_uring and socket system calls on the JDK's foreign-function and memory API (JDK 22+): no JNI, no
 * native library of Keel's own, only the C library already on the machine. The low level of Keel's io_uring
 * transport: {@link io.keel.transport.iouring.IoUring} (one ring per event loop thread),
 * {@link io.keel.transport.iouring.ProvidedBufferRing} (receive buffers the kernel picks from),
 * {@link io.keel.transport.iouring.LinuxSockets} (listener, addresses, options, eventfd) and
 * {@link io.keel.transport.iouring.Errno}.
 *
 * <p>The JVM needs {@code --enable-native-access=ALL-UNNAMED} (or this jar's module name) to use it without
 * warnings; {@link io.keel.transport.iouring.IoUring#unavailableReason()} says whether it can run here at all.
 */
package io.keel.transport.iouring;
