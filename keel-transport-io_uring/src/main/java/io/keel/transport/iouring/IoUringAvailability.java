package io.keel.transport.iouring;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Whether this process can use io_uring as {@link IoUring} does, and if not, one line saying why (for
 * {@link IoUring#unavailableReason()} and the transport's "falling back to NIO" log line).
 */
final class IoUringAvailability {
    private static final String[] OPS = {"ACCEPT", "RECV", "SEND", "READ", "ASYNC_CANCEL"};
    private static final byte[] OP_CODES = {Uapi.OP_ACCEPT, Uapi.OP_RECV, Uapi.OP_SEND, Uapi.OP_READ,
            Uapi.OP_ASYNC_CANCEL};
    private static final Path DISABLED_SYSCTL = Path.of("/proc/sys/kernel/io_uring_disabled");

    private static boolean checked;
    private static String reason;

    private IoUringAvailability() {
    }

    static synchronized String reason() {
        if (!checked) {
            reason = check();
            checked = true;
        }
        return reason;
    }

    private static String check() {
        try {
            String os = System.getProperty("os.name", "?");
            if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
                return "io_uring needs Linux (this is " + os + ")";
            }
            String arch = System.getProperty("os.arch", "?");
            if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
                return "io_uring transport supports x86_64 and aarch64 only (this is " + arch + ")";
            }
            String kernel = kernelProblem(System.getProperty("os.version", ""));
            if (kernel != null) {
                return kernel;
            }
            return probe();
        } catch (Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof IllegalCallerException) {
                    return "the JVM was started without --enable-native-access (add "
                            + "--enable-native-access=ALL-UNNAMED, or the module's name)";
                }
            }
            return "io_uring check failed: " + t;
        }
    }

    /**
     * The kernel-version part of the check, a pure function of {@code os.version} (uname -r).
     *
     * @return null if the version is 6.0 or newer, or cannot be parsed (the probe decides then); else the reason
     */
    static String kernelProblem(String osVersion) {
        String[] parts = osVersion.split("[^0-9]+", 3);
        if (parts.length < 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return null;
        }
        int major, minor;
        try {
            major = Integer.parseInt(parts[0]);
            minor = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            return null;
        }
        if (major < 6) {
            return "kernel " + major + "." + minor + " lacks multishot receive (needs 6.0)";
        }
        return null;
    }

    /** A small ring, the opcode probe, a one-buffer provided-buffer ring and one no-op request waited for. */
    private static String probe() {
        try (IoUring ring = IoUring.open(4, 8, false); Arena arena = Arena.ofConfined()) {
            MemorySegment probe = arena.allocate(Uapi.PROBE_HEADER + Uapi.PROBE_OPS * Uapi.PROBE_OP_SIZE, 8);
            ring.register(Uapi.REGISTER_PROBE, probe, Uapi.PROBE_OPS, "IORING_REGISTER_PROBE");
            int lastOp = Byte.toUnsignedInt(probe.get(JAVA_BYTE, 0));
            for (int i = 0; i < OP_CODES.length; i++) {
                int op = OP_CODES[i];
                long flagsAt = Uapi.PROBE_HEADER + (long) op * Uapi.PROBE_OP_SIZE + 2;
                if (op > lastOp || (probe.get(JAVA_SHORT, flagsAt) & Uapi.OP_SUPPORTED) == 0) {
                    return "io_uring here lacks IORING_OP_" + OPS[i];
                }
            }
            try (ProvidedBufferRing buffers = ProvidedBufferRing.register(ring, (short) 0, 1, 64)) {
                // nothing
            } catch (IOException e) {
                return "io_uring here lacks provided-buffer rings (kernel 5.19+): " + e.getMessage();
            }
            return enterProblem(ring);
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /**
     * One IORING_OP_NOP submitted and waited for: a seccomp policy may allow io_uring_setup(2) and
     * io_uring_register(2) but refuse io_uring_enter(2), which every loop iteration calls.
     */
    static String enterProblem(IoUring ring) {
        try {
            ring.nop(1);
            ring.submitAndWait(TimeUnit.SECONDS.toNanos(1));
            int[] completed = {0};
            ring.drain((userData, result, flags) -> completed[0]++);
            return completed[0] == 1 ? null : "io_uring here did not complete a no-op request within 1 s";
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            return "io_uring_enter is refused (a seccomp or container policy?): "
                    + (m.startsWith("io_uring_enter: ") ? m.substring("io_uring_enter: ".length()) : m);
        }
    }

    /**
     * The sentence for a failed io_uring_setup(2), naming the likely cause.
     *
     * @param errno the errno of the failure
     */
    static String setupFailure(int errno) {
        if (errno == Errno.EPERM) {
            String sysctl = readSysctl();
            if ("2".equals(sysctl)) {
                return "io_uring is disabled (sysctl kernel.io_uring_disabled=2)";
            }
            if ("1".equals(sysctl)) {
                return "io_uring is limited to the group kernel.io_uring_group, which this user is not in "
                        + "(sysctl kernel.io_uring_disabled=1)";
            }
            return "io_uring_setup failed: Operation not permitted (seccomp or container policy)";
        }
        if (errno == Errno.ENOSYS) {
            return "io_uring_setup failed: Function not implemented (a kernel without io_uring, or seccomp)";
        }
        return "io_uring_setup failed: " + Errno.describe(errno) + " (errno " + errno + ")";
    }

    private static String readSysctl() {
        try {
            return Files.readString(DISABLED_SYSCTL).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
