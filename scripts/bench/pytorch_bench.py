#!/usr/bin/env python3
"""The PyTorch side of rnn4j's benchmarks: the workloads of workloads.json, one JSON line each.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/bench/pytorch_bench.py [--workload NAME] [--threads N]

Output fields match `rnn4j bench`: workload, threads, median_s, tokens_per_s or gflops, peak_mem_mb, backend.
Forward workloads run under torch.no_grad() in eval mode, as rnn4j's run under GradMode.disable(). peak_mem_mb is the
growth of the process's peak resident set while the workload runs (run one workload per process for a clean figure).
"""
import argparse
import json
import pathlib
import resource
import statistics
import sys
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

SPEC = json.loads((pathlib.Path(__file__).resolve().parents[2] / "rnn4j-cli" / "src" / "main" / "resources" / "dev" / "rnn4j" / "cli" / "bench" / "workloads.json").read_text())
V, E, H = SPEC["vocab"], SPEC["embedding"], SPEC["hidden"]


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def seed_batch(gen):
    lens = SPEC["seed_lengths"]
    L = max(lens)
    ids = torch.zeros(len(lens), L, dtype=torch.long)
    for b, n in enumerate(lens):
        ids[b, :n] = torch.randint(1, V, (n,), generator=gen)
    return ids, torch.tensor(lens)


