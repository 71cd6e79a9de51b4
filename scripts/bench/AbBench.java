import dev.rnn4j.data.*;
import java.nio.file.*;
import java.util.zip.CRC32C;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import com.google.gson.JsonObject;
// Usage: java -Xmx1g -cp rnn4j-cli/target/rnn4j.jar scripts/bench/AbBench.java TEXT MAX_LEN REPEATS SCRATCH.bin
// Same-JVM A/B of the data preparation of a new char run: "old" = the two passes TokenCache made before (CRC-32C and
// vocabulary through TextPass, then TokenFile.fromText, then open with the checksum read), "new" = CharTokenPass.fit;
// "read" = one read of the file in 1 MB chunks. Wall and thread CPU seconds.
public class AbBench {
  public static void main(String[] a) throws Exception {
    Path f = Path.of(a[0]);
    int maxLen = Integer.parseInt(a[1]);
    Path out = Path.of(a[3]);
    var mx = java.lang.management.ManagementFactory.getThreadMXBean();
    for (int rep = 0; rep < Integer.parseInt(a[2]); rep++) {
      for (String mode : new String[] {"read", "new", "old"}) {
        long c0 = mx.getCurrentThreadCpuTime(), t0 = System.nanoTime();
        long n = 0;
        if (mode.equals("read")) {
          try (FileChannel ch = FileChannel.open(f)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            while (ch.read(b.clear()) > 0) { n += b.position(); }
          }
        } else if (mode.equals("new")) {
          var r = CharTokenPass.fit(f, maxLen, out, new CRC32C(), null, (t, u) -> new JsonObject());
          n = r.tokens().numTokens();
          r.tokens().close();
        } else {
          CRC32C crc = new CRC32C();
          TokenizerFit fit = TokenizerFit.of("char");
          TextPass.read(f, crc, null, fit::accept);
          Tokenizer tok = fit.result();
          TokenFile tf = TokenFile.fromText(f, tok, maxLen, out, new Unknowns.Counter(tok), null, JsonObject::new);
          tf.close();
          tf = TokenFile.open(out); // the old writer opened its file with the checksum read
          n = tf.numTokens();
          tf.close();
        }
        System.out.printf("%-4s %7.2f s wall %7.2f s cpu  (%d)%n", mode, (System.nanoTime() - t0) / 1e9, (mx.getCurrentThreadCpuTime() - c0) / 1e9, n);
      }
    }
    Files.deleteIfExists(out);
  }
}
