package dev.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn4j.cli.Main;
import dev.rnn4j.io.Checkpoint;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The spark-submit main class, and the rnn4j command on what it writes. */
@Timeout(300)
@ExtendWith(LocalSpark.class)
class SparkTrainTest {
  static SparkSession spark;
  @TempDir static Path tmp;
  static Path data;

  @BeforeAll
  static void start(SparkSession session) throws Exception {
    spark = session;
    data = tmp.resolve("corpus.txt");
    Files.writeString(data, String.join("\n", Fixtures.texts(80, 31)) + "\n");
  }

  static String[] common(Path out, String... more) {
    List<String> a = new ArrayList<>(List.of("--data", data.toString(), "--out", out.toString(), "--embedding-size",
        "8", "--hidden-size", "16", "--batch-size", "8", "--steps", "10", "--warmup", "2", "--eval-every", "0",
        "--checkpoint-every", "0", "--seed", "6"));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  static int cli(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(out));
    int rc = cl.execute(args);
    assertEquals(0, rc, () -> "rnn4j " + String.join(" ", args) + ":\n" + out);
    return rc;
  }

  @Test
  void aSparkRunStoppedEarlyIsFinishedByTheRnn4jCommandAsIfItHadRunThere() throws Exception {
    Path sparkRun = tmp.resolve("spark-run");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    SparkTrainer t = SparkTrain.run(common(sparkRun, "--shards", "2", "--stop-after", "6"), spark,
        new PrintStream(log, true, StandardCharsets.UTF_8));
    assertEquals(6, t.step());
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("gradient exchange"), log.toString(StandardCharsets.UTF_8));
    cli("train", "--resume", "--out", sparkRun.toString(), "--no-progress", "--samples", "0");
    Path cliRun = tmp.resolve("cli-run");
    // SparkTrain trains line by line without dropout at lr 3e-3: the command's --data defaults are a stream,
    // dropout by the passes over the text and lr 6e-3
    cli(prepend("train", common(cliRun, "--no-progress", "--samples", "0", "--bptt", "0", "--dropout", "0",
        "--embedding-dropout", "0", "--lr", "3e-3")));
    Checkpoint.Contents a = Checkpoint.read(sparkRun.resolve("checkpoint"));
    Checkpoint.Contents b = Checkpoint.read(cliRun.resolve("checkpoint"));
    assertEquals(10, a.trainerState().get("step").getAsLong());
    double diff = SparkTrainerTest.maxDiff(a.model(), b.model());
    assertTrue(diff < 1e-5, "6 steps on Spark + 4 in the rnn4j command vs 10 in the command: " + diff);
    cli("eval", "--checkpoint", sparkRun.toString(), "--data", data.toString());
    cli("generate", "--checkpoint", sparkRun.toString(), "--prompt", "abc", "--max-new-tokens", "5");
  }

  @Test
  void badOptionsAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparkTrain.run(new String[] {"--data", data.toString(), "--out", "x", "--hiden-size", "3"}, spark,
            System.out));
    assertTrue(e.getMessage().contains("unknown option '--hiden-size'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SparkTrain.run(new String[] {"--out", "x"}, spark, System.out));
    assertTrue(e.getMessage().contains("--data FILE is required"), e.getMessage());
  }

  static String[] prepend(String first, String[] rest) {
    String[] a = new String[rest.length + 1];
    a[0] = first;
    System.arraycopy(rest, 0, a, 1, rest.length);
    return a;
  }
}
