package io.keel.core;

import java.nio.file.FileSystemException;
import java.util.regex.Pattern;

/** Turns a failure into words a person reads in a one-line message, for every module's errors. */
public final class ErrorMessages {
    private static final Pattern JAVA_CLASS_PREFIX =
        Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error):\\s*");

    private ErrorMessages() {
    }

    /**
     * What went wrong, in words: the message of {@code e} (or of its first cause that has one) without Java
     * class names ("java.io.IOException: Is a directory" becomes "Is a directory"), a file-system error's reason
     * alone (without the path, which the caller names itself), or "unexpected error" when nothing in the chain
     * says anything.
     *
     * @param e the failure; not null
     * @return a phrase without a final period
     */
    public static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t instanceof FileSystemException f ? fileSystemReason(f) : t.getMessage();
            if (m != null) {
                m = JAVA_CLASS_PREFIX.matcher(m).replaceAll("").strip();
                if (!m.isEmpty()) {
                    return m;
                }
            }
        }
        return "unexpected error";
    }

    /**
     * A file-system error's reason; the JDK leaves it out of the common ones, whose message is then only the path
     * ("cannot open '/x/log': /x/log"), so those are named by their kind.
     */
    private static String fileSystemReason(FileSystemException f) {
        if (f.getReason() != null) {
            return f.getReason();
        }
        return switch (f) {
            case java.nio.file.NoSuchFileException n -> "no such file or directory";
            case java.nio.file.AccessDeniedException a -> "permission denied";
            case java.nio.file.NotDirectoryException d -> "not a directory";
            case java.nio.file.FileAlreadyExistsException x -> "it already exists";
            case java.nio.file.DirectoryNotEmptyException x -> "the directory is not empty";
            case java.nio.file.NotLinkException x -> "not a symbolic link";
            default -> f.getMessage();
        };
    }
}
