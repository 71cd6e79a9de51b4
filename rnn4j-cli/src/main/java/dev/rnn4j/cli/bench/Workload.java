package dev.rnn4j.cli.bench;

/**
 * One prepared benchmark: {@link #step()} runs one timed unit of work. {@code tokens} (tokens per step) or
 * {@code flops} (floating-point operations per step) turn the median time into a rate; either may be 0.
 */
public record Workload(String name, Runnable step, long tokens, double flops) {}
