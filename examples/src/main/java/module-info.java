/** The examples as a named module: rnn4j-core is read as the module {@code dev.rnn4j.core}. */
module dev.rnn4j.examples {
  requires dev.rnn4j.core;
}
