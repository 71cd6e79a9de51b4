/**
 * Optimizers: PyTorch's {@code torch.optim}. {@link dev.rnn4j.optim.Sgd}, {@link dev.rnn4j.optim.Adam},
 * {@link dev.rnn4j.optim.AdamW} and {@link dev.rnn4j.optim.RmsProp} follow PyTorch's update rules and defaults, with
 * parameter groups ({@link dev.rnn4j.optim.ParamGroup}) and a state dict keyed by parameter name. Start with
 * {@link dev.rnn4j.optim.Optimizer}. {@link dev.rnn4j.optim.GradClip} is {@code torch.nn.utils.clip_grad_norm_} and
 * {@code clip_grad_value_}; {@link dev.rnn4j.optim.LrSchedule} the learning-rate schedules.
 */
package dev.rnn4j.optim;
