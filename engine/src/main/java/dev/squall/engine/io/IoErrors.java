package dev.squall.engine.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Why an I/O operation failed, in words: the JDK's file exceptions carry the reason in their class
 * ({@link NoSuchFileException} has only the path as its message), so a message built from
 * {@code getMessage()} alone would say "x.npy: x.npy".
 */
public final class IoErrors {
    private IoErrors() {
    }

    /**
     * The reason {@code e} gives, without the path it concerns: "no such file", "permission denied", "is a
     * directory", "file too large", or the message of a format error (which names its source).
     */
    public static String reason(IOException e) {
        return switch (e) {
            case NpyFormatException x -> x.getMessage();
            case NoSuchFileException x -> "no such file";
            case AccessDeniedException x -> "permission denied";
            case NotDirectoryException x -> "not a directory";
            case FileAlreadyExistsException x -> "already exists";
            case DirectoryNotEmptyException x -> "directory not empty";
            case FileSystemException x when x.getReason() != null -> lowerFirst(x.getReason());
            case FileSystemException x -> x.getClass().getSimpleName();
            default -> e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName()
                    : lowerFirst(e.getMessage());
        };
    }

    /**
     * {@link #reason(IOException)} for an error reading {@code file}, without repeating the file: a format error's
     * leading {@code "file: "} is dropped and {@code "file:member: "} becomes {@code "member member: "}.
     */
    public static String reason(Path file, IOException e) {
        String reason = reason(e);
        String name = file.toString();
        if (reason.startsWith(name + ": ")) {
            return reason.substring(name.length() + 2);
        }
        return reason.startsWith(name + ":") ? "member " + reason.substring(name.length() + 1) : reason;
    }

    /** "Is a directory" as "is a directory", leaving acronyms and paths ("EOF", "/tmp") alone. */
    private static String lowerFirst(String s) {
        boolean word = s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1));
        return word ? Character.toLowerCase(s.charAt(0)) + s.substring(1) : s;
    }
}
