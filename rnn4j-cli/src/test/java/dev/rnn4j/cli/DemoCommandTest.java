package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Runs {@code rnn4j demo} in-process and checks every shape the notebook prints, in the notebook's order. */
class DemoCommandTest {
  private static String out;
  private static String err;
  private static int exit;

  @BeforeAll
  static void runDemo() {
    CommandLine cl = Main.commandLine();
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    cl.setOut(new PrintWriter(o));
    cl.setErr(new PrintWriter(e));
    exit = cl.execute("demo", "--seed", "7");
    out = o.toString();
    err = e.toString();
  }

  @Test
  void exitsCleanly() {
    assertEquals(0, exit, "stderr: " + err);
    assertTrue(err.contains("10/10"), "the padding loop shows a progress bar on stderr: " + err);
  }

  @Test
  void printsEveryShapeInTheNotebookOrder() {
    List<String> expected = new ArrayList<>(List.of(
        "Maximum sequence length: 20",
        "torch.Size([123, 512])", "torch.Size([1, 10, 512])", "torch.Size([1, 10, 512])",
        "torch.Size([20, 10, 512])"));
    for (int t = 0; t < 20; t++) {
      expected.addAll(List.of("Time step: " + t, "torch.Size([1, 10, 100])", "torch.Size([1, 10])",
          "torch.Size([1, 10])"));
    }
    expected.addAll(List.of("torch.Size([123, 1024])", "torch.Size([4, 10, 512])", "torch.Size([20, 10, 1024])",
        "torch.Size([2, 2, 10, 512])"));
    int at = 0;
    for (String line : expected) {
      int i = out.indexOf(line, at);
      assertTrue(i >= 0, "missing (in order) '" + line + "' after offset " + at);
      at = i + line.length();
    }
  }

  @Test
  void printsBatchSizesSortedLengthsAndPackedSequences() {
    String flat = out.replaceAll("\\s+", " ");
    String sizes = "[10, 10, 10, 10, 10, 9, 7, 7, 6, 6, 5, 5, 5, 5, 5, 4, 4, 3, 1, 1]";
    assertTrue(out.contains("batch_sizes: " + sizes));
    assertEquals(2, count(flat, "batch_sizes=tensor(" + sizes + "), sorted_indices=None, unsorted_indices=None)"),
        "both PackedSequence prints carry the notebook's batch sizes");
    assertEquals(3, count(flat, "tensor([20, 18, 18, 17, 15, 10, 8, 6, 6, 5])"),
        "sorted lengths, then the two unpacked lengths");
    assertTrue(flat.contains("tensor([[85, 14, 80, 34, 99, 20, 31, 65, 53, 86, 3, 58, 30, 4, 11, 6, 50, 71, 74, 13], "
        + "[58, 13, 40, 61, 88, 18, 92, 89, 8, 14, 61, 67, 49, 59, 45, 12, 47, 5, 0, 0], "
        + "[87, 32, 79"), "the batch sorted by length, stably, as in the notebook");
    assertEquals(2, count(out, "PackedSequence(data=tensor("));
    assertTrue(out.contains("grad_fn=<CatBackward0>"));
  }

  private static int count(String s, String sub) {
    int n = 0;
    for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
      n++;
    }
    return n;
  }
}
