#!/usr/bin/env python3
"""rnn4j against PyTorch's plain character-level recipe, on the same text, scored by the same function.

For each corpus (GPL-3, and "docs": the /usr/share/doc/*/copyright files of this machine, deduplicated, sorted by
path and joined until about 3 MB; built the same way on every run), the first 90% of the characters are the training
text and the last 10% the held-out text. Three models are trained:

  (a) PyTorch 1.13, the plain recipe: random 65-character windows of the training text, zero initial state, GRU
      (embedding 64, hidden 256), batches of 32 x 64, Adam lr 2e-3, gradient-norm clip 1.0, 600 steps.
  (b) rnn4j with the same model size and token budget: `rnn4j train --data TRAIN --steps 600 --embedding-size 64
      --hidden-size 256 --batch-size 32 --bptt 64` (every other option at its default: windows from a zero state,
      Adam 6e-3 with warm-up and cosine, dropout by the passes over the text).
  (c) rnn4j with its defaults: `rnn4j train --data TRAIN` (3000 steps).

rnn4j holds out 5% of TRAIN's documents (paragraphs, drawn by the seed) for its own validation, scored as rnn4j
trains: consecutive windows from a zero state (best/ is chosen on it); the held-out 10% is never seen by either. Each rnn4j model (best/ of the run) is loaded into the same PyTorch module by parameter name, and every
model is scored by one function on the held-out text: mean cross-entropy per character (nats) (1) over consecutive
64-character windows, each from a zero state, and (2) over the whole text in one pass with the state carried.
Training tokens/s are measured in the same run, PyTorch and rnn4j one after the other (2 threads each, niced), over
the training steps alone (batches, forward, backward, clipping, optimizer step; not validation or checkpoints), as
`rnn4j train` reports them in its last line; rnn4j's include the JIT's warm-up in its first steps. A shared or virtual
machine's speed drifts by tens of percent from minute to minute, so (a) and (b) are trained --rounds times,
alternately (a, b, a, b, ...), and the table gives each side's median with its lowest and highest; the speed ratio is
that of the medians, and each round's own ratio is printed too. Every round trains the same seeded models: a round
whose loss differs from the first round's is reported as an error.

Usage: scripts/lm/side_by_side.py [--corpus gpl3|docs|all] [--work DIR] [--steps-c N] [--rounds N]
"""
import argparse
import glob
import hashlib
import json
import os
import statistics
import struct
import subprocess
import sys
import time

# On a machine shared with other jobs, OpenMP threads that spin while waiting for each other lose their time slices
# and a training step can take 20x longer; passive waiting keeps PyTorch's 2 threads usable (export
# OMP_WAIT_POLICY=ACTIVE to measure spinning instead). Read when torch loads, so set before the import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from torch import nn  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RNN4J = os.path.join(ROOT, "bin", "rnn4j")
SPECIALS = 4  # rnn4j's vocabulary: <pad>, <bos>, <eos>, <unk>, then the tokens of vocab.json
UNK = 3


def build_corpus(name, work):
    """The text of a corpus, also written to work/<name>.txt."""
    if name == "gpl3":
        with open("/usr/share/common-licenses/GPL-3", encoding="utf-8") as f:
            text = f.read()
    else:
        seen, parts, size = set(), [], 0
        for path in sorted(glob.glob("/usr/share/doc/*/copyright")):
            try:
                with open(path, encoding="utf-8") as f:
                    t = f.read().strip()
            except (UnicodeDecodeError, OSError):
                continue
            h = hashlib.sha256(t.encode()).hexdigest()
            if not t or h in seen:
                continue
            seen.add(h)
            parts.append(t)
            size += len(t) + 2
            if size >= 3_000_000:
                break
        text = "\n\n".join(parts) + "\n"
    with open(os.path.join(work, name + ".txt"), "w", encoding="utf-8") as f:
        f.write(text)
    return text


class LM(nn.Module):
    """The module both are scored in; its parameter names are rnn4j's state-dict names."""

    def __init__(self, vocab, emb=64, hidden=256, tie=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.rnn = nn.GRU(emb, hidden)
        self.decoder = nn.Linear(hidden, vocab)
        if tie:
            self.decoder.weight = self.embedding.weight

    def forward(self, x, h=None):  # x (T, B)
        out, h = self.rnn(self.embedding(x), h)
        return self.decoder(out), h


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        assert v["dtype"] == "F32", (k, v["dtype"])
        a, b = v["data_offsets"]
        out[k] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(v["shape"])
    return out


@torch.no_grad()
def score(model, ids):
    """(windows, carried): mean loss per character over 64-character windows from zero state, and in one pass."""
    model.eval()
    x = torch.tensor(ids, dtype=torch.long)
    n = (len(ids) - 1) // 64
    inp = x[: n * 64].view(n, 64).t()
    tgt = x[1 : n * 64 + 1].view(n, 64).t()
    logits, _ = model(inp)
    windows = nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt.reshape(-1)).item()
    logits, _ = model(x[:-1].view(-1, 1))
    carried = nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), x[1:]).item()
    return windows, carried


