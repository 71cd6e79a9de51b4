// A program on the module path that reads rnn4j-core as the named module dev.rnn4j.core (see .ci/run).
module demo {
  requires dev.rnn4j.core;
}
