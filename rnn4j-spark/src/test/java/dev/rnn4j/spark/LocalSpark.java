package dev.rnn4j.spark;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands the local[2] Spark session that every local-mode test class shares (starting Spark takes seconds) to a
 * {@code SparkSession} parameter; the session stops when the test run ends.
 */
final class LocalSpark implements ParameterResolver {
  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == SparkSession.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    return Fixtures.local(e);
  }
}
