package dev.rnn4j.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.nn.Module;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import dev.rnn4j.testing.Approx;
import dev.rnn4j.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * RNNCell (tanh, relu), LSTMCell and GRUCell against PyTorch 1.13: batched with given states and unbatched with
 * zero states; outputs and the gradients of a projected loss for the input, states and every parameter.
 */
class CellGoldenTest {
  private static final double TOL = 1e-6;
  private static final double GRAD_TOL = 1e-5;

  @TestFactory
  List<DynamicTest> cells() {
    SafeTensors.Contents c = Fixtures.load("rnn_cells");
    List<DynamicTest> tests = new ArrayList<>();
    for (String mode : List.of("rnn_tanh", "rnn_relu", "lstm", "gru")) {
      for (String b : List.of("b", "u")) {
        tests.add(DynamicTest.dynamicTest(mode + (b.equals("b") ? " batched" : " unbatched"),
            () -> check(c, mode + "." + b + ".", mode)));
      }
    }
    return tests;
  }

  private static void check(SafeTensors.Contents c, String p, String mode) {
    Generator gen = new Generator(0);
    Module cell = switch (mode) {
      case "lstm" -> new LstmCell(2, 3, gen);
      case "gru" -> new GruCell(2, 3, gen);
      default -> new RnnCell(2, 3, true, mode.substring(4), gen);
    };
    assertTrue(cell.loadStateDict(Fixtures.withPrefix(c, p + "p."), true).isClean());
    Tensor x = Fixtures.get(c, p + "x").copy().requiresGrad(true);
    Tensor h0 = c.tensors().containsKey(p + "h0") ? Fixtures.get(c, p + "h0").copy().requiresGrad(true) : null;
    Tensor c0 = c.tensors().containsKey(p + "c0") ? Fixtures.get(c, p + "c0").copy().requiresGrad(true) : null;
    List<Tensor> outs = new ArrayList<>();
    if (cell instanceof LstmCell l) {
      LstmCell.State s = l.forward(x, h0, c0);
      outs.add(s.h());
      outs.add(s.c());
    } else if (cell instanceof GruCell g) {
      outs.add(g.forward(x, h0));
    } else {
      outs.add(((RnnCell) cell).forward(x, h0));
    }
    Tensor loss = null;
    for (int i = 0; i < outs.size(); i++) {
      Approx.assertClose("out" + i, outs.get(i), Fixtures.get(c, p + "out" + i), TOL, TOL);
      Tensor term = outs.get(i).mul(Fixtures.get(c, p + "r" + i)).sum();
      loss = loss == null ? term : loss.add(term);
    }
    loss.backward();
    Approx.assertClose("d x", x.grad(), Fixtures.get(c, p + "g.x"), GRAD_TOL, GRAD_TOL);
    if (h0 != null) {
      Approx.assertClose("d h0", h0.grad(), Fixtures.get(c, p + "g.h0"), GRAD_TOL, GRAD_TOL);
    }
    if (c0 != null) {
      Approx.assertClose("d c0", c0.grad(), Fixtures.get(c, p + "g.c0"), GRAD_TOL, GRAD_TOL);
    }
    cell.namedParameters().forEach((name, t) ->
        Approx.assertClose("d " + name, t.grad(), Fixtures.get(c, p + "g." + name), GRAD_TOL, GRAD_TOL));
  }
}
