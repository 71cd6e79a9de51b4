package dev.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/**
 * {@code rnn4j bench}: the record scripts/bench/compare.py reads (the same fields as the PyTorch and DJL sides), the
 * workload list, and bad arguments.
 */
class BenchCommandTest {
  @Test
  void aWorkloadPrintsOneRecordWithTheFieldsTheComparisonReads() {
    CliTest.Run r = CliTest.run("bench", "--workload", "seed_lstm_packed_fwd", "--warmup", "2", "--warmup-seconds",
        "0", "--jit-quiet-seconds", "0", "--iters", "5", "--threads", "1");
    assertEquals(0, r.code(), r.err());
    String[] lines = r.out().strip().split("\n");
    assertEquals(1, lines.length, r.out());
    JsonObject rec = JsonParser.parseString(lines[0]).getAsJsonObject();
    assertEquals("seed_lstm_packed_fwd", rec.get("workload").getAsString());
    assertEquals("rnn4j", rec.get("impl").getAsString());
    assertEquals(1, rec.get("threads").getAsInt());
    JsonArray times = rec.getAsJsonArray("times_s");
    assertEquals(rec.get("iters").getAsInt(), times.size());
    assertTrue(times.size() >= 5, "at least --iters timed runs: " + times);
    double min = rec.get("min_s").getAsDouble();
    double median = rec.get("median_s").getAsDouble();
    assertEquals(times.get(0).getAsDouble(), min, 0.0, "min_s is the fastest timed run");
    assertEquals(times.get(times.size() / 2).getAsDouble(), median, 0.0, "median_s of an odd count of runs");
    assertTrue(min > 0 && min <= median, min + " " + median);
    assertTrue(rec.has("peak_mem_mb") && rec.has("backend") && rec.has("tokens_per_s"), rec.toString());
    assertEquals(2, rec.get("warmup_calls").getAsInt(), "no JIT wait asked for: exactly --warmup calls");
    assertTrue(rec.get("warmup_s").getAsDouble() >= 0 && !rec.has("jit_quiet"), rec.toString());
  }

  @Test
  void listNamesEveryWorkloadAndAnUnknownOneIsRefusedWithTheList() {
    CliTest.Run list = CliTest.run("bench", "--list");
    assertEquals(0, list.code(), list.err());
    assertTrue(list.out().contains("lstm2_h1024_B64_L100_fwd") && list.out().contains("sgemm_2048"), list.out());
    CliTest.assertOneLineError(CliTest.run("bench", "--workload", "nope"), "unknown workload 'nope'; known: [");
    CliTest.assertOneLineError(CliTest.run("bench", "--iters", "0"), "--iters >= 1");
    CliTest.assertOneLineError(CliTest.run("bench", "--warmup-seconds", "5", "--warmup-max-seconds", "1"),
        "--warmup-max-seconds >= --warmup-seconds");
  }
}
