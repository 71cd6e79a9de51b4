package dev.rnn4j.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.nn.rnn.pack.PackedSequence;
import dev.rnn4j.nn.rnn.pack.Packing;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.util.ThreadTeam;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Invariants that hold whatever the weights: packed and padded runs agree on valid positions for the forward
 * direction; the reverse direction equals a forward run over each sequence's flipped valid steps; a zero-length
 * sequence gets padding as output and its h0 as h_n without disturbing the others; no-grad runs record nothing.
 */
class RnnInvariantsTest {
  private static final double TOL = 1e-5;

  private static RnnBase make(RnnMode mode, RnnConfig cfg, long seed) {
    Generator g = new Generator(seed);
    return switch (mode) {
      case LSTM -> new Lstm(cfg, g);
      case GRU -> new Gru(cfg, g);
      case RNN_TANH -> new Rnn(cfg, "tanh", g);
      case RNN_RELU -> new Rnn(cfg, "relu", g);
    };
  }

  private static RnnOutput<Tensor> padded(RnnBase rnn, Tensor x, Tensor h0, Tensor c0) {
    return RnnGoldenTest.forward(rnn, x, h0, c0);
  }

  private static RnnOutput<PackedSequence> packed(RnnBase rnn, PackedSequence x, Tensor h0, Tensor c0) {
    return RnnGoldenTest.forwardPacked(rnn, x, h0, c0);
  }

