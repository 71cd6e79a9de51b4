import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.util.ThreadTeam;

/**
 * Runs a 2-layer bidirectional GRU (inference and a few training steps) on rnn4j's thread team for a few seconds
 * (and at least 10 calls),
 * prints "idle" and then does nothing for the given number of seconds, so that scripts/idle_cpu.sh can read the
 * process's CPU time while it idles. Run through scripts/idle_cpu.sh.
 */
public class IdleCpu {
  public static void main(String[] args) throws Exception {
    double busySeconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    long idleSeconds = args.length > 1 ? Long.parseLong(args[1]) : 12;
    Generator g = new Generator(1);
    Gru gru = new Gru(RnnConfig.builder(256, 512).numLayers(2).bidirectional(true).build(), g);
    Tensor x = Tensor.randn(g, 20, 10, 256);
    long end = System.nanoTime() + (long) (busySeconds * 1e9);
    int calls = 0;
    int minCalls = busySeconds > 0 ? 10 : 0; // a loaded machine may not finish one call in the busy time
    while (System.nanoTime() < end || calls < minCalls) {
      try (GradMode off = GradMode.disable()) {
        gru.forward(x);
      }
      if (calls++ % 10 == 0) {
        gru.forward(x).output().sum().backward();
      }
    }
    System.out.println("ran " + calls + " calls on " + ThreadTeam.current().threads() + " threads; idle");
    System.out.flush();
    Thread.sleep(idleSeconds * 1000);
  }
}