def make(name, w):
    """Returns (step function, tokens per step or None, flops per step or None)."""
    gen = torch.Generator().manual_seed(0)
    kind = w["kind"]
    if kind == "seed":
        emb = nn.Embedding(V, E)
        cls = nn.LSTM if w["cell"] == "lstm" else nn.GRU
        rnn = cls(E, H, num_layers=w["layers"], bidirectional=w["bidirectional"], dropout=w.get("dropout", 0.0))
        emb.eval(), rnn.eval()
        ids, lens = seed_batch(gen)
        tokens = int(lens.sum())

        def step():
            with torch.no_grad():
                x = emb(ids).transpose(0, 1)
                if w["packed"]:
                    out, _ = rnn(pack_padded_sequence(x, lens))
                    out, _ = pad_packed_sequence(out)
                else:
                    out, _ = rnn(x)
            return out
        return step, tokens, None
    if kind == "greedy":
        B, T = w["batch"], w["steps"]
        emb, gru, head = nn.Embedding(V, E), nn.GRU(E, H), nn.Linear(H, V)
        for m in (emb, gru, head):
            m.eval()
        first = torch.randint(0, V, (B,), generator=gen)

        def step():
            with torch.no_grad():
                ids, h = first, torch.zeros(1, B, H)
                for _ in range(T):
                    out, h = gru(emb(ids).unsqueeze(0), h)
                    ids = head(out).argmax(-1).squeeze(0)
            return ids
        return step, B * T, None
    if kind == "train":
        B, L = w["batch"], w["length"]
        emb = nn.Embedding(V, E)
        rnn = (nn.LSTM if w["cell"] == "lstm" else nn.GRU)(E, H)
        head = nn.Linear(H, V)
        params = list(emb.parameters()) + list(rnn.parameters()) + list(head.parameters())
        opt = torch.optim.Adam(params, lr=1e-3)
        x = torch.randint(0, V, (L, B), generator=gen)
        y = torch.randint(0, V, (L, B), generator=gen)

        def step():
            opt.zero_grad()
            out, _ = rnn(emb(x))
            loss = nn.functional.cross_entropy(head(out).reshape(-1, V), y.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            return loss
        return step, B * L, None
    if kind == "large":
        B, L, I, HH, layers = w["batch"], w["length"], w["input"], w["hidden"], w["layers"]
        rnn = nn.LSTM(I, HH, num_layers=layers).eval()
        x = torch.randn(L, B, I, generator=gen)
        flops = 0
        for layer in range(layers):
            fin = I if layer == 0 else HH
            flops += 2 * L * B * 4 * HH * (fin + HH)

        def step():
            with torch.no_grad():
                return rnn(x)[0]
        return step, None, flops
    if kind == "sgemm":
        n = w["n"]
        a, b = torch.randn(n, n, generator=gen), torch.randn(n, n, generator=gen)

        def step():
            return torch.mm(a, b)
        return step, None, 2 * n ** 3
    raise ValueError(f"unknown workload kind {kind}")


def tiny(w):
    """The same workload at a toy size: running it once pages in the code a step runs, and allocates little."""
    small = dict(w)
    for key, v in (("batch", 1), ("length", 2), ("steps", 2), ("n", 8)):
        if key in small:
            small[key] = v
    return small


def run(name, threads, warmup, iters, budget_s, prime=False, warmup_s=2.0):
    torch.set_num_threads(threads)
    w = SPEC["workloads"][name]
    if prime:
        # Without this, peak_mem_mb also counts the library code the first step pages in (tens of MB of libtorch),
        # which is not memory the step's data needs; the JVM's heap figures exclude code likewise.
        make(name, tiny(w))[0]()
    step, tokens, flops = make(name, w)
    base = rss_mb()
    # At least `warmup` calls and `warmup_s` seconds, the minimum rnn4j bench and DjlBench use too (they then also wait
    # for their JIT to settle; PyTorch has none).
    w_start = time.perf_counter()
    warm_calls = 0
    while warm_calls < warmup or time.perf_counter() - w_start < warmup_s:
        step()
        warm_calls += 1
    warm_s = time.perf_counter() - w_start
    t_end = time.perf_counter() + budget_s
    times = []
    while len(times) < iters or (len(times) < 3 and time.perf_counter() < t_end):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
        if time.perf_counter() > t_end and len(times) >= 3:
            break
    med = statistics.median(times)
    rec = {"workload": name, "impl": "pytorch", "threads": threads, "median_s": round(med, 6),
           "min_s": round(min(times), 6), "iters": len(times), "warmup_calls": warm_calls,
           "warmup_s": round(warm_s, 2), "peak_mem_mb": round(rss_mb() - base, 1),
           "backend": f"torch {torch.__version__} ({torch.backends.mkldnn.is_available() and 'mkldnn' or 'no mkldnn'})"}
    if tokens:
        rec["tokens_per_s"] = round(tokens / med, 1)
    if flops:
        rec["gflops"] = round(flops / med / 1e9, 2)
    return rec


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workload", action="append", help="workload name (repeatable); default all")
    p.add_argument("--threads", type=int, action="append", help="thread count (repeatable); default 1 and all cores")
    p.add_argument("--warmup", type=int, default=3, help="warm-up calls at least")
    p.add_argument("--warmup-seconds", type=float, default=2.0, help="warm-up seconds at least")
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--budget", type=float, default=20.0, help="seconds per workload after warm-up (soft)")
    p.add_argument("--prime", action="store_true",
                   help="run a toy-size copy of the workload once before measuring, so peak_mem_mb counts data only")
    a = p.parse_args(argv)
    if a.warmup < 0 or not a.warmup_seconds >= 0 or a.iters < 1 or not a.budget > 0:
        sys.exit(f"--warmup must be >= 0, --warmup-seconds >= 0, --iters >= 1 and --budget > 0; got {a.warmup}, "
                 f"{a.warmup_seconds}, {a.iters}, {a.budget}")
    names = a.workload or list(SPEC["workloads"])
    unknown = [n for n in names if n not in SPEC["workloads"]]
    if unknown:
        sys.exit(f"unknown workload(s) {unknown}; known: {list(SPEC['workloads'])}")
    import os
    threads = a.threads or sorted({1, os.cpu_count() or 1})
    for name in names:
        for t in threads:
            print(json.dumps(run(name, t, a.warmup, a.iters, a.budget, a.prime, a.warmup_seconds)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