  @ParameterizedTest
  @EnumSource(RnnMode.class)
  void packedEqualsPaddedOnValidPositionsForward(RnnMode mode) {
    RnnBase rnn = make(mode, RnnConfig.builder(3, 4).numLayers(2).build(), 1);
    Generator g = new Generator(2);
    int len = 5;
    int[] lengths = {3, 5, 1};
    Tensor x = Tensor.randn(g, len, 3, 3);
    RnnOutput<Tensor> full = padded(rnn, x, null, null);
    RnnOutput<PackedSequence> pk = packed(rnn, Packing.packPaddedSequence(x, lengths, false, false), null, null);
    Tensor out = Packing.padPackedSequence(pk.output(), false, 0f, len).output();
    for (int b = 0; b < 3; b++) {
      for (int t = 0; t < lengths[b]; t++) {
        for (int k = 0; k < 4; k++) {
          assertEquals(full.output().get(t, b, k), out.get(t, b, k), TOL, "t=" + t + " b=" + b);
        }
      }
      // h_n of the packed run is the padded run's output at the sequence's last valid step (top layer)
      for (int k = 0; k < 4; k++) {
        assertEquals(full.output().get(lengths[b] - 1, b, k), pk.hN().get(1, b, k), TOL);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RnnMode.class)
  void reverseDirectionEqualsForwardOnFlippedValidSteps(RnnMode mode) {
    RnnBase bi = make(mode, RnnConfig.builder(3, 4).bidirectional(true).build(), 3);
    RnnBase uni = make(mode, RnnConfig.builder(3, 4).build(), 4);
    // the unidirectional model gets the bidirectional one's reverse weights
    var rev = bi.layerParams().get(1);
    var fwd = uni.layerParams().get(0);
    copy(rev.wIh(), fwd.wIh());
    copy(rev.wHh(), fwd.wHh());
    copy(rev.bIh(), fwd.bIh());
    copy(rev.bHh(), fwd.bHh());
    Generator g = new Generator(5);
    int[] lengths = {2, 4, 3};
    List<Tensor> seqs = List.of(Tensor.randn(g, 2, 3), Tensor.randn(g, 4, 3), Tensor.randn(g, 3, 3));
    RnnOutput<PackedSequence> r = packed(bi, Packing.packSequence(seqs, false), null, null);
    List<Tensor> outs = Packing.unpackSequence(r.output());
    for (int b = 0; b < 3; b++) {
      Tensor flipped = flip(seqs.get(b));
      RnnOutput<Tensor> u = padded(uni, flipped, null, null); // unbatched (L, H_in)
      for (int t = 0; t < lengths[b]; t++) {
        for (int k = 0; k < 4; k++) {
          assertEquals(u.output().get(lengths[b] - 1 - t, k), outs.get(b).get(t, 4 + k), TOL);
        }
      }
      for (int k = 0; k < 4; k++) {
        assertEquals(u.hN().get(0, k), r.hN().get(1, b, k), TOL, "reverse h_n is the state after step 0");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RnnMode.class)
  void zeroLengthSequenceKeepsH0AndLeavesOthersAlone(RnnMode mode) {
    RnnBase rnn = make(mode, RnnConfig.builder(3, 4).numLayers(2).bidirectional(true).build(), 6);
    Generator g = new Generator(7);
    Tensor x = Tensor.randn(g, 4, 3, 3);
    Tensor h0 = Tensor.randn(g, 4, 3, 4);
    Tensor c0 = mode == RnnMode.LSTM ? Tensor.randn(g, 4, 3, 4) : null;
    RnnOutput<PackedSequence> with = packed(rnn, Packing.packPaddedSequence(x, new int[] {3, 0, 4}, false, false), h0,
        c0);
    Tensor out = Packing.padPackedSequence(with.output(), false, -7f, null).output();
    for (int t = 0; t < 4; t++) {
      for (int k = 0; k < 8; k++) {
        assertEquals(-7.0, out.get(t, 1, k), "a zero-length sequence's output is padding");
      }
    }
    for (int l = 0; l < 4; l++) {
      for (int k = 0; k < 4; k++) {
        assertEquals(h0.get(l, 1, k), with.hN().get(l, 1, k), "h_n of a zero-length sequence is its h0");
        if (c0 != null) {
          assertEquals(c0.get(l, 1, k), ((LstmOutput<PackedSequence>) with).cN().get(l, 1, k));
        }
      }
    }
    // the other sequences are unchanged by the zero-length one
    Tensor keep = Tensor.ofLongs(0, 2);
    RnnOutput<PackedSequence> without = packed(rnn,
        Packing.packPaddedSequence(x.indexSelect(1, keep), new int[] {3, 4}, false, false), h0.indexSelect(1, keep),
        c0 == null ? null : c0.indexSelect(1, keep));
    Approx.assertClose("h_n", with.hN().indexSelect(1, keep), without.hN(), TOL, TOL);
    Approx.assertClose("output", Packing.padPackedSequence(with.output(), false, 0f, null).output()
        .indexSelect(1, keep), Packing.padPackedSequence(without.output()).output(), TOL, TOL);
  }

  @ParameterizedTest
  @EnumSource(RnnMode.class)
  void allSequencesEmptyGivesH0Back(RnnMode mode) {
    RnnBase rnn = make(mode, RnnConfig.builder(3, 4).bidirectional(true).build(), 14);
    Tensor h0 = Tensor.randn(new Generator(15), 2, 2, 4).requiresGrad(true);
    Tensor c0 = mode == RnnMode.LSTM ? Tensor.randn(new Generator(16), 2, 2, 4) : null;
    PackedSequence empty = Packing.packPaddedSequence(Tensor.zeros(3, 2, 3), new int[] {0, 0}, false, false);
    RnnOutput<PackedSequence> r = packed(rnn, empty, h0, c0);
    assertArrayEquals(new int[] {0, 8}, r.output().data().shape().dims());
    assertTrue(r.hN().contentEquals(h0.detach()));
    r.hN().sum().backward();
    assertTrue(h0.grad().contentEquals(Tensor.onesLike(h0)), "h_n = h0, so dh0 = dh_n");
    assertArrayEquals(new int[] {0, 2, 8}, Packing.padPackedSequence(r.output()).output().shape().dims());
  }

  @ParameterizedTest
  @EnumSource(RnnMode.class)
  void noGradRecordsNothing(RnnMode mode) {
    RnnBase rnn = make(mode, RnnConfig.builder(3, 4).numLayers(2).build(), 8);
    Tensor x = Tensor.randn(new Generator(9), 3, 2, 3);
    try (GradMode g = GradMode.disable()) {
      RnnOutput<Tensor> r = padded(rnn, x, null, null);
      assertNull(r.output().gradFn());
      assertNull(r.hN().gradFn());
    }
    RnnOutput<Tensor> r = padded(rnn, x, null, null);
    assertTrue(r.output().gradFn() != null, "with parameters requiring grad the output has a grad_fn");
  }

  @ParameterizedTest
  @EnumSource(RnnMode.class)
  void bothDirectionsFollowTheCallersGradModeWhenTheyRunOnTwoThreads(RnnMode mode) {
    // the directions run at once, the reverse one usually on the helper
    try (ThreadTeam team = new ThreadTeam(2); ThreadTeam.Scope scope = team.use()) {
      RnnBase rnn = make(mode, RnnConfig.builder(3, 4).bidirectional(true).build(), 8);
      Tensor x = Tensor.randn(new Generator(9), 6, 1, 3);
      int[] batchSizes = {1, 1, 1, 1, 1, 1};
      for (int rep = 0; rep < 50; rep++) {
        try (GradMode g = GradMode.disable()) {
          for (RecurrentLayerOp.Result r : rnn.runDirections(0, x.view(6, 3), null, null, batchSizes, 1, false,
              rnn.runtimeSettings(), false)) {
            assertNull(r.output().gradFn(), "no-grad on the calling thread, a graph recorded on another");
          }
        }
        for (RecurrentLayerOp.Result r : rnn.runDirections(0, x.view(6, 3), null, null, batchSizes, 1, false,
              rnn.runtimeSettings(), false)) {
          assertTrue(r.output().gradFn() != null, "grad mode on: both directions record their node");
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RnnMode.class)
  void batchFirstIsATransposeAndNeverAppliesToStates(RnnMode mode) {
    RnnBase tm = make(mode, RnnConfig.builder(3, 4).bidirectional(true).build(), 10);
    RnnBase bf = make(mode, RnnConfig.builder(3, 4).bidirectional(true).batchFirst(true).build(), 10);
    Tensor x = Tensor.randn(new Generator(11), 5, 2, 3);
    RnnOutput<Tensor> a = padded(tm, x, null, null);
    RnnOutput<Tensor> b = padded(bf, x.transpose(0, 1), null, null);
    assertTrue(b.output().contentEquals(a.output().transpose(0, 1)));
    assertTrue(b.hN().contentEquals(a.hN()));
    assertArrayEquals(new int[] {2, 2, 4}, b.hN().shape().dims());
  }

  @ParameterizedTest
  @EnumSource(RnnMode.class)
  void threadCountDoesNotChangeABit(RnnMode mode) {
    Tensor[][] results = new Tensor[2][];
    for (int threads = 1; threads <= 2; threads++) {
      try (ThreadTeam team = new ThreadTeam(threads); ThreadTeam.Scope scope = team.use()) {
        RnnBase rnn = make(mode, RnnConfig.builder(4, 64).bidirectional(true).build(), 12);
        Tensor x = Tensor.randn(new Generator(13), 3, 1100, 4).requiresGrad(true); // enough rows to split for every mode
        RnnOutput<Tensor> r = padded(rnn, x, null, null);
        r.output().sum().add(r.hN().sum()).backward();
        results[threads - 1] = new Tensor[] {r.output(), r.hN(), x.grad(), rnn.parameters().get(1).grad()};
      }
    }
    for (int i = 0; i < results[0].length; i++) {
      assertTrue(results[0][i].contentEquals(results[1][i]), "result " + i + " differs between 1 and 2 threads");
    }
  }

  /**
   * A step cut by hidden units (each thread makes its units' columns of the recurrent product and applies their
   * gates) gives the bits of the whole-step path, forward and backward, with and without a graph, on a packed batch
   * whose steps shrink from 72 rows to 1 (so rows drop out at many steps, in both directions, over two layers).
   */
  @ParameterizedTest
  @EnumSource(RnnMode.class)
  void stepsCutByUnitsGiveTheBitsOfWholeSteps(RnnMode mode) {
    int hidden = 64;
    int batch = 72;
    Generator g = new Generator(21);
    long[] lens = new long[batch];
    for (int i = 0; i < batch; i++) {
      lens[i] = 1 + (i * 7) % 13;
    }
    Tensor x = Tensor.randn(g, 13, batch, 8);
    int gates = mode.gates() * hidden;
    // The shapes qualify: the layer-1 products (the largest step has 72 rows) use a packed copy in training, and from
    // 4 rows a kept one in inference, and the hidden size is whole panels.
    float[] w = new float[gates * hidden];
    int align = dev.rnn4j.tensor.gemm.Gemm.columnAlignment(
        dev.rnn4j.tensor.gemm.Gemm.prepareB(true, hidden, gates, w, 0, hidden, new int[] {72, 72, 72}), 72);
    if (dev.rnn4j.tensor.gemm.Gemm.canPrepack()) { // else (scalar kernels) both settings run whole steps
      assertTrue(align > 0 && hidden % align == 0, "a 72-row step must be cut by units (alignment " + align + ")");
    }
    Tensor[][] results = new Tensor[2][];
    {
      for (int side = 0; side < 2; side++) {
        RnnBase rnn = make(mode, RnnConfig.builder(8, hidden).numLayers(2).bidirectional(true).build(), 22);
        rnn.useRuntimeSettings(rnn.runtimeSettings().withStepsByUnits(side == 0));
        Tensor xg = x.detach().requiresGrad(true);
        PackedSequence p = Packing.packPaddedSequence(xg, Tensor.ofLongs(lens), false, false);
        RnnOutput<PackedSequence> r = packed(rnn, p, null, null);
        r.output().data().sum().add(r.hN().sum()).backward();
        Tensor inference;
        Tensor inferenceH;
        rnn.eval();
        try (GradMode off = GradMode.disable()) {
          RnnOutput<PackedSequence> e = packed(rnn, p, null, null);
          inference = e.output().data();
          inferenceH = e.hN();
        }
        results[side] = new Tensor[] {r.output().data(), r.hN(), xg.grad(), rnn.parameters().get(1).grad(),
            rnn.parameters().get(4).grad(), inference, inferenceH};
      }
    }
    for (int i = 0; i < results[0].length; i++) {
      assertTrue(results[0][i].contentEquals(results[1][i]), "result " + i + " differs between the two step paths");
    }
  }

  private static void copy(Tensor from, Tensor to) {
    System.arraycopy(from.data(), 0, to.data(), 0, from.numel());
  }

  private static Tensor flip(Tensor s) {
    int len = s.size(0);
    int w = s.size(1);
    float[] d = new float[len * w];
    for (int t = 0; t < len; t++) {
      System.arraycopy(s.data(), (len - 1 - t) * w, d, t * w, w);
    }
    return Tensor.of(d, len, w);
  }
}
