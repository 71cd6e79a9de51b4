package dev.rnn4j.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Files written whole or not at all: the bytes go to a hidden sibling first, which then replaces the target by one
 * rename. Unlike {@link Files#createTempFile}, whose files are private (0600), the sibling is created with the
 * process's umask like any new file, and a file being replaced passes its permissions on to its successor.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** A new, empty hidden file beside {@code target} ({@code .<name>.<random>.tmp}), mode from the umask. */
  public static Path sibling(Path target) throws IOException {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    Files.createDirectories(dir);
    for (int attempt = 0; ; attempt++) {
      Path tmp = dir.resolve("." + abs.getFileName() + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)
          + ".tmp");
      try {
        return Files.createFile(tmp);
      } catch (FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
  }

  /**
   * Moves {@code tmp} over {@code target}, atomically where the file system allows; an existing target's POSIX
   * permissions are copied to {@code tmp} first, so replacing a file keeps its mode.
   */
  public static void replace(Path tmp, Path target) throws IOException {
    PosixFileAttributeView was = Files.getFileAttributeView(target, PosixFileAttributeView.class);
    if (was != null && Files.isRegularFile(target)) {
      try {
        Set<PosixFilePermission> perms = was.readAttributes().permissions();
        Files.setPosixFilePermissions(tmp, perms);
      } catch (IOException | UnsupportedOperationException e) {
        // the target vanished or has no POSIX modes: the new file keeps the umask's
      }
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Writes {@code bytes} to {@code target} whole or not at all, forced to the device before the rename. */
  public static void write(Path target, byte[] bytes) throws IOException {
    Path tmp = sibling(target);
    try {
      try (var fc = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          fc.write(b);
        }
        fc.force(true);
      }
      replace(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
