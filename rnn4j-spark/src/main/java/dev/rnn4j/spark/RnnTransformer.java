package dev.rnn4j.spark;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * What the scorer and the generator share: the checkpoint, the text column, the batch size and the longest text, the
 * driver-side check of the checkpoint, and the partition loop that reads a window of rows, computes their results in
 * length-bucketed batches and emits them in the input order.
 *
 * <p>Params are read through public no-argument methods, as Spark's {@code Params.params} discovers them by
 * reflection; a subclass has the public constructor {@code (String uid)} that {@code DefaultParamsReader} calls.
 */
public abstract class RnnTransformer<T extends RnnTransformer<T>> extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  /** Rows read from a partition before they are sorted into batches: this many batches' worth. */
  static final int WINDOW_BATCHES = 16;

  private final String uid;
  private final Param<String> checkpoint;
  private final Param<String> inputCol;
  private final IntParam batchSize;
  private final IntParam maxLen;
  private transient Map<String, LongAccumulator> counters = Map.of();

  protected RnnTransformer(String uid, String defaultInput) {
    this.uid = uid;
    this.checkpoint = new Param<>(this, "checkpoint",
        "rnn4j checkpoint: a checkpoint directory, a run directory holding checkpoint/, or a .safetensors file with "
            + "config.json and vocab.json beside it, on any Hadoop file system");
    this.inputCol = new Param<>(this, "inputCol", "the text column");
    this.batchSize = new IntParam(this, "batchSize", "rows per packed batch", ParamValidators.gtEq(1));
    this.maxLen = new IntParam(this, "maxLen", "longest text in tokens; longer texts give null", ParamValidators.gtEq(1));
    setDefault(inputCol, defaultInput);
    setDefault(batchSize, 64);
    setDefault(maxLen, 256);
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> checkpoint() {
    return checkpoint;
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public IntParam maxLen() {
    return maxLen;
  }

  public T setCheckpoint(String path) {
    set(checkpoint, path);
    return self();
  }

  public T setInputCol(String col) {
    set(inputCol, col);
    return self();
  }

  public T setBatchSize(int n) {
    set(batchSize, n);
    return self();
  }

  public T setMaxLen(int n) {
    set(maxLen, n);
    return self();
  }

  @SuppressWarnings("unchecked")
  private T self() {
    return (T) this;
  }

  String checkpointPath() {
    if (!isDefined(checkpoint)) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": the checkpoint param is not set");
    }
    return $(checkpoint);
  }

  int intParam(IntParam p) {
    return (Integer) $(p);
  }

  /** The counters of the last {@link #transform}: rows given a null result, by reason. */
  public Map<String, LongAccumulator> counters() {
    return counters;
  }

  /** The output columns this transformer appends, in order. */
  abstract List<StructField> outputFields();

  /** Computes the results of a window of valid rows on one partition; one array of output values per row. */
  abstract PartitionWork work(ModelStore.Entry entry);

  /** The reasons a row gets a null result, counted by accumulators named {@code rnn4j.<uid>.<reason>}. */
  abstract List<String> skipReasons();

  /**
   * Per-partition state: {@link #validate} turns a text into token ids or names a skip reason, {@link #compute}
   * computes the results of one window of valid rows.
   */
  interface PartitionWork {
    /** Token ids of {@code text}, or a reason from {@link #skipReasons} as a String. */
    Object validate(String text, Row row);

    Object[][] compute(List<int[]> ids, List<Row> rows);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String col = $(inputCol);
    if (!java.util.Arrays.asList(schema.fieldNames()).contains(col)) {
      throw new IllegalArgumentException(
          getClass().getSimpleName() + ": input column '" + col + "' not found; columns are " + schema.simpleString());
    }
    if (!schema.apply(col).dataType().equals(DataTypes.StringType)) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": input column '" + col
          + "' must be a string, got " + schema.apply(col).dataType().simpleString());
    }
    StructType out = schema;
    for (StructField f : outputFields()) {
      if (java.util.Arrays.asList(schema.fieldNames()).contains(f.name())) {
        throw new IllegalArgumentException(
            getClass().getSimpleName() + ": output column '" + f.name() + "' already exists");
      }
      out = out.add(f);
    }
    return out;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType outSchema = transformSchema(dataset.schema());
    SparkSession spark = dataset.sparkSession();
    String path = checkpointPath();
    Configuration hc = spark.sparkContext().hadoopConfiguration();
    ModelStore.getOrFail(path, hc); // fails fast, on the driver, with one message naming the checkpoint
    Map<String, String> conf = new HashMap<>();
    hc.iterator().forEachRemaining(e -> conf.put(e.getKey(), e.getValue()));
    Map<String, LongAccumulator> acc = new java.util.LinkedHashMap<>();
    for (String r : skipReasons()) {
      acc.put(r, spark.sparkContext().longAccumulator("rnn4j." + uid + "." + r));
    }
    counters = java.util.Collections.unmodifiableMap(acc);
    int inputIndex = dataset.schema().fieldIndex($(inputCol));
    int window = intParam(batchSize) * WINDOW_BATCHES;
    int nOut = outputFields().size();
    RnnTransformer<T> self = this;
    return dataset.toDF().mapPartitions(
        (org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row>) rows -> {
          if (!rows.hasNext()) {
            return java.util.Collections.emptyIterator();
          }
          Configuration c = new Configuration(false);
          conf.forEach(c::set);
          PartitionWork w = self.work(ModelStore.getOrFail(path, c));
          return new WindowIterator(rows, window, inputIndex, nOut, w, acc);
        },
        Encoders.row(outSchema));
  }

  /** Reads {@code window} rows at a time, computes them together and hands them out in the input order. */
  private static final class WindowIterator implements Iterator<Row> {
    private final Iterator<Row> in;
    private final int window;
    private final int inputIndex;
    private final int nOut;
    private final PartitionWork work;
    private final Map<String, LongAccumulator> counters;
    private Iterator<Row> out = java.util.Collections.emptyIterator();

    WindowIterator(Iterator<Row> in, int window, int inputIndex, int nOut, PartitionWork work,
        Map<String, LongAccumulator> counters) {
      this.in = in;
      this.window = window;
      this.inputIndex = inputIndex;
      this.nOut = nOut;
      this.work = work;
      this.counters = counters;
    }

    @Override
    public boolean hasNext() {
      if (!out.hasNext() && in.hasNext()) {
        out = next(window);
      }
      return out.hasNext();
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException();
      }
      return out.next();
    }

    private Iterator<Row> next(int n) {
      List<Row> rows = new ArrayList<>(n);
      Object[][] results = new Object[n][];
      List<int[]> ids = new ArrayList<>();
      List<Row> validRows = new ArrayList<>();
      List<Integer> validIndex = new ArrayList<>();
      while (rows.size() < n && in.hasNext()) {
        Row r = in.next();
        String text = r.isNullAt(inputIndex) ? null : r.getString(inputIndex);
        Object v = work.validate(text, r);
        if (v instanceof int[] t) {
          ids.add(t);
          validRows.add(r);
          validIndex.add(rows.size());
        } else {
          counters.get((String) v).add(1);
        }
        rows.add(r);
      }
      if (!ids.isEmpty()) {
        Object[][] computed = work.compute(ids, validRows);
        for (int i = 0; i < computed.length; i++) {
          results[validIndex.get(i)] = computed[i];
        }
      }
      List<Row> outRows = new ArrayList<>(rows.size());
      for (int i = 0; i < rows.size(); i++) {
        Row r = rows.get(i);
        Object[] values = new Object[r.length() + nOut];
        for (int k = 0; k < r.length(); k++) {
          values[k] = r.get(k);
        }
        if (results[i] != null) {
          System.arraycopy(results[i], 0, values, r.length(), nOut);
        }
        outRows.add(RowFactory.create(values));
      }
      return outRows.iterator();
    }
  }
}
