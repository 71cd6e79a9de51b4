package dev.rnn4j.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.rnn4j.io.SafeTensors;
import dev.rnn4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;

/**
 * Golden fixtures written by real PyTorch ({@code scripts/fixtures/make_fixtures.py}) into
 * {@code rnn4j-core/src/test/resources/fixtures/}. Each file is a safetensors archive of named tensors with
 * metadata describing the case.
 */
public final class Fixtures {
  private Fixtures() {}

  /** Loads {@code fixtures/<name>.safetensors} from the test classpath. */
  public static SafeTensors.Contents load(String name) {
    URL url = Fixtures.class.getResource("/fixtures/" + name + ".safetensors");
    assertNotNull(url, "missing fixture " + name + ".safetensors: run scripts/fixtures/make_fixtures.py");
    try {
      return SafeTensors.read(Path.of(url.toURI()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A tensor of a loaded fixture, failing clearly when absent. */
  public static Tensor get(SafeTensors.Contents c, String key) {
    Tensor t = c.tensors().get(key);
    assertNotNull(t, "fixture has no tensor '" + key + "'; it has " + c.tensors().keySet());
    return t;
  }

  /** All tensors whose key starts with {@code prefix}, with the prefix removed. */
  public static Map<String, Tensor> withPrefix(SafeTensors.Contents c, String prefix) {
    Map<String, Tensor> out = new java.util.LinkedHashMap<>();
    c.tensors().forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k.substring(prefix.length()), v);
      }
    });
    return out;
  }
}
