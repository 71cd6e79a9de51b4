package dev.rnn4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.loss.Losses;
import dev.rnn4j.nn.Dropout;
import dev.rnn4j.nn.Embedding;
import dev.rnn4j.nn.Linear;
import dev.rnn4j.nn.rnn.Gru;
import dev.rnn4j.nn.rnn.RnnConfig;
import dev.rnn4j.tensor.Generator;
import dev.rnn4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Embedding dropout is {@code nn.Dropout} on the embedding output in training and nothing in eval; tied weights are
 * one tensor used twice (PyTorch's {@code decoder.weight = encoder.weight}: the gradient is the sum of both uses);
 * old configurations load with both off.
 */
class LanguageModelRegularisationTest {
  private static final Tensor IDS = Tensor.ofLongs(new long[] {4, 5, 6, 7, 8, 9, 10, 4, 6, 5, 7, 9}, 4, 3);
  private static final Tensor TARGETS = Tensor.ofLongs(new long[] {5, 6, 7, 8, 9, 10, 4, 6, 5, 7, 9, 8}, 12);

  private static Map<String, Tensor> under(Map<String, Tensor> sd, String prefix) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    sd.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k.substring(prefix.length()), v);
      }
    });
    return out;
  }

  @Test
  void embeddingDropoutIsNnDropoutOnTheEmbeddingOutputInTrainingOnly() {
    Generator g = new Generator(3);
    var m = new LanguageModel(new LanguageModelConfig("gru", 11, 6, 8, 1, 0.0, 0, 0.4, false), g);
    // the same computation from the parts, with the same weights
    Embedding emb = new Embedding(11, 6, Vocabulary.PAD_ID, new Generator(0));
    emb.loadStateDict(under(m.stateDict(), "embedding."), true);
    Gru gru = new Gru(RnnConfig.builder(6, 8).build(), new Generator(0));
    gru.loadStateDict(under(m.stateDict(), "rnn."), true);
    Linear dec = new Linear(8, 11, new Generator(0));
    dec.loadStateDict(under(m.stateDict(), "decoder."), true);

    long[] before = g.snapshot();
    m.train();
    float[] got = m.forwardFull(IDS, null).logits().data();
    g.restore(before); // the model's dropout draws from the generator it was built with: draw the same mask
    Tensor dropped = new Dropout(0.4, g).forward(emb.forward(IDS));
    float[] expected = dec.forward(gru.forward(dropped).output()).data();
    assertArrayEquals(expected, got, 1e-6f);
    float[] plain = dec.forward(gru.forward(emb.forward(IDS)).output()).data();
    assertFalse(java.util.Arrays.equals(plain, got), "training drops embedding elements");

    m.eval();
    assertArrayEquals(plain, m.forwardFull(IDS, null).logits().data(), 1e-6f);
  }

  @Test
  void tiedWeightsAreOneTensorWhoseGradientSumsBothUses() {
    var tied = new LanguageModel(new LanguageModelConfig("gru", 11, 8, 8, 1, 0, 0, 0, true), new Generator(4));
    assertEquals(List.of("embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
        "rnn.bias_hh_l0", "decoder.bias"), new ArrayList<>(tied.stateDict().keySet()));
    var untied = new LanguageModel(new LanguageModelConfig("gru", 11, 8, 8, 1, 0, 0), new Generator(9));
    Map<String, Tensor> sd = new LinkedHashMap<>(tied.stateDict());
    sd.put("decoder.weight", sd.get("embedding.weight"));
    untied.loadStateDict(sd, true);
    assertEquals(untied.parameterCount() - 11 * 8, tied.parameterCount());

    Tensor lt = tied.forwardFull(IDS, null).logits();
    Tensor lu = untied.forwardFull(IDS, null).logits();
    assertArrayEquals(lu.data(), lt.data(), 1e-6f);
    Losses.crossEntropy(lt, TARGETS).backward();
    Losses.crossEntropy(lu, TARGETS).backward();
    float[] gt = tied.namedParameters().get("embedding.weight").grad().data();
    float[] ge = untied.namedParameters().get("embedding.weight").grad().data();
    float[] gd = untied.namedParameters().get("decoder.weight").grad().data();
    boolean decoderPart = false;
    for (int i = 0; i < gt.length; i++) {
      assertEquals(ge[i] + gd[i], gt[i], 1e-6, "gradient element " + i);
      decoderPart |= gd[i] != 0 && ge[i] == 0;
    }
    assertTrue(decoderPart, "rows never looked up still get the decoder's gradient");
  }

  @Test
  void tyingNeedsTheEmbeddingSizeToEqualTheDecoderInput() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new LanguageModelConfig("gru", 11, 6, 8, 1, 0, 0, 0, true));
    assertTrue(e.getMessage().contains("hidden size 8") && e.getMessage().contains("embedding size 6"), e.getMessage());
    var p = assertThrows(IllegalArgumentException.class,
        () -> new LanguageModelConfig("lstm", 11, 8, 8, 1, 0, 4, 0, true));
    assertTrue(p.getMessage().contains("proj size 4"), p.getMessage());
    var ok = new LanguageModel(new LanguageModelConfig("lstm", 11, 4, 8, 1, 0, 4, 0, true), new Generator(1));
    assertEquals(12, ok.forwardFull(IDS, null).logits().size(0));
    var d = assertThrows(IllegalArgumentException.class,
        () -> new LanguageModelConfig("gru", 11, 6, 8, 1, 0, 0, 1.0, false));
    assertTrue(d.getMessage().contains("embedding dropout must be in [0, 1), got 1.0"), d.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new LanguageModelConfig("gru", 11, 6, 8, 1, 0, 0, -0.1, false));
  }

  @Test
  void configRecordsTheNewFieldsAndOldConfigsLoadWithThemOff() {
    var c = new LanguageModelConfig("gru", 11, 8, 8, 2, 0.2, 0, 0.15, true);
    assertEquals(c, LanguageModelConfig.fromJson(c.toJson()));
    JsonObject old = new LanguageModelConfig("gru", 11, 6, 8, 2, 0.2, 0).toJson();
    old.remove("embedding_dropout");
    old.remove("tie_weights");
    var back = LanguageModelConfig.fromJson(old);
    assertEquals(0.0, back.embeddingDropout());
    assertFalse(back.tieWeights());
    assertEquals(new LanguageModelConfig("gru", 11, 6, 8, 2, 0.2, 0), back);
  }
}
