#!/usr/bin/env python3
"""Same-run A/B of two rnn4j builds: `rnn4j bench` of build A and build B alternating, one fresh JVM per
(build, workload, round), so the machine's drift falls on both alike. Rounds alternate the order (A B, then B A, ...).
Prints, per workload, the median over rounds of each process's median, the spread (lowest and highest process
median) and B / A; writes every JSON record to --out.

  ./mvnw -q -pl rnn4j-cli -am package -DskipTests                      # build B here
  git clone /path/to/repo /tmp/old && (cd /tmp/old && git checkout OLD && ./mvnw -q -pl rnn4j-cli -am package -DskipTests)
  python3 scripts/bench/ab_builds.py --a /tmp/old/rnn4j-cli/target/rnn4j.jar --b rnn4j-cli/target/rnn4j.jar \
      --rounds 3 --budget 5 --out /tmp/ab.jsonl [--workload NAME ...] [-- extra bench options]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def run(jar, workload, budget, extra, env):
    cmd = ["java", "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-jar", jar, "bench",
           "--workload", workload, "--budget", str(budget)] + extra
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if len(lines) != 1:
        raise SystemExit(f"expected one JSON line from {' '.join(cmd)}, got: {out!r}")
    return json.loads(lines[0])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--a", required=True, help="rnn4j.jar of build A (the baseline)")
    p.add_argument("--b", required=True, help="rnn4j.jar of build B")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--budget", type=float, default=5.0)
    p.add_argument("--workload", action="append")
    p.add_argument("--out", required=True)
    p.add_argument("extra", nargs="*", help="options passed to rnn4j bench")
    a = p.parse_args()
    if a.rounds < 1 or a.budget <= 0:
        raise SystemExit(f"--rounds must be >= 1 and --budget > 0, got {a.rounds} and {a.budget}")
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    workloads = a.workload or subprocess.run(
        ["java", "-jar", a.b, "bench", "--list"], capture_output=True, text=True, check=True).stdout.split()
    med = {w: {"A": [], "B": []} for w in workloads}
    t0 = time.time()
    with open(a.out, "w") as f:
        for r in range(a.rounds):
            order = ["A", "B"] if r % 2 == 0 else ["B", "A"]
            for w in workloads:
                for side in order:
                    rec = run(a.a if side == "A" else a.b, w, a.budget, a.extra, env)
                    rec.update(side=side, round=r, at=round(time.time() - t0, 1))
                    f.write(json.dumps(rec) + "\n")
                    f.flush()
                    med[w][side].append(rec["median_s"] * 1e3)
                    print(f"round {r} {w} {side}: {rec['median_s'] * 1e3:.3f} ms ({rec['iters']} runs, warm-up "
                          f"{rec['warmup_s']} s)", file=sys.stderr)
    print(f"| workload | A median ms (spread) | B median ms (spread) | B / A |")
    print("|---|---|---|---|")
    for w in workloads:
        ma = statistics.median(med[w]["A"])
        mb = statistics.median(med[w]["B"])
        sa = f"{min(med[w]['A']):.2f}-{max(med[w]['A']):.2f}"
        sb = f"{min(med[w]['B']):.2f}-{max(med[w]['B']):.2f}"
        print(f"| {w} | {ma:.2f} ({sa}) | {mb:.2f} ({sb}) | {mb / ma:.3f} |")
    print(f"({a.rounds} rounds, {time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
