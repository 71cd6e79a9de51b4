/**
 * The runtime's settings, in one immutable value: GEMM backend, kernel width, thread count and the few switches a user
 * may need. {@link dev.rnn4j.runtime.RuntimeSettings#current()} reads them once from {@code rnn4j.*} system properties
 * or {@code RNN4J_*} environment variables; an embedding program may build its own and
 * {@link dev.rnn4j.runtime.RuntimeSettings#install} them before the first computation. {@code rnn4j info} prints them.
 * This package is the bottom layer: every other package may read it, it reads none of them.
 */
package dev.rnn4j.runtime;
