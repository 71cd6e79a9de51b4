package dev.rnn4j.nn.rnn;

import dev.rnn4j.nn.Module;
import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.nn.rnn.pack.Packing;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.GradCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Double-precision finite-difference checks (central differences on {@link RefRnn}) of the hand-written backward of
 * each cell and of a whole bidirectional layer over a packed, unsorted batch that includes a zero-length sequence,
 * plus an LSTM layer with projection. Every input, initial state and parameter is checked.
 */
class RnnGradCheckTest {
  private static final double FWD_TOL = 1e-6;
  private static final double GRAD_TOL = 2e-6;
  private static final int IN = 3;
  private static final int H = 4;

  private static Tensor input(Generator g, int... shape) {
    return Tensor.randn(g, shape).mul(0.8).detach().requiresGrad(true);
  }

  @ParameterizedTest
  @EnumSource(RnnMode.class)
  void cell(RnnMode mode) {
    Generator g = new Generator(11 + mode.ordinal());
    int batch = 3;
    Module cell = switch (mode) {
      case LSTM -> new LstmCell(IN, H, g);
      case GRU -> new GruCell(IN, H, g);
      case RNN_TANH -> new RnnCell(IN, H, true, "tanh", g);
      case RNN_RELU -> new RnnCell(IN, H, true, "relu", g);
    };
    boolean lstm = mode == RnnMode.LSTM;
    List<Tensor> inputs = new ArrayList<>(List.of(input(g, batch, IN), input(g, batch, H)));
    if (lstm) {
      inputs.add(input(g, batch, H));
    }
    int p0 = inputs.size();
    inputs.addAll(cell.parameters());
    Function<Tensor[], Tensor> op = t -> {
      if (cell instanceof LstmCell l) {
        LstmCell.State s = l.forward(t[0], t[1], t[2]);
        return Tensor.cat(0, s.h().view(-1), s.c().view(-1));
      }
      return cell instanceof GruCell gc ? gc.forward(t[0], t[1]) : ((RnnCell) cell).forward(t[0], t[1]);
    };
    GradCheck.Reference ref = x -> {
      double[] hs = new double[batch * H];
      double[] cs = lstm ? new double[batch * H] : null;
      for (int b = 0; b < batch; b++) {
        double[] h = java.util.Arrays.copyOfRange(x[1], b * H, (b + 1) * H);
        double[] c = lstm ? java.util.Arrays.copyOfRange(x[2], b * H, (b + 1) * H) : null;
        double[][] r = RefRnn.cell(mode, x[0], b * IN, IN, h, c, x[p0], x[p0 + 1], x[p0 + 2], x[p0 + 3], null, H);
        System.arraycopy(r[0], 0, hs, b * H, H);
        if (lstm) {
          System.arraycopy(r[1], 0, cs, b * H, H);
        }
      }
      return RefRnn.concat(hs, cs);
    };
    GradCheck.check(mode + " cell", op, ref, FWD_TOL, GRAD_TOL, inputs.toArray(new Tensor[0]));
  }

  @ParameterizedTest
  @EnumSource(RnnMode.class)
  void bidirectionalPackedLayerWithZeroLength(RnnMode mode) {
    checkLayer(mode, 0);
  }

  @org.junit.jupiter.api.Test
  void lstmLayerWithProjection() {
    checkLayer(RnnMode.LSTM, 2);
  }

  private static void checkLayer(RnnMode mode, int proj) {
    Generator g = new Generator(21 + mode.ordinal());
    int len = 4;
    int batch = 4;
    int[] lengths = {3, 0, 4, 1};
    RnnConfig cfg = RnnConfig.builder(IN, H).bidirectional(true).projSize(proj).build();
    RnnBase rnn = switch (mode) {
      case LSTM -> new Lstm(cfg, g);
      case GRU -> new Gru(cfg, g);
      case RNN_TANH -> new Rnn(cfg, "tanh", g);
      case RNN_RELU -> new Rnn(cfg, "relu", g);
    };
    boolean lstm = mode == RnnMode.LSTM;
    int ps = proj > 0 ? proj : H;
    List<Tensor> inputs = new ArrayList<>(List.of(input(g, len, batch, IN), input(g, 2, batch, ps)));
    if (lstm) {
      inputs.add(input(g, 2, batch, H));
    }
    int p0 = inputs.size();
    inputs.addAll(rnn.parameters());
    int perDir = proj > 0 ? 5 : 4;
    Function<Tensor[], Tensor> op = t -> {
      PackedSequence in = Packing.packPaddedSequence(t[0], lengths, false, false);
      RnnOutput<PackedSequence> r = RnnGoldenTest.forwardPacked(rnn, in, t[1], lstm ? t[2] : null);
      Tensor out = Packing.padPackedSequence(r.output(), false, 0f, len).output();
      return lstm ? Tensor.cat(0, out.view(-1), r.hN().view(-1), ((LstmOutput<PackedSequence>) r).cN().view(-1))
          : Tensor.cat(0, out.view(-1), r.hN().view(-1));
    };
    GradCheck.Reference ref = x -> {
      double[][][] dirs = new double[2][][];
      for (int d = 0; d < 2; d++) {
        int w = p0 + d * perDir;
        double[] h0 = java.util.Arrays.copyOfRange(x[1], d * batch * ps, (d + 1) * batch * ps);
        double[] c0 = lstm ? java.util.Arrays.copyOfRange(x[2], d * batch * H, (d + 1) * batch * H) : null;
        dirs[d] = RefRnn.layer(mode, x[0], len, batch, IN, lengths, d == 1, h0, c0, x[w], x[w + 1], x[w + 2],
            x[w + 3], proj > 0 ? x[w + 4] : null, H);
      }
      double[] out = new double[len * batch * 2 * ps];
      for (int row = 0; row < len * batch; row++) {
        System.arraycopy(dirs[0][0], row * ps, out, row * 2 * ps, ps);
        System.arraycopy(dirs[1][0], row * ps, out, row * 2 * ps + ps, ps);
      }
      return RefRnn.concat(out, dirs[0][1], dirs[1][1], lstm ? dirs[0][2] : null, lstm ? dirs[1][2] : null);
    };
    GradCheck.check(mode + " layer", op, ref, FWD_TOL, GRAD_TOL, inputs.toArray(new Tensor[0]));
  }
}
