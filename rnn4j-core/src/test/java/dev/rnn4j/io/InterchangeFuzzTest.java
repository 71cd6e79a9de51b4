package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutation fuzzer over valid safetensors and torch.save files (zip and legacy): flipped bytes, truncation,
 * spliced and duplicated segments, inflated length fields and numbers. Every mutant must either load or fail with a
 * documented exception ({@link SafeTensorsException}, {@link TorchLoadException}, or the
 * {@link UnknownFormatException} of {@link StateDicts#sniff}; all three are {@link IOException}s) whose message starts with the file name; never an
 * AIOOBE, NPE, ClassCastException, OutOfMemoryError, StackOverflowError or a hang. The count is fixed (a few seconds in
 * all), so it runs in CI; the timeout only guards against a hang.
 */
class InterchangeFuzzTest {
  /** Mutants per seed file; {@code -Drnn4j.fuzz.mutants=N -Drnn4j.fuzz.seed=S} runs a longer or different campaign. */
  private static final int MUTANTS_PER_SEED = Integer.getInteger("rnn4j.fuzz.mutants", 250);
  private static final long RANDOM_SEED = Long.getLong("rnn4j.fuzz.seed", 20261128L);
  private static final String[] SEEDS = {
    "interchange_emblinear.safetensors", "interchange_views.safetensors", "interchange_emblinear.pt",
    "interchange_views.pt", "interchange_rnn_legacy.pt", "interchange_views_legacy.pt"
  };

  @TempDir Path tmp;

  @Test
  void mutantsFailCleanly() {
    assertTimeoutPreemptively(Duration.ofSeconds(Math.max(180, MUTANTS_PER_SEED / 10)), this::run);
  }

  private void run() throws IOException {
    List<byte[]> seeds = new ArrayList<>();
    for (String s : SEEDS) {
      seeds.add(Files.readAllBytes(FixtureFiles.path(s)));
    }
    SplittableRandom rnd = new SplittableRandom(RANDOM_SEED);
    Path p = tmp.resolve("mutant.bin");
    int loaded = 0;
    int refused = 0;
    for (int s = 0; s < seeds.size(); s++) {
      for (int i = 0; i < MUTANTS_PER_SEED; i++) {
        byte[] m = mutate(seeds.get(s), seeds, rnd);
        Files.write(p, m);
        try {
          StateDicts.load(p);
          loaded++;
        } catch (SafeTensorsException | TorchLoadException | UnknownFormatException e) {
          checkMessage(e, p, s, i);
          refused++;
        } catch (RuntimeException | IOException | Error e) {
          throw new AssertionError(SEEDS[s] + " mutant " + i + ": undocumented " + e, e);
        }
      }
    }
    assertTrue(refused > seeds.size() * MUTANTS_PER_SEED / 2, "most mutants should be refused: " + refused);
    assertTrue(loaded > 0, "some mutants (flipped data bytes) should still load");
  }

  private static void checkMessage(IOException e, Path p, int s, int i) {
    if (e.getMessage() == null || !e.getMessage().startsWith(p.toString())) {
      fail(SEEDS[s] + " mutant " + i + ": the message must name the file: " + e.getMessage(), e);
    }
  }

  private static byte[] mutate(byte[] seed, List<byte[]> all, SplittableRandom r) {
    byte[] b = seed.clone();
    int rounds = 1 + r.nextInt(3);
    for (int k = 0; k < rounds && b.length > 0; k++) {
      switch (r.nextInt(7)) {
        case 0: // flip a few bytes, mostly near the start where headers and pickles live
          for (int j = 0, n = 1 + r.nextInt(8); j < n; j++) {
            int at = r.nextBoolean() ? r.nextInt(Math.min(b.length, 512)) : r.nextInt(b.length);
            b[at] ^= (byte) (1 + r.nextInt(255));
          }
          break;
        case 1: // truncate
          b = Arrays.copyOf(b, r.nextInt(b.length));
          break;
        case 2: { // splice a segment of another seed file in
          byte[] o = all.get(r.nextInt(all.size()));
          int from = r.nextInt(o.length);
          int len = Math.min(o.length - from, 1 + r.nextInt(200));
          int at = r.nextInt(b.length);
          byte[] n = new byte[b.length + len];
          System.arraycopy(b, 0, n, 0, at);
          System.arraycopy(o, from, n, at, len);
          System.arraycopy(b, at, n, at + len, b.length - at);
          b = n;
          break;
        }
        case 3: { // inflate a 4- or 8-byte little-endian length field
          int w = r.nextBoolean() ? 4 : 8;
          if (b.length > w) {
            int at = r.nextInt(Math.min(b.length - w, 600));
            long v = r.nextBoolean() ? -1L : r.nextBoolean() ? 0x7fffffffL : 1L << (20 + r.nextInt(40));
            for (int j = 0; j < w; j++) {
              b[at + j] = (byte) (v >>> (8 * j));
            }
          }
          break;
        }
        case 4: { // inflate a decimal number in a JSON header
          String s = new String(b, 0, Math.min(b.length, 1024), StandardCharsets.ISO_8859_1);
          int at = indexOfDigit(s, r.nextInt(Math.max(1, s.length())));
          if (at >= 0) {
            byte[] big = String.valueOf(r.nextBoolean() ? Long.MAX_VALUE : 4294967296L).getBytes(
                StandardCharsets.US_ASCII);
            byte[] n = new byte[b.length + big.length];
            System.arraycopy(b, 0, n, 0, at);
            System.arraycopy(big, 0, n, at, big.length);
            System.arraycopy(b, at, n, at + big.length, b.length - at);
            b = n;
          }
          break;
        }
        case 5: { // duplicate a segment in place
          int from = r.nextInt(b.length);
          int len = Math.min(b.length - from, 1 + r.nextInt(64));
          byte[] n = new byte[b.length + len];
          System.arraycopy(b, 0, n, 0, from + len);
          System.arraycopy(b, from, n, from + len, b.length - from);
          b = n;
          break;
        }
        default: // overwrite one byte with a pickle opcode or JSON punctuation
          byte[] special = {'(', ')', ']', '}', 'R', 'c', 'b', 'Q', 'X', '{', '"', ',', 't', 'u', 's', '.', (byte) 0x80};
          b[r.nextInt(b.length)] = special[r.nextInt(special.length)];
      }
    }
    return b;
  }

  private static int indexOfDigit(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      if (Character.isDigit(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }
}
