package dev.rnn4j.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Beam search over a batch of prompts: each sequence keeps {@code W = beamWidth} running hypotheses as rows of the
 * model's batch. Per step, the {@code 2W} best (hypothesis, token) extensions by total log-probability are taken in
 * order (ties: lower hypothesis, then lower token id); an extension by the end token among the first {@code W}
 * becomes a finished hypothesis, the others fill the next {@code W} running ones. Finished hypotheses are ranked by
 * {@code logProb / length^lengthPenalty} (length = generated tokens including the end token). A sequence is done
 * when it holds {@code W} finished hypotheses and its best running one, normalised at the current length, cannot
 * beat the worst of them, or at the length limit, where the running ones join the finished. With {@code W = 1} this
 * is exactly greedy decoding.
 */
final class BeamSearch<S> {
  private record Hyp(int[] tokens, double logProb, String text, Decoder.FinishReason reason) {}

  private record Scored(Hyp hyp, double norm) {}

  private final StepModel<S> model;
  private final DecodeOptions o;

  BeamSearch(StepModel<S> model, DecodeOptions o) {
    this.model = model;
    this.o = o;
  }

  private final class Seq {
    final int[] prompt;
    int pos = 1;
    List<Hyp> beams = new ArrayList<>(List.of(new Hyp(new int[0], 0, "", null)));
    final List<Scored> finished = new ArrayList<>();
    Decoder.Result result;

    Seq(int[] prompt) {
      this.prompt = prompt;
    }

    void addFinished(Hyp h, int length) {
      finished.add(new Scored(h, h.logProb() / Math.pow(length, o.lengthPenalty)));
      finished.sort(Comparator.comparingDouble(Scored::norm).reversed());
      if (finished.size() > o.beamWidth) {
        finished.remove(finished.size() - 1);
      }
    }
  }

  List<Decoder.Result> run(List<int[]> prompts) {
    int n = prompts.size();
    int v = model.vocabSize();
    int w = o.beamWidth;
    List<Seq> seqs = new ArrayList<>();
    for (int[] p : prompts) {
      Seq s = new Seq(p);
      if (o.maxNewTokens == 0) {
        s.result = new Decoder.Result(new int[0], 0, Decoder.FinishReason.LENGTH);
      }
      seqs.add(s);
    }
    // active rows: rowSeq[r] is the sequence of row r; rows of one sequence are contiguous, in beam order
    List<Integer> rowSeq = new ArrayList<>();
    List<Long> feed = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (seqs.get(i).result == null) {
        rowSeq.add(i);
        feed.add((long) prompts.get(i)[0]);
      }
    }
    S state = rowSeq.isEmpty() ? null : model.initialState(rowSeq.size());
    while (!rowSeq.isEmpty()) {
      long[] tokens = feed.stream().mapToLong(Long::longValue).toArray();
      StepModel.Output<S> out = model.step(tokens, state);
      float[] logits = out.logits();
      List<Integer> parents = new ArrayList<>();
      List<Integer> nextRowSeq = new ArrayList<>();
      List<Long> nextFeed = new ArrayList<>();
      int r = 0;
      while (r < rowSeq.size()) {
        int si = rowSeq.get(r);
        Seq s = seqs.get(si);
        int k = 0;
        while (r + k < rowSeq.size() && rowSeq.get(r + k) == si) {
          k++;
        }
        if (s.pos < s.prompt.length) { // still reading the prompt (one row)
          parents.add(r);
          nextRowSeq.add(si);
          nextFeed.add((long) s.prompt[s.pos++]);
          r += k;
          continue;
        }
        // all (beam, token) extensions, best first
        int cands = k * v;
        double[] score = new double[cands];
        for (int b = 0; b < k; b++) {
          double[] lp = Sampling.logSoftmax(logits, (r + b) * v, v);
          for (int c = 0; c < v; c++) {
            score[b * v + c] = s.beams.get(b).logProb() + lp[c];
          }
        }
        Integer[] order = new Integer[cands];
        for (int c = 0; c < cands; c++) {
          order[c] = c;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a])); // stable: lower (beam, token) first
        int length = s.beams.get(0).tokens().length + 1;
        List<Hyp> next = new ArrayList<>();
        List<Integer> nextParents = new ArrayList<>();
        for (int rank = 0; rank < Math.min(2 * w, cands) && next.size() < w; rank++) {
          int c = order[rank];
          int b = c / v;
          int tok = c % v;
          Hyp parent = s.beams.get(b);
          if (tok == o.eosId) {
            if (rank < w) {
              s.addFinished(new Hyp(parent.tokens(), score[c], parent.text(), Decoder.FinishReason.EOS), length);
            }
            continue;
          }
          int[] toks = Arrays.copyOf(parent.tokens(), parent.tokens().length + 1);
          toks[toks.length - 1] = tok;
          String text = o.stopStrings.isEmpty() ? "" : parent.text() + o.pieces.apply(tok);
          Hyp h = new Hyp(toks, score[c], text, null);
          if (!o.stopStrings.isEmpty() && Decoder.endsWithAny(text, o.stopStrings)) {
            if (rank < w) {
              s.addFinished(new Hyp(toks, score[c], text, Decoder.FinishReason.STOP_STRING), length);
            }
            continue;
          }
          next.add(h);
          nextParents.add(r + b);
        }
        boolean done;
        if (length >= o.maxNewTokens || next.isEmpty()) {
          for (Hyp h : next) {
            s.addFinished(new Hyp(h.tokens(), h.logProb(), h.text(), Decoder.FinishReason.LENGTH), length);
          }
          done = true;
        } else {
          double bestRunning = next.get(0).logProb() / Math.pow(length, o.lengthPenalty);
          done = s.finished.size() >= w && s.finished.get(s.finished.size() - 1).norm() >= bestRunning;
        }
        if (done) {
          Hyp best = s.finished.get(0).hyp();
          s.result = new Decoder.Result(best.tokens(), best.logProb(), best.reason());
        } else {
          s.beams = next;
          for (int b = 0; b < next.size(); b++) {
            parents.add(nextParents.get(b));
            nextRowSeq.add(si);
            Hyp h = next.get(b);
            nextFeed.add((long) h.tokens()[h.tokens().length - 1]);
          }
        }
        r += k;
      }
      if (nextRowSeq.isEmpty()) {
        break;
      }
      state = model.select(out.state(), parents.stream().mapToInt(Integer::intValue).toArray());
      rowSeq = nextRowSeq;
      feed = nextFeed;
    }
    List<Decoder.Result> results = new ArrayList<>();
    for (Seq s : seqs) {
      results.add(s.result);
    }
    return results;
  }
}
