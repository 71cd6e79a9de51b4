package dev.rnn4j.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Exclusive use of a run directory: an OS file lock on {@code <run>/.lock}, held while a trainer writes there, so a
 * second trainer on the same directory is refused instead of interleaving its steps and checkpoints. The lock goes
 * with the process (a crash or kill -9 releases it); the file itself stays, holding the holder's pid for messages.
 */
public final class RunLock implements AutoCloseable {
  /** Name of the lock file inside the run directory. */
  public static final String FILE = ".lock";

  private final FileChannel channel;
  private final FileLock lock;

  private RunLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Locks {@code runDir} (created if needed), or throws IllegalStateException naming the holder. */
  public static RunLock acquire(Path runDir) throws IOException {
    Files.createDirectories(runDir);
    Path file = runDir.resolve(FILE);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null; // this JVM already holds it
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    if (l == null) {
      String holder;
      try {
        holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        holder = "";
      } finally {
        ch.close();
      }
      throw new IllegalStateException(runDir + " is in use by another trainer"
          + (holder.isEmpty() ? "" : " (process " + holder + ")") + "; wait for it to finish, stop it, or choose another --out");
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    return new RunLock(ch, l);
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