@torch.no_grad()
def sample(model, stoi, itos, prompt, n=240, temperature=0.8, seed=0):
    g = torch.Generator().manual_seed(seed)
    model.eval()
    ids = [stoi.get(c, UNK) for c in prompt]
    logits, h = model(torch.tensor(ids).view(-1, 1))
    out = []
    for _ in range(n):
        p = torch.softmax(logits[-1, 0] / temperature, -1)
        t = torch.multinomial(p, 1, generator=g).item()
        out.append(itos.get(t, "?"))
        logits, h = model(torch.tensor([[t]]), h)
    return prompt + "".join(out)


def pytorch_recipe(train_ids, vocab, steps=600, seed=0):
    torch.manual_seed(seed)
    model = LM(vocab)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    data = torch.tensor(train_ids, dtype=torch.long)
    t0 = time.perf_counter()
    for _ in range(steps):
        starts = torch.randint(0, len(train_ids) - 65, (32,))
        batch = torch.stack([data[s : s + 65] for s in starts]).t()  # (65, 32)
        logits, _ = model(batch[:-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, vocab), batch[1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    secs = time.perf_counter() - t0
    return model, steps * 32 * 64 / secs


def rnn4j_train(train_file, out, extra):
    cmd = ["nice", RNN4J, "train", "--data", train_file, "--out", out, "--threads", "2", "--no-progress",
           "--samples", "0"] + extra
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("rnn4j failed: " + " ".join(cmd) + "\n" + r.stdout + r.stderr)
    tps = None
    for line in r.stdout.splitlines():
        if line.startswith("trained "):  # "... (T tokens/s; S in the steps alone, ...)": S, as PyTorch's is timed
            tps = float(line.split("; ")[1].split()[0])
    tokens = 0
    with open(os.path.join(out, "metrics.jsonl")) as f:
        for line in f:
            m = json.loads(line)
            tokens += m.get("tokens", 0)
    return r.stdout, tps, tokens


def rnn4j_model(run):
    best = os.path.join(run, "best") if os.path.isdir(os.path.join(run, "best")) else os.path.join(run, "checkpoint")
    with open(os.path.join(best, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(best, "vocab.json")) as f:
        tokens = json.load(f)["tokens"]
    stoi = {t: i + SPECIALS for i, t in enumerate(tokens)}
    itos = {i: t for t, i in stoi.items()}
    tie = cfg.get("tie_weights", False)
    model = LM(cfg["vocab_size"], cfg["embedding_size"], cfg["hidden_size"], tie)
    state = read_safetensors(os.path.join(best, "model.safetensors"))
    if tie:
        state["decoder.weight"] = state["embedding.weight"]
    model.load_state_dict(state, strict=True)
    return model, stoi, itos


def run_corpus(name, work, steps_c, prompt, rounds):
    text = build_corpus(name, work)
    cut = int(len(text) * 0.9)
    train_text, held = text[:cut], text[cut:]
    train_file = os.path.join(work, name + "-train.txt")
    with open(train_file, "w", encoding="utf-8") as f:
        f.write(train_text)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    print(f"\n## {name}: {len(text):,} characters (sha256 {digest}), training {len(train_text):,}, held out {len(held):,}")
    sys.stdout.flush()

    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    itos = {i: c for c, i in stoi.items()}
    train_ids = [stoi[c] for c in train_text]
    held_ids = [stoi[c] for c in held]
    b_args = ["--steps", "600", "--embedding-size", "64", "--hidden-size", "256", "--batch-size", "32", "--bptt", "64"]
    b_out = os.path.join(work, name + "-b")
    tps_a, tps_b, loss_a, loss_b = [], [], None, None
    for r in range(rounds):  # alternately, so that a slow minute of the machine does not fall on one side only
        model_a, tps = pytorch_recipe(train_ids, len(chars))
        tps_a.append(tps)
        la = score(model_a, held_ids)
        if loss_a is None:
            loss_a = la
            samples = [("(a) PyTorch", sample(model_a, stoi, itos, prompt))]
        elif abs(la[0] - loss_a[0]) > 1e-4:
            sys.exit(f"(a) round {r + 1} scored {la[0]:.5f}, round 1 {loss_a[0]:.5f}: the recipe is not reproducible")
        subprocess.run(["rm", "-rf", b_out], check=True)
        _, tps, tokens_b = rnn4j_train(train_file, b_out, b_args)
        tps_b.append(tps)
        model, s2i, _ = rnn4j_model(b_out)
        lb = score(model, [s2i.get(c, UNK) for c in held])
        if loss_b is None:
            loss_b = lb
        elif abs(lb[0] - loss_b[0]) > 1e-4:
            sys.exit(f"(b) round {r + 1} scored {lb[0]:.5f}, round 1 {loss_b[0]:.5f}: rnn4j's run is not reproducible")
        print(f"round {r + 1}: (a) {tps_a[-1]:,.0f} tokens/s, (b) {tps_b[-1]:,.0f} tokens/s, "
              f"{tps_b[-1] / tps_a[-1]:.2f}x; losses {la[0]:.3f} / {lb[0]:.3f}")
        sys.stdout.flush()
    rows = [("(a) PyTorch recipe, 600 steps", loss_a, tps_a, 600 * 32 * 64),
            ("(b) rnn4j, same size and token budget", loss_b, tps_b, tokens_b)]

    c_out = os.path.join(work, name + "-c")
    subprocess.run(["rm", "-rf", c_out], check=True)
    _, tps, tokens = rnn4j_train(train_file, c_out, [] if steps_c is None else ["--steps", str(steps_c)])
    model, s2i, i2s = rnn4j_model(c_out)
    rows.append(("(c) rnn4j defaults", score(model, [s2i.get(c, UNK) for c in held]), [tps], tokens))
    print("done:", rows[-1])
    sys.stdout.flush()
    samples.append(("(c) rnn4j best/ (sampled in PyTorch, same sampler)", sample(model, s2i, i2s, prompt)))
    g = subprocess.run(["nice", RNN4J, "generate", "--checkpoint", c_out, "--prompt", prompt, "--strategy",
                        "sample", "--temperature", "0.8", "--max-new-tokens", "240", "--no-eos", "--seed", "0"],
                       capture_output=True, text=True)
    samples.append(("(c) rnn4j generate --checkpoint " + os.path.basename(c_out), g.stdout.strip()))

    print("| model | held-out loss, 64-char windows from zero state | held-out loss, state carried | training tokens "
          "| tokens/s (median, lowest-highest of the rounds) |")
    print("|---|---|---|---|---|")
    for label, (w, c), tps, tokens in rows:
        spread = f" ({min(tps):,.0f}-{max(tps):,.0f}, {len(tps)} rounds)" if len(tps) > 1 else ""
        print(f"| {label} | {w:.3f} | {c:.3f} | {tokens:,} | {statistics.median(tps):,.0f}{spread} |")
    sys.stdout.flush()
    base = rows[0][1][0]
    ratios = ", ".join(f"{b / a:.2f}x" for a, b in zip(tps_a, tps_b))
    print(f"(b)/(a) loss {rows[1][1][0] / base:.3f}, (c)/(a) loss {rows[2][1][0] / base:.3f}; rnn4j (b) tokens/s / "
          f"PyTorch: {statistics.median(tps_b) / statistics.median(tps_a):.2f}x of the medians (rounds: {ratios})")
    for label, s in samples:
        print(f"\n{label}:\n    " + s.replace("\n", "\n    "))
    sys.stdout.flush()


def main():
    global RNN4J
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="all", choices=["gpl3", "docs", "all"])
    ap.add_argument("--work", default="/tmp/rnn4j-side-by-side")
    ap.add_argument("--steps-c", type=int, default=None, help="override the steps of (c) (default: rnn4j's)")
    ap.add_argument("--prompt", default="The ")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of (a) and (b), alternately (default: 3)")
    ap.add_argument("--rnn4j", default=RNN4J, help="the rnn4j command (default: bin/rnn4j of this checkout)")
    args = ap.parse_args()
    RNN4J = args.rnn4j
    if args.rounds < 1:
        ap.error(f"--rounds must be at least 1, got {args.rounds}")
    torch.set_num_threads(2)
    os.makedirs(args.work, exist_ok=True)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads (OMP_WAIT_POLICY="
          f"{os.environ['OMP_WAIT_POLICY']}); rnn4j {RNN4J} --threads 2")
    for name in (["gpl3", "docs"] if args.corpus == "all" else [args.corpus]):
        run_corpus(name, args.work, args.steps_c, args.prompt, args.rounds)


if __name__ == "__main__":
    main()
