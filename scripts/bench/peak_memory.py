#!/usr/bin/env python3
"""Peak memory of a training step, rnn4j against PyTorch, measured so that the two figures mean the same thing.

    /usr/bin/python3 scripts/bench/peak_memory.py [--workload train_gru_B32_L128 ...] [--steps 3] [--out F.jsonl]

What "the memory a step needs" means on each side:
- PyTorch: the growth of the process's peak resident set from just before the first step (model and data built)
  through the steps (`pytorch_bench.py --prime`'s peak_mem_mb, one workload per process, one thread). It counts
  activations, gradients, Adam's state and whatever the allocator keeps cached; --prime first runs a toy-size copy
  of the step so that the library code the step pages in is not counted as the step's memory.
- rnn4j: a JVM's heap figures count garbage not yet collected, so instead this finds the smallest heap the steps run
  in. It bisects -Xmx (serial collector, which collects everything before giving up) for `rnn4j bench --workload W
  --iters S` and for `--build-only` (the same model, data and optimizer, no step), and reports the difference: the
  extra live memory the steps need, the same quantity as PyTorch's growth, to the bisection's resolution.
Needs the CLI jar (`./mvnw -q -pl rnn4j-cli -am package -DskipTests`, or run bin/rnn4j once).
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
JAR = ROOT / "rnn4j-cli" / "target" / "rnn4j.jar"
TRAIN = ["train_lstm_B32_L128", "train_gru_B32_L128"]


def runs_in(heap_mb, args):
    """True when `rnn4j bench ARGS` completes in a heap of heap_mb megabytes."""
    # Serial collector with a 4 MB young generation: everything lives in the old generation, which a full collection
    # empties of garbage before an allocation may fail, so the smallest workable heap is the peak live set plus the
    # 4 MB nursery (a larger nursery adds its own size, and may refuse a large array that would fit in the total).
    cmd = ["java", "--add-modules", "jdk.incubator.vector", "-XX:+UseSerialGC", f"-Xmx{heap_mb}m", "-Xmn4m",
           "-XX:+ExitOnOutOfMemoryError", "-jar", str(JAR), "bench"] + args
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    return p.returncode == 0


def min_heap(args, lo=8, hi=8192, resolution=2):
    """Smallest heap (MB, to `resolution`) in which `rnn4j bench ARGS` completes."""
    if not runs_in(hi, args):
        sys.exit(f"rnn4j bench {' '.join(args)} does not run even in {hi} MB")
    while hi - lo > resolution:
        mid = (lo + hi) // 2
        if runs_in(mid, args):
            hi = mid
        else:
            lo = mid
    return hi


def pytorch_growth(name, steps):
    p = subprocess.run(["/usr/bin/python3", str(ROOT / "scripts" / "bench" / "pytorch_bench.py"), "--workload", name,
                        "--threads", "1", "--warmup", "0", "--warmup-seconds", "0", "--iters", str(steps),
                        "--prime"],
                       capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    if p.returncode != 0:
        sys.exit(f"pytorch_bench.py failed: {p.stderr[-2000:]}")
    return [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")][0]["peak_mem_mb"]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", action="append", help=f"default: {', '.join(TRAIN)}")
    ap.add_argument("--steps", type=int, default=3, help="training steps per run (default 3)")
    ap.add_argument("--no-pytorch", action="store_true", help="only the rnn4j side")
    ap.add_argument("--out", help="append one JSON line per workload to this file")
    a = ap.parse_args(argv)
    if not JAR.is_file():
        sys.exit(f"{JAR} is missing; build it with ./mvnw -q -pl rnn4j-cli -am package -DskipTests")
    known = json.loads((ROOT / "rnn4j-cli" / "src" / "main" / "resources" / "dev" / "rnn4j" / "cli" / "bench"
                        / "workloads.json").read_text())["workloads"]
    unknown = [n for n in (a.workload or []) if n not in known]
    if unknown:
        sys.exit(f"unknown workload(s) {unknown}; known: {list(known)}")
    if a.steps < 1:
        sys.exit(f"--steps must be at least 1, got {a.steps}")
    rows = []
    for name in a.workload or TRAIN:
        base = min_heap(["--workload", name, "--build-only"])
        run = min_heap(["--workload", name, "--warmup", "0", "--warmup-seconds", "0", "--jit-quiet-seconds", "0",
                        "--iters", str(a.steps), "--budget", "100000"])
        row = {"workload": name, "steps": a.steps, "rnn4j_min_heap_build_mb": base, "rnn4j_min_heap_steps_mb": run,
               "rnn4j_step_mb": run - base}
        if not a.no_pytorch:
            row["pytorch_step_mb"] = pytorch_growth(name, a.steps)
        rows.append(row)
        print(json.dumps(row), flush=True)
        if a.out:
            with open(a.out, "a") as f:
                f.write(json.dumps(row) + "\n")
    print()
    print("| workload | rnn4j: heap for build / build + steps (MB) | rnn4j step (MB) | PyTorch step, RSS growth (MB) |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['workload']} | {r['rnn4j_min_heap_build_mb']} / {r['rnn4j_min_heap_steps_mb']} | "
              f"{r['rnn4j_step_mb']} | {r.get('pytorch_step_mb', '-')} |")


if __name__ == "__main__":
    main(sys.argv[1:])
