package dev.rnn4j.spark;

import dev.rnn4j.autograd.GradMode;
import dev.rnn4j.data.LengthBatcher;
import dev.rnn4j.data.SequenceBatch;
import dev.rnn4j.data.Tokenizer;
import dev.rnn4j.data.Vocabulary;
import dev.rnn4j.loss.Losses;
import dev.rnn4j.loss.Reduction;
import dev.rnn4j.tensor.Tensor;
import java.util.List;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * Scores texts with an rnn4j checkpoint: for each row of the text column, the loss (mean cross-entropy in nats per
 * predicted token, the text's tokens followed by {@code <eos>}, each predicted from {@code <bos>} and the tokens
 * before it, as {@code rnn4j eval} counts them), the perplexity {@code exp(loss)}, the number of predicted tokens
 * (text tokens + 1) and the number of the text's characters or words that are not in the vocabulary (scored as
 * {@code <unk>}).
 *
 * <p>A null or empty text, or one longer than {@code maxLen} tokens, gets nulls in every output column and is counted
 * in {@link #counters()} ({@code null}, {@code empty}, {@code tooLong}); the job goes on.
 */
public final class RnnScorer extends RnnTransformer<RnnScorer> {
  private static final long serialVersionUID = 1L;

  private final Param<String> lossCol;
  private final Param<String> perplexityCol;
  private final Param<String> tokensCol;
  private final Param<String> unknownCol;

  public RnnScorer() {
    this(Identifiable$.MODULE$.randomUID("rnn4jScorer"));
  }

  public RnnScorer(String uid) {
    super(uid, "text");
    lossCol = new Param<>(this, "lossCol", "output: mean loss in nats per predicted token");
    perplexityCol = new Param<>(this, "perplexityCol", "output: exp(loss)");
    tokensCol = new Param<>(this, "tokensCol", "output: predicted tokens (text tokens + <eos>)");
    unknownCol = new Param<>(this, "unknownCol", "output: characters or words not in the vocabulary");
    setDefault(lossCol, "loss");
    setDefault(perplexityCol, "perplexity");
    setDefault(tokensCol, "tokens");
    setDefault(unknownCol, "unknown");
  }

  public Param<String> lossCol() {
    return lossCol;
  }

  public Param<String> perplexityCol() {
    return perplexityCol;
  }

  public Param<String> tokensCol() {
    return tokensCol;
  }

  public Param<String> unknownCol() {
    return unknownCol;
  }

  public RnnScorer setLossCol(String c) {
    set(lossCol, c);
    return this;
  }

  public RnnScorer setPerplexityCol(String c) {
    set(perplexityCol, c);
    return this;
  }

  public RnnScorer setTokensCol(String c) {
    set(tokensCol, c);
    return this;
  }

  public RnnScorer setUnknownCol(String c) {
    set(unknownCol, c);
    return this;
  }

  @Override
  List<StructField> outputFields() {
    return List.of(
        DataTypes.createStructField($(lossCol), DataTypes.DoubleType, true),
        DataTypes.createStructField($(perplexityCol), DataTypes.DoubleType, true),
        DataTypes.createStructField($(tokensCol), DataTypes.IntegerType, true),
        DataTypes.createStructField($(unknownCol), DataTypes.IntegerType, true));
  }

  @Override
  List<String> skipReasons() {
    return List.of("null", "empty", "tooLong");
  }

  @Override
  PartitionWork work(ModelStore.Entry entry) {
    int max = intParam(maxLen());
    int batch = intParam(batchSize());
    Tokenizer tok = entry.tokenizer;
    return new PartitionWork() {
      @Override
      public Object validate(String text, Row row) {
        if (text == null) {
          return "null";
        }
        int[] ids = tok.encode(text);
        return ids.length == 0 ? "empty" : ids.length > max ? "tooLong" : ids;
      }

      @Override
      public Object[][] compute(List<int[]> ids, List<Row> rows) {
        double[] sums = entry.withModel(m -> lossSums(m, ids, batch));
        Object[][] out = new Object[ids.size()][];
        for (int i = 0; i < out.length; i++) {
          int[] t = ids.get(i);
          int unknown = 0;
          for (int id : t) {
            unknown += id == Vocabulary.UNK_ID ? 1 : 0;
          }
          double loss = sums[i] / (t.length + 1);
          out[i] = new Object[] {loss, Math.exp(loss), t.length + 1, unknown};
        }
        return out;
      }
    };
  }

  /**
   * Per sequence, the summed cross-entropy of its {@code length + 1} predictions, computed in packed batches of
   * similar length ({@link LengthBatcher#inOrder}).
   */
  static double[] lossSums(dev.rnn4j.model.LanguageModel model, List<int[]> seqs, int batchSize) {
    double[] sums = new double[seqs.size()];
    try (GradMode g = GradMode.disable()) {
      for (SequenceBatch b : new LengthBatcher(seqs, batchSize).inOrder()) {
        Tensor logits = model.forwardPacked(b.inputs(), b.lengths(), null).logits(); // (N, V), packed order
        float[] rowLoss = Losses.crossEntropy(logits, b.packedTargets(), Vocabulary.PAD_ID, Reduction.NONE, 0).data();
        int r = 0;
        for (int bs : b.batchSizes()) { // step by step: the first bs examples of the sorted batch are still running
          for (int i = 0; i < bs; i++) {
            sums[b.sourceIndices()[i]] += rowLoss[r++];
          }
        }
      }
    }
    return sums;
  }

  @Override
  public RnnScorer copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public static MLReader<RnnScorer> read() {
    return new DefaultParamsReader<>();
  }

  public static RnnScorer load(String path) {
    return read().load(path);
  }
}
