package dev.rnn4j.autograd;

import dev.rnn4j.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The backward engine. Orders the graph behind a tensor topologically with an explicit stack (no recursion: a
 * 2-layer bidirectional LSTM over thousands of steps makes graphs far deeper than the JVM stack), then visits the
 * nodes from the output back to the leaves, summing the gradients that reach each tensor and adding them into the
 * {@code grad} of every leaf that requires one.
 */
public final class Graph {
  private Graph() {}

  /** Records {@code node} as the {@code grad_fn} of {@code outputs} when grad mode is on and an input needs grad. */
  public static void record(Node node, Tensor... outputs) {
    for (int i = 0; i < outputs.length; i++) {
      if (outputs[i] != null) {
        node.recordOn(outputs[i], i);
      }
    }
  }

  /** True when an op reading {@code inputs} must record itself: grad mode is on and some input requires grad. */
  public static boolean needsGraph(Tensor... inputs) {
    if (!GradMode.isEnabled()) {
      return false;
    }
    for (Tensor t : inputs) {
      if (t != null && t.requiresGrad()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Back-propagates {@code gradient} (same shape as {@code root}) through the graph behind {@code root}.
   *
   * @param retainGraph keep saved tensors so backward can run again through the same graph
   */
  public static void backward(Tensor root, Tensor gradient, boolean retainGraph) {
    if (!root.requiresGrad()) {
      throw new IllegalStateException(
          "element 0 of tensors does not require grad and does not have a grad_fn");
    }
    if (!gradient.shape().equals(root.shape())) {
      throw new IllegalArgumentException(
          "gradient has shape " + gradient.shape() + " but the output has shape " + root.shape());
    }
    try (GradMode g = GradMode.disable()) {
      Node rootNode = Node.of(root);
      if (rootNode != null && root.retainsGrad()) {
        Node.addGrad(root, gradient);
      }
      if (rootNode == null) { // a leaf: its gradient is the seed itself
        Node.addGrad(root, gradient);
        return;
      }
      List<Node> order = topologicalOrder(rootNode);
      Map<Node, Tensor[]> pending = new IdentityHashMap<>();
      Tensor[] seed = new Tensor[rootNode.numOutputs()];
      seed[root.outputIndex()] = gradient;
      pending.put(rootNode, seed);
      for (Node node : order) { // outputs before inputs
        Tensor[] gradOut = pending.remove(node);
        if (gradOut == null) {
          continue; // nothing flowed into this node
        }
        Tensor[] inputs = node.inputs();
        Tensor[] gradIn = node.backward(gradOut);
        if (gradIn.length != inputs.length) {
          throw new IllegalStateException(
              node.name() + " returned " + gradIn.length + " gradients for " + inputs.length + " inputs");
        }
        for (int i = 0; i < inputs.length; i++) {
          Tensor in = inputs[i];
          Tensor gi = gradIn[i];
          if (in == null || gi == null || !in.requiresGrad()) {
            continue;
          }
          assert gi.shape().equals(in.shape())
              : node.name() + " gave input " + i + " a gradient of shape " + gi.shape() + ", expected " + in.shape();
          Node producer = Node.of(in);
          if (producer == null) {
            Node.addGrad(in, gi);
          } else {
            if (in.retainsGrad()) { // retain_grad(): keep the sum of the contributions on the non-leaf too
              Node.addGrad(in, gi);
            }
            Tensor[] slot = pending.computeIfAbsent(producer, p -> new Tensor[p.numOutputs()]);
            int k = in.outputIndex();
            slot[k] = slot[k] == null ? gi : slot[k].add(gi);
          }
        }
        if (!retainGraph) {
          node.free();
        }
      }
    }
  }

  /** Nodes reachable from {@code root}, each after every node that consumes its outputs. */
  static List<Node> topologicalOrder(Node root) {
    // Iterative post-order DFS; reversing the post-order gives consumers before producers.
    List<Node> post = new ArrayList<>();
    Map<Node, Boolean> seen = new HashMap<>();
    ArrayDeque<Node> stack = new ArrayDeque<>();
    ArrayDeque<Integer> nextChild = new ArrayDeque<>();
    stack.push(root);
    nextChild.push(0);
    seen.put(root, Boolean.TRUE);
    while (!stack.isEmpty()) {
      Node n = stack.peek();
      int c = nextChild.pop();
      Tensor[] ins = n.inputs();
      if (c < ins.length) {
        nextChild.push(c + 1);
        Tensor in = ins[c];
        Node p = in == null ? null : Node.of(in);
        if (p != null && seen.putIfAbsent(p, Boolean.TRUE) == null) {
          if (!p.isAlive()) {
            p.inputs(); // throws the "graph was freed" message
          }
          stack.push(p);
          nextChild.push(0);
        }
      } else {
        stack.pop();
        post.add(n);
      }
    }
    java.util.Collections.reverse(post);
    return post;
  }
}
