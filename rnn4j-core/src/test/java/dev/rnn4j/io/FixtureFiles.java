package dev.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Paths of fixture files of any extension on the test classpath. */
final class FixtureFiles {
  private FixtureFiles() {}

  static Path path(String file) {
    URL url = FixtureFiles.class.getResource("/fixtures/" + file);
    assertNotNull(url, "missing fixture " + file + ": run scripts/fixtures/make_fixtures.py interchange");
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
