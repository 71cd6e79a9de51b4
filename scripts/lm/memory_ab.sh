#!/usr/bin/env bash
# A/B of bin/rnn4j's memory settings on one training run, alternately, on the same jar: the JVM's default young
# generation against -XX:MaxNewSize=512m with transparent huge pages (what bin/rnn4j sets). Prints each run's
# training tokens/s (the steps alone), peak resident memory and minor page faults.
#   scripts/lm/memory_ab.sh [ROUNDS] [TEXT]      # defaults: 3 rounds, GPL-3 (the side-by-side's (b) run)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rounds="${1:-3}"
text="${2:-/usr/share/common-licenses/GPL-3}"
jar="$root/rnn4j-cli/target/rnn4j.jar"
[ -f "$jar" ] || (cd "$root" && ./mvnw -q -B -DskipTests -pl rnn4j-cli -am package)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
base=(--add-modules jdk.incubator.vector -XX:+UseParallelGC)
for r in $(seq 1 "$rounds"); do
  for side in default capped; do
    opts=("${base[@]}")
    [ "$side" = capped ] && opts+=(-XX:MaxNewSize=512m -XX:+UseTransparentHugePages)
    rm -rf "$work/run"
    out="$(OPENBLAS_NUM_THREADS=1 /usr/bin/time -f 'rss_kb=%M faults=%R' java "${opts[@]}" -jar "$jar" train \
      --data "$text" --steps 600 --embedding-size 64 --hidden-size 256 --batch-size 32 --bptt 64 --threads 2 \
      --no-progress --samples 0 --out "$work/run" 2>&1)"
    tps="$(grep -o '[0-9]* in the steps alone' <<<"$out" | cut -d' ' -f1)"
    mem="$(grep -o 'rss_kb=[0-9]* faults=[0-9]*' <<<"$out")"
    echo "round $r $side: $tps tokens/s, $mem"
  done
done
