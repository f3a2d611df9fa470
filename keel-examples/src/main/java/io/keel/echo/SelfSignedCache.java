package io.keel.echo;

import io.keel.tls.SelfSignedCertificate;
import io.keel.tls.TlsConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * The generated certificate of the wss programs ({@code keel-echo}, {@code keel-chat}), kept in a directory so
 * that a restart serves the same one and a browser's security exception is accepted once, not at every start.
 *
 * <p>The directory holds {@value #PEM} (the private key and the certificate, mode 600: what the server reads) and
 * {@value #CRT} (the certificate alone, for clients to trust: {@code curl --cacert}). The certificate is reused
 * while it is valid for at least a day more; when the file is missing, expired (or expiring within a day) or
 * unusable, a new one is generated and written, and {@link Result#note()} says so in one line.
 *
 * <p>When the directory cannot be created or written: a directory the user named ({@code --self-signed-dir}) is a
 * start-up error, since the user asked for the certificate to be kept there; the default directory
 * ({@link #defaultDir}) is not worth failing for: the program goes on with a certificate in memory and a one-line
 * warning.
 */
public final class SelfSignedCache {
    /** The private key and the certificate, as the server reads them. */
    public static final String PEM = "self-signed.pem";
    /** The certificate alone. */
    public static final String CRT = "self-signed.crt";
    /** A certificate with less than this left is replaced. */
    static final Duration MIN_REMAINING = Duration.ofDays(1);

    private SelfSignedCache() {
    }

    /**
     * What {@link #obtain} found or made.
     *
     * @param certificate the certificate to serve
     * @param file the file it is kept in, or null when it is in memory only
     * @param note one line to tell the user (generated, replaced), or null when an existing one was reused
     * @param warning true when {@code note} is a warning (the certificate could not be kept)
     */
    public record Result(SelfSignedCertificate certificate, Path file, String note, boolean warning) {
        /** The certificate-only file beside {@link #file()}, or null in memory. */
        public Path certificateFile() {
            return file == null ? null : file.resolveSibling(CRT);
        }
    }

    /**
     * The default directory, following the XDG base directory convention: {@code $XDG_CACHE_HOME/keel} when that
     * variable is an absolute path, else {@code $HOME/.cache/keel}, else {@code ~/.cache/keel} of the JVM's
     * {@code user.home} (which the JDK takes from the password database, not from {@code $HOME}).
     *
     * @param env the environment ({@link System#getenv()})
     * @param userHome the {@code user.home} property, may be null
     * @return the directory, or null when there is no home to put it in
     */
    public static Path defaultDir(Map<String, String> env, String userHome) {
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && xdg.startsWith("/")) {
            return Path.of(xdg, "keel");
        }
        String home = env.get("HOME");
        if (home == null || !home.startsWith("/")) {
            home = userHome;
        }
        if (home == null || home.isEmpty() || home.equals("?")) {
            return null;
        }
        return Path.of(home, ".cache", "keel");
    }

    /**
     * The certificate kept in {@code dir}: reused when it is there and valid, otherwise generated and written there.
     *
     * @param dir the directory; null means no directory (a certificate in memory, with a warning)
     * @param explicit true when the user named {@code dir}: failing to write it is then an error
     * @return the certificate, where it is kept, and what to tell the user
     * @throws StartupException naming the directory and what is wrong, when {@code explicit} and it cannot be written
     */
    public static Result obtain(Path dir, boolean explicit) throws StartupException {
        if (dir == null) {
            return new Result(SelfSignedCertificate.generate(), null, "warning: no home directory to keep the"
                + " self-signed certificate in; using one in memory (browsers will ask again after a restart)", true);
        }
        Path file = dir.resolve(PEM);
        String why = null;
        if (Files.exists(file) || Files.isSymbolicLink(file)) {
            try {
                SelfSignedCertificate kept = SelfSignedCertificate.readPem(file);
                Instant notAfter = kept.certificate().getNotAfter().toInstant();
                Instant notBefore = kept.certificate().getNotBefore().toInstant();
                Instant now = Instant.now();
                if (notAfter.isBefore(now)) {
                    why = "the one there expired on " + notAfter;
                } else if (notAfter.isBefore(now.plus(MIN_REMAINING))) {
                    why = "the one there expires on " + notAfter;
                } else if (notBefore.isAfter(now)) {
                    why = "the one there is not valid before " + notBefore;
                } else {
                    return new Result(kept, file, null, false);
                }
            } catch (TlsConfigException e) {
                why = "the one there cannot be used: " + e.getMessage();
            }
        }
        SelfSignedCertificate fresh = SelfSignedCertificate.generate();
        try {
            createDirectory(dir);
            fresh.writePem(file);
            writeCertificate(file.resolveSibling(CRT), fresh.certificatePem());
        } catch (IOException | RuntimeException e) {
            String problem = describe(dir, e);
            if (explicit) {
                throw new StartupException("cannot keep the self-signed certificate in " + dir + ": " + problem, e);
            }
            return new Result(fresh, null, "warning: cannot keep the self-signed certificate in " + dir + " ("
                + problem + "); using one in memory (browsers will ask again after a restart)", true);
        }
        String note = why == null
            ? "generated a self-signed certificate in " + file + " (kept for the next starts)"
            : "generated a new self-signed certificate in " + file + ": " + why;
        return new Result(fresh, file, note, false);
    }

    private static void createDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.toAbsolutePath().getParent();
        while (parent != null && !Files.exists(parent)) {
            parent = parent.getParent();
        }
        boolean posix = parent != null && Files.isDirectory(parent)
            && Files.getFileStore(parent).supportsFileAttributeView(PosixFileAttributeView.class);
        if (posix) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    /** The certificate alone (public: mode 644), written beside its name and moved over it. */
    private static void writeCertificate(Path crt, String pem) throws IOException {
        Path tmp = Files.createTempFile(crt.toAbsolutePath().getParent(), ".keel-", ".tmp");
        try {
            Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
            if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.move(tmp, crt, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** What is wrong with {@code dir}, in words. */
    private static String describe(Path dir, Throwable e) {
        Path absolute = dir.toAbsolutePath();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            return (existing.equals(absolute) ? "it" : existing.toString()) + " is a file, not a directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason().toLowerCase(Locale.ROOT);
        }
        return ServerProgram.describe(e);
    }
}
