#!/usr/bin/env python3
"""Runs rnn4j and PyTorch on the same workloads in one session, alternating, and prints a table of ratios.

    /usr/bin/python3 scripts/bench/compare.py [--rounds 3] [--workload NAME ...] [--out results.jsonl]

Each (implementation, workload) pair runs in a fresh process, rounds alternate rnn4j / PyTorch so drift in the
machine's speed hits both, and the median of the per-round medians is kept. A second table compares the fastest
single call each side made in all its rounds: on a machine whose speed drifts between processes, it shows what each
side's code does when it is not slowed down. PyTorch runs with OMP_WAIT_POLICY=PASSIVE
at 1 and at all cores, and its best setting is the one compared (so the comparison never flatters rnn4j). rnn4j runs
with its defaults (bin/rnn4j: all cores, one OpenBLAS thread per call) and, with --pure-java, also with RNN4J_BLAS=java.
With --djl, DJL's PyTorch engine (dev.rnn4j.bench.djl.DjlBench, built by `./mvnw -q -P djl -pl rnn4j-bench -am package
-DskipTests`) runs in the same rounds, like PyTorch at 1 and at all cores with OMP_WAIT_POLICY=PASSIVE, best kept.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
DJL_JAR = ROOT / "rnn4j-bench" / "target" / "rnn4j-benchmarks.jar"
SPEC = json.loads((ROOT / "rnn4j-cli" / "src" / "main" / "resources" / "dev" / "rnn4j" / "cli" / "bench" / "workloads.json").read_text())


def run_lines(cmd, env=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, capture_output=True, text=True, env=e, cwd=ROOT)
    if p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]


def rnn4j(name, env=None):
    return run_lines([str(ROOT / "bin" / "rnn4j"), "bench", "--workload", name], env)


def pytorch(name):
    cores = os.cpu_count() or 1
    recs = []
    for t in sorted({1, cores}):
        recs += run_lines(["/usr/bin/python3", str(ROOT / "scripts" / "bench" / "pytorch_bench.py"),
                           "--workload", name, "--threads", str(t)], {"OMP_WAIT_POLICY": "PASSIVE"})
    return best_of(recs)


def djl(name):
    cores = os.cpu_count() or 1
    recs = []
    for t in sorted({1, cores}):
        recs += run_lines(["java", "-cp", str(DJL_JAR), "dev.rnn4j.bench.djl.DjlBench", "--workload", name,
                           "--threads", str(t)], {"OMP_WAIT_POLICY": "PASSIVE"})
    return best_of(recs)


def best_of(recs):
    """The record of the thread setting with the best median, its fastest call the fastest of any setting."""
    best = dict(min(recs, key=lambda r: r["median_s"]))
    best["min_s"] = min(r["min_s"] for r in recs)
    return best


def check_djl_jar():
    try:
        with zipfile.ZipFile(DJL_JAR) as z:
            z.getinfo("dev/rnn4j/bench/djl/DjlBench.class")
    except (OSError, KeyError, zipfile.BadZipFile):
        sys.exit(f"--djl needs DjlBench in {DJL_JAR}; build it first with\n"
                 "  ./mvnw -q -P djl -pl rnn4j-bench -am package -DskipTests")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workload", action="append")
    p.add_argument("--pure-java", action="store_true", help="also run rnn4j with RNN4J_BLAS=java")
    p.add_argument("--djl", action="store_true", help="also run DJL's PyTorch engine (needs the -P djl build)")
    p.add_argument("--out", help="append every raw record to this JSONL file")
    a = p.parse_args(argv)
    if a.djl:
        check_djl_jar()
    names = a.workload or list(SPEC["workloads"])
    subprocess.run([str(ROOT / "bin" / "rnn4j"), "info"], check=True, cwd=ROOT)
    raw = []
    table = []
    for name in names:
        j, jj, t, d = [], [], [], []
        for _ in range(a.rounds):
            r = rnn4j(name)[0]
            j.append(r)
            if a.pure_java:
                jj.append(rnn4j(name, {"RNN4J_BLAS": "java"})[0])
            t.append(pytorch(name))
            if a.djl:
                d.append(djl(name))
        raw += j + jj + t + d
        jm = statistics.median(r["median_s"] for r in j)
        tm = statistics.median(r["median_s"] for r in t)
        row = {"workload": name, "rnn4j_s": jm, "pytorch_s": tm, "pytorch_threads": t[-1]["threads"],
               "speedup": tm / jm, "rnn4j_mem_mb": j[-1].get("peak_mem_mb"), "pytorch_mem_mb": t[-1].get("peak_mem_mb")}
        if jj:
            row["pure_java_s"] = statistics.median(r["median_s"] for r in jj)
        if d:
            row["djl_s"] = statistics.median(r["median_s"] for r in d)
            row["djl_threads"] = d[-1]["threads"]
            row["speedup_vs_djl"] = row["djl_s"] / jm
            row["djl_mem_mb"] = d[-1].get("peak_mem_mb")
            if "note" in d[-1]:
                row["djl_note"] = d[-1]["note"]
        row["rnn4j_min_s"] = min(r["min_s"] for r in j)
        row["pytorch_min_s"] = min(r["min_s"] for r in t)
        if d:
            row["djl_min_s"] = min(r["min_s"] for r in d)
        if "gflops" in j[-1]:
            row["rnn4j_gflops"] = statistics.median(r["gflops"] for r in j)
        table.append(row)
        print(json.dumps(row), flush=True)
    if a.out:
        with open(a.out, "a") as f:
            for r in raw:
                f.write(json.dumps(r) + "\n")
    ms = lambda v: f"{v * 1e3:.2f}"
    cols = [("workload", lambda r: r["workload"]), ("rnn4j (ms)", lambda r: ms(r["rnn4j_s"])),
            ("PyTorch best (ms)", lambda r: ms(r["pytorch_s"])), ("PyTorch threads", lambda r: r["pytorch_threads"]),
            ("rnn4j speed-up", lambda r: f"{r['speedup']:.2f}x")]
    if a.pure_java:
        cols.append(("pure Java (ms)", lambda r: ms(r["pure_java_s"])))
    if a.djl:
        cols += [("DJL best (ms)", lambda r: ms(r["djl_s"])), ("DJL threads", lambda r: r["djl_threads"]),
                 ("rnn4j speed-up vs DJL", lambda r: f"{r['speedup_vs_djl']:.2f}x"),
                 ("vs the faster", lambda r: f"{min(r['pytorch_s'], r['djl_s']) / r['rnn4j_s']:.2f}x")]
    print_table(cols, table)
    cols = [("workload", lambda r: r["workload"]), ("rnn4j fastest (ms)", lambda r: ms(r["rnn4j_min_s"])),
            ("PyTorch fastest (ms)", lambda r: ms(r["pytorch_min_s"])),
            ("speed-up", lambda r: f"{r['pytorch_min_s'] / r['rnn4j_min_s']:.2f}x")]
    if a.djl:
        cols += [("DJL fastest (ms)", lambda r: ms(r["djl_min_s"])),
                 ("speed-up vs DJL", lambda r: f"{r['djl_min_s'] / r['rnn4j_min_s']:.2f}x")]
    print_table(cols, table)


def print_table(columns, rows):
    """A Markdown table: columns are (header, cell function of a row) pairs."""
    print()
    print("| " + " | ".join(h for h, _ in columns) + " |")
    print("|" + "---|" * len(columns))
    for r in rows:
        print("| " + " | ".join(str(f(r)) for _, f in columns) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
