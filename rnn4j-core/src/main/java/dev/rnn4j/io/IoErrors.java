package dev.rnn4j.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * One line naming the cause of a file error. Java's file exceptions often carry only a path as their message
 * ({@code AccessDeniedException: /x}), and a write that fills the disk says {@code No space left on device} without
 * the file; this turns both into "path: cause".
 */
public final class IoErrors {
  private IoErrors() {}

  /** {@code e}'s path(s) and cause in words, e.g. {@code /data/x.txt: permission denied}. */
  public static String describe(IOException e) {
    if (e instanceof FileSystemException f && f.getFile() != null) {
      String what = f.getOtherFile() == null ? f.getFile() : f.getFile() + " -> " + f.getOtherFile();
      String reason = f.getReason();
      String cause;
      if (e instanceof AccessDeniedException) {
        cause = "permission denied";
      } else if (e instanceof NoSuchFileException) {
        cause = reason != null ? reason : "no such file or folder";
      } else if (e instanceof FileAlreadyExistsException) {
        cause = "already exists";
      } else if (e instanceof NotDirectoryException) {
        cause = "is a file, not a folder";
      } else if (e instanceof DirectoryNotEmptyException) {
        cause = "is a folder that is not empty";
      } else if ("Not a directory".equals(reason)) {
        cause = "a part of this path is a file, not a folder";
      } else if ("Is a directory".equals(reason)) {
        cause = "is a folder, not a file";
      } else {
        cause = reason != null ? reason.toLowerCase(Locale.ROOT) : e.getClass().getSimpleName();
      }
      return what + ": " + cause;
    }
    String m = e.getMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    return m.contains("No space left on device") && !m.contains("disk full") ? m + " (disk full)" : m;
  }
}
